package io.remora.xds.ads;

import java.util.Map;

/**
 * What follows a snapshot the applier accepted, per type it brought: the ACK on ADS and on each separate stream
 * that sent part of it, the update's success stat and log line (not for what only followed from another type),
 * and the per-resource stats; {@code durationMs} is how long applying it took (Envoy's {@code update_duration}). {@code snapshot} is the one applied with what is still pending over it: a load
 * assignment applied ahead of its warming cluster counts in that cluster's update stats.
 */
final class AppliedAcks {
    private AppliedAcks() {
    }

    static void acknowledge(Map<XdsResourceType, PendingUpdates.Pending> applied, XdsSnapshot previous,
                            XdsSnapshot snapshot, AdsSubscriptions subscriptions, ApiSourceStreams sources,
                            XdsStats stats, long durationMs) {
        for (Map.Entry<XdsResourceType, PendingUpdates.Pending> e : applied.entrySet()) {
            XdsResourceType type = e.getKey();
            PendingUpdates.Pending p = e.getValue();
            long took = p.ads() || !p.sources().isEmpty() ? durationMs : -1; // a file's update is not timed
            // counted before the ACK leaves, as GrpcSubscriptionImpl counts before GrpcMuxImpl sends it
            if (!p.nonces().isEmpty() || !p.ads() || !p.sources().isEmpty()) {
                stats.success(type, snapshot.versionInfo(type), took, snapshot);
                XdsLog.accepted(type, p.state().resources().size(), snapshot.versionInfo(type));
            }
            stats.perResource(type, previous, snapshot, true, took);
            if (p.ads() && !p.nonces().isEmpty()) {
                subscriptions.ack(type, snapshot.versionInfo(type), p.nonces());
            }
            p.sources().forEach((key, ack) -> sources.ack(key, ack.version(), ack.nonces()));
        }
    }
}
