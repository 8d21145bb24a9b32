package io.remora.extensions.filters.http.local_ratelimit;

import io.remora.upstream.Cluster;
import io.remora.upstream.ClusterManager;

import java.util.function.LongSupplier;
import java.util.logging.Logger;

/**
 * Envoy's even share of a {@code local_cluster_rate_limit} bucket: the configured rate is the whole
 * local cluster's, so each of its N members takes N tokens per request (Envoy consumes
 * {@code hits / (1/N)}); a cluster without members counts as one. N is read per request, so the
 * share follows EDS updates of the local cluster as Envoy's member-update callback does.
 */
final class LocalClusterShare implements LongSupplier {

    private static final Logger LOG = Logger.getLogger(LocalClusterShare.class.getName());
    static final LongSupplier NONE = () -> 1;

    private final ClusterManager clusters;
    private final String name;

    private LocalClusterShare(ClusterManager clusters, String name) {
        this.clusters = clusters;
        this.name = name;
    }

    /**
     * The tokens one request takes under {@code config}. Translation refuses a config sharing with no
     * local cluster when it knows the bootstrap; one translated without it is logged here and takes
     * one token (the filter's own config is refused by {@link #requireLocalCluster}).
     */
    static LongSupplier of(LocalRateLimitConfig config, ClusterManager clusters) {
        if (!config.localClusterShare()) {
            return NONE;
        }
        String name = clusters.localClusterName();
        if (name.isEmpty()) {
            LOG.warning(config.statPrefix() + ": " + NO_LOCAL_CLUSTER + "; the route's bucket is not shared");
            return NONE;
        }
        return new LocalClusterShare(clusters, name);
    }

    static final String NO_LOCAL_CLUSTER = "local_cluster_rate_limit is set but no local cluster name is present";

    /** Envoy refuses the filter's config when there is no local cluster to share with. */
    static void requireLocalCluster(LocalRateLimitConfig config, ClusterManager clusters) {
        if (config.localClusterShare() && clusters.localClusterName().isEmpty()) {
            throw new IllegalArgumentException(LocalRateLimitConfig.NAME + " " + config.statPrefix() + ": "
                    + NO_LOCAL_CLUSTER + " (cluster_manager.local_cluster_name)");
        }
    }

    @Override
    public long getAsLong() {
        Cluster c = clusters.get(name);
        int members = c == null ? 0 : c.hosts().size();
        return members == 0 ? 1 : members;
    }
}
