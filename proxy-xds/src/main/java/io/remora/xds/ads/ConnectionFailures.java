package io.remora.xds.ads;

import java.util.List;
import java.util.Set;

/**
 * What a failed stream counts: Envoy's mux reports a ConnectionFailure to every subscription on it each time it
 * closes or cannot open (GrpcMuxImpl/NewGrpcMuxImpl::onEstablishmentFailure), which GrpcSubscriptionImpl::
 * onConfigUpdateFailed counts as update_failure and an update_attempt. LDS, CDS and RTDS count once subscribed (not
 * while {@link StartOrder} holds them), RDS per route configuration, EDS per cluster. Control thread only.
 */
final class ConnectionFailures {
    private ConnectionFailures() {
    }

    /** @param key the separate stream that failed, or null for the ADS stream */
    static void count(ApiSourceKey key, Set<XdsResourceType> adsTypes, StartOrder startOrder,
                      AdsSubscriptions subscriptions, ApiSourceStreams sources, XdsStats stats, XdsSnapshot held) {
        for (XdsResourceType t : List.of(XdsResourceType.CLUSTER, XdsResourceType.LISTENER, XdsResourceType.RUNTIME)) {
            boolean onStream = key == null ? adsTypes.contains(t) : key.type() == t;
            if (onStream && !startOrder.held(t)) {
                stats.connectionFailure(t);
            }
        }
        for (XdsResourceType t : List.of(XdsResourceType.ROUTE, XdsResourceType.ENDPOINT)) {
            Set<String> names = key == null ? subscriptions.names(t) : key.type() == t ? sources.names(key) : Set.of();
            stats.fileStat(t, names, held, "update_failure");
        }
        if (key == null ? !subscriptions.names(XdsResourceType.SCOPED_ROUTE).isEmpty()
                : key.type() == XdsResourceType.SCOPED_ROUTE) {
            stats.srdsConnectionFailure();
        }
        stats.sdsConnectionFailure(key == null ? subscriptions.names(XdsResourceType.SECRET)
                : key.type() == XdsResourceType.SECRET ? sources.names(key) : Set.of());
    }
}
