package io.remora.upstream;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.remora.stats.ClusterStats;

/**
 * A DNS cluster's {@code cluster.<name>.update_*} counters as Envoy's resolve targets count them:
 * each resolution of each name is an attempt, then a success or a failure; a success that left
 * the name's hosts as they were is also a no_rebuild.
 */
final class DnsUpdateStats {
    final Counter attempt;
    final Counter success;
    final Counter failure;
    final Counter noRebuild;

    DnsUpdateStats(MeterRegistry registry, String clusterStatName) {
        attempt = counter(registry, "envoy_cluster_update_attempt", clusterStatName);
        success = counter(registry, "envoy_cluster_update_success", clusterStatName);
        failure = counter(registry, "envoy_cluster_update_failure", clusterStatName);
        noRebuild = counter(registry, "envoy_cluster_update_no_rebuild", clusterStatName);
    }

    private static Counter counter(MeterRegistry registry, String name, String cluster) {
        return Counter.builder(name).tag(ClusterStats.TAG, cluster).register(registry);
    }
}
