package io.remora.stats;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;

/**
 * Envoy's {@code vhost.<virtual_host>.vcluster.<virtual_cluster>.*} stats, registered under the
 * names Envoy's default tag extraction gives them
 * ({@code envoy_vhost_vcluster_upstream_rq_total{envoy_virtual_host, envoy_virtual_cluster}}).
 */
public final class VirtualClusterStats extends VhostRequestStats {
    public static final String VIRTUAL_CLUSTER_TAG = "envoy_virtual_cluster";
    /** Envoy's catch-all: requests of a virtual host with virtual clusters that matched none. */
    public static final String OTHER = "other";

    private final String virtualHost;
    private final String virtualCluster;

    VirtualClusterStats(MeterRegistry r, String virtualHost, String virtualCluster) {
        super(r, "envoy_vhost_vcluster", Tags.of(VIRTUAL_HOST_TAG, virtualHost, VIRTUAL_CLUSTER_TAG, virtualCluster));
        this.virtualHost = virtualHost;
        this.virtualCluster = virtualCluster;
    }

    public String virtualHost() {
        return virtualHost;
    }

    /** The stat name: the virtual cluster's name, or {@link #OTHER}. */
    public String virtualCluster() {
        return virtualCluster;
    }
}
