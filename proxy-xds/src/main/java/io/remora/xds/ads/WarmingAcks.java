package io.remora.xds.ads;

import java.util.List;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * CDS and LDS responses ACKed as soon as they are checked, while the clusters and listeners they bring warm: Envoy's
 * mux ACKs each response once its subscription took it (grpc_mux_impl.cc onDiscoveryResponse, the delta mux alike),
 * and CdsApiHelper::onConfigUpdate / LdsApiImpl::onConfigUpdate take them by adding the clusters and listeners as
 * warming (addOrUpdateCluster, addOrUpdateListener). What then fails to warm, or times out, is not NACKed. The update
 * stays pending until warm, a newer one replacing it; a NACK from then on names the version ACKed here, as the mux
 * keeps the last accepted version_info in its request.
 */
final class WarmingAcks {
    private static final Logger log = Logger.getLogger(XdsClient.class.getName());
    private static final List<XdsResourceType> WILDCARD = List.of(XdsResourceType.CLUSTER, XdsResourceType.LISTENER);

    /** A checked update found invalid: NACKed and taken out by the cycle. */
    interface Rejection {
        void rejected(XdsResourceType type, String error);

        /**
         * Listeners or clusters of the checked update fail: it is NACKed naming them, and the others of it go on when
         * the failed ones can be left out, else it is rejected whole.
         */
        void partly(XdsResourceType type, ResourcesRejected e);

        /** The checked update names a listener or cluster twice: NACKed for the later copies, the rest goes on. */
        void repeated(XdsResourceType type);
    }

    private WarmingAcks() {
    }

    /**
     * Checks and ACKs the pending CDS and LDS responses not yet answered, over {@code accepted}.
     *
     * @return whether one was rejected (the candidate changed)
     */
    static boolean acknowledge(PendingUpdates pending, XdsSnapshot accepted, XdsConfigApplier applier,
                               AdsSubscriptions subscriptions, ApiSourceStreams sources, XdsStats stats,
                               Rejection rejection) {
        return acknowledge(WILDCARD, pending, accepted, applier, subscriptions, sources, stats, rejection);
    }

    /** As above for {@code types} only (those of them pending and unanswered). */
    static boolean acknowledge(java.util.Collection<XdsResourceType> types, PendingUpdates pending,
                               XdsSnapshot accepted, XdsConfigApplier applier, AdsSubscriptions subscriptions,
                               ApiSourceStreams sources, XdsStats stats, Rejection rejection) {
        boolean rejected = false;
        for (XdsResourceType type : WILDCARD) {
            PendingUpdates.Pending p = pending.get(type);
            if (!types.contains(type)) {
                continue;
            }
            if (p == null || p.answered()) {
                continue;
            }
            long start = System.nanoTime();
            try {
                applier.check(accepted.with(type, p.state()));
            } catch (ResourcesRejected e) {
                rejection.partly(type, e);
                rejected = true;
                continue;
            } catch (XdsRejectedException e) {
                rejection.rejected(type, e.getMessage());
                rejected = true;
                continue;
            } catch (RuntimeException e) {
                log.log(Level.SEVERE, "xDS applier failed checking an update", e);
                rejection.rejected(type, "internal error checking the update: " + e);
                rejected = true;
                continue;
            }
            if (pending.repeatingUnanswered().contains(type)) {
                rejection.repeated(type);
                rejected = true;
                continue;
            }
            String version = p.state().versionInfo();
            if (p.ads() && !p.nonces().isEmpty()) {
                subscriptions.ack(type, version, p.nonces());
            }
            p.sources().forEach((key, ack) -> sources.ack(key, ack.version(), ack.nonces()));
            // checked is taken here, as Envoy's LDS/CDS callbacks add the warming resources and return
            stats.success(type, version, p.ads() || !p.sources().isEmpty()
                    ? java.util.concurrent.TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start) : -1);
            XdsLog.accepted(type, p.state().resources().size(), version);
            pending.ackedAhead(type);
        }
        return rejected;
    }
}
