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
        if (c.hasLrsServer() && !c.getLrsServer().hasSelf() && !c.getLrsServer().hasAds()) {
            // self/ads send the cluster's load reports to the xDS server; another source has no stream here.
            set.put("lrs_server", "only self or ads is built; no load reports go to " + c.getLrsServer().getConfigSourceSpecifierCase());
        }
        if (c.getOutlierDetection().getMonitorsCount() > 0) {
            set.put("outlier_detection.monitors", "not implemented in Envoy either");
        }
        if (c.getCommonLbConfig().hasUpdateMergeWindow() && (c.getCommonLbConfig().getUpdateMergeWindow().getSeconds() != 0
                || c.getCommonLbConfig().getUpdateMergeWindow().getNanos() != 0)) {
            // Envoy holds health, weight and metadata changes for the window and applies them together; Remora
            // applies each host set update at once, as a window of 0 does.
            set.put("common_lb_config.update_merge_window", "each host update applies at once, as with a 0 window");
        }
        set.forEach((field, effect) -> ctx.warnOnce("cluster." + field, "cluster " + field + " is not supported ("
                + effect + "), first at " + path.field(field)));
    }
}
