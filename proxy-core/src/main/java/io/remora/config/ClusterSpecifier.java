package io.remora.config;

import java.util.List;
import java.util.Map;

/**
 * Where a route or tcp_proxy sends traffic: one cluster, a weighted split, a header naming it, or
 * (routes only) a cluster specifier plugin.
 */
public sealed interface ClusterSpecifier
        permits ClusterSpecifier.Single, ClusterSpecifier.Weighted, ClusterSpecifier.FromHeader,
        ClusterSpecifier.Plugin {

    record Single(String cluster) implements ClusterSpecifier {
    }

    /**
     * {@code weighted_clusters}; totalWeight is the sum of the weights (validated &gt; 0).
     * {@code runtimeKeyPrefix} (null for none): each member's weight is the runtime's
     * {@code <prefix>.<name>} when set, read per request. {@code randomValueHeader} (null for none,
     * else lower case): Envoy's {@code header_name}, a request header whose single unsigned value
     * replaces the random number of the pick.
     */
    record Weighted(List<WeightedCluster> clusters, int totalWeight, String runtimeKeyPrefix,
                    String randomValueHeader) implements ClusterSpecifier {
        public Weighted(List<WeightedCluster> clusters, int totalWeight) {
            this(clusters, totalWeight, null, null);
        }
    }

    /** {@code cluster_header}: the cluster is named by this request header. */
    record FromHeader(String headerName) implements ClusterSpecifier {
    }

    /**
     * {@code cluster_specifier_plugin} (by name from the route configuration's
     * {@code cluster_specifier_plugins}) or {@code inline_cluster_specifier_plugin}.
     *
     * @param name the extension's name, for logs
     */
    record Plugin(String name, ClusterSpecifierPlugin plugin) implements ClusterSpecifier {
    }

    /**
     * One member of a split. Header mutations and hostRewriteLiteral may be
     * {@link HeaderMutation#NONE}/null; {@code metadataMatch} is its own {@code envoy.lb} criteria
     * (null: none), which override the route's key by key. {@code clusterHeader}, when not null,
     * is the request header naming the member's cluster ({@code name} is then null).
     */
    record WeightedCluster(String name, int weight, HeaderMutation requestHeaders,
                           HeaderMutation responseHeaders, String hostRewriteLiteral,
                           Map<String, PerFilterConfig> perFilterConfigs, Map<String, Object> metadataMatch,
                           String clusterHeader) {
        public WeightedCluster {
            perFilterConfigs = perFilterConfigs == null ? PerFilterConfig.NONE : Map.copyOf(perFilterConfigs);
        }

        public WeightedCluster(String name, int weight, HeaderMutation requestHeaders, HeaderMutation responseHeaders,
                               String hostRewriteLiteral, Map<String, PerFilterConfig> perFilterConfigs,
                               Map<String, Object> metadataMatch) {
            this(name, weight, requestHeaders, responseHeaders, hostRewriteLiteral, perFilterConfigs, metadataMatch,
                    null);
        }

        public WeightedCluster(String name, int weight, HeaderMutation requestHeaders, HeaderMutation responseHeaders,
                               String hostRewriteLiteral, Map<String, PerFilterConfig> perFilterConfigs) {
            this(name, weight, requestHeaders, responseHeaders, hostRewriteLiteral, perFilterConfigs, null);
        }

        public WeightedCluster(String name, int weight, HeaderMutation requestHeaders,
                               HeaderMutation responseHeaders, String hostRewriteLiteral) {
            this(name, weight, requestHeaders, responseHeaders, hostRewriteLiteral, PerFilterConfig.NONE);
        }
    }
}
