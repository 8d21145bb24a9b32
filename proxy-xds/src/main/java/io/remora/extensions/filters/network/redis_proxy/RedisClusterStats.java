package io.remora.extensions.filters.network.redis_proxy;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import io.remora.stats.ClusterStats;
import io.remora.stats.EnvoyBuckets;
import io.remora.stats.StatNames;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What the redis proxy counts under a cluster beyond {@link ClusterStats}: Envoy's
 * {@code cluster.<name>.redis_cluster.*} (unknown hosts refused, and with enable_command_stats
 * {@code upstream_commands.<command>.total/success/failure/latency}), the aggregate
 * {@code upstream_commands.upstream_rq_time}, and the upstream_cx_protocol_error and
 * upstream_rq_cancelled cluster counters its clients count.
 */
final class RedisClusterStats {
    final ClusterStats cluster;
    final Counter maxUpstreamUnknownConnectionsReached;
    final Counter upstreamCxProtocolError;
    final Counter upstreamRqCancelled;
    final DistributionSummary upstreamRqTime;
    private final MeterRegistry registry;
    private final Map<String, Counter[]> counters = new ConcurrentHashMap<>();
    private final Map<String, DistributionSummary> latencies = new ConcurrentHashMap<>();

    RedisClusterStats(MeterRegistry r, ClusterStats cluster) {
        this.registry = r;
        this.cluster = cluster;
        maxUpstreamUnknownConnectionsReached = counter("envoy_cluster_redis_cluster_max_upstream_unknown_connections_reached");
        upstreamCxProtocolError = counter("envoy_cluster_upstream_cx_protocol_error");
        upstreamRqCancelled = counter("envoy_cluster_upstream_rq_cancelled");
        upstreamRqTime = DistributionSummary.builder("envoy_cluster_redis_cluster_upstream_commands_upstream_rq_time")
                .tag(ClusterStats.TAG, cluster.name()).serviceLevelObjectives(EnvoyBuckets.MILLIS).register(r);
    }

    private Counter counter(String metric) {
        return Counter.builder(metric).tag(ClusterStats.TAG, cluster.name()).register(registry);
    }

    /** total, success, failure of one upstream command. */
    Counter[] command(String lowerCaseCommand) {
        return counters.computeIfAbsent(lowerCaseCommand, c -> {
            String p = "envoy_cluster_redis_cluster_upstream_commands_" + StatNames.sanitize(c) + "_";
            return new Counter[] {counter(p + "total"), counter(p + "success"), counter(p + "failure")};
        });
    }

    DistributionSummary latency(String lowerCaseCommand) {
        return latencies.computeIfAbsent(lowerCaseCommand, c -> DistributionSummary.builder(
                "envoy_cluster_redis_cluster_upstream_commands_" + StatNames.sanitize(c) + "_latency")
                .tag(ClusterStats.TAG, cluster.name()).serviceLevelObjectives(EnvoyBuckets.MILLIS).register(registry));
    }
}
