package io.remora.xds.translate;

import io.envoyproxy.envoy.config.cluster.v3.Cluster;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The cluster fields Remora does not act on: one warning each, naming the first place and what
 * happens instead, rather than silence.
 */
final class ClusterWarnings {

    private ClusterWarnings() {
    }

    @SuppressWarnings("deprecation")
    static void warn(Cluster c, FieldPath path, TranslationContext ctx) {
        Map<String, String> set = new LinkedHashMap<>();
        if (c.getPreconnectPolicy().hasPredictivePreconnectRatio()) {
            set.put("preconnect_policy.predictive_preconnect_ratio", "only each pool's own ratio opens connections ahead");
        }
        if (c.getConnectionPoolPerDownstreamConnection()) {
            set.put("connection_pool_per_downstream_connection", "each worker shares its pools");
        }
        if (c.hasLrsServer()) {
            set.put("lrs_server", "no load reports are sent");
        }
        if (c.getOutlierDetection().getMonitorsCount() > 0) {
            set.put("outlier_detection.monitors", "not implemented in Envoy either");
        }
        set.forEach((field, effect) -> ctx.warnOnce("cluster." + field, "cluster " + field + " is not supported ("
                + effect + "), first at " + path.field(field)));
    }
}
