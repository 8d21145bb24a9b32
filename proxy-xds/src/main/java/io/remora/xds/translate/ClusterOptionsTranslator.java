package io.remora.xds.translate;

import io.envoyproxy.envoy.config.cluster.v3.CircuitBreakers;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.core.v3.RoutingPriority;
import io.remora.config.ClusterConfig;
import io.remora.config.ClusterOptions;

/**
 * The cluster's circuit breaker thresholds per priority, and its {@link ClusterOptions}: the
 * common_lb_config host set options, track_cluster_stats and wait_for_warm_on_init.
 */
final class ClusterOptionsTranslator {

    private ClusterOptionsTranslator() {
    }

    /** The thresholds of {@code priority}; Envoy's defaults when the cluster lists none for it. */
    static ClusterConfig.CircuitBreakers breakers(Cluster c, RoutingPriority priority) {
        ClusterConfig.CircuitBreakers d = ClusterConfig.CircuitBreakers.DEFAULT;
        ClusterConfig.CircuitBreakers out = d;
        for (CircuitBreakers.Thresholds t : c.getCircuitBreakers().getThresholdsList()) {
            if (t.getPriority() != priority) {
                continue;
            }
            out = new ClusterConfig.CircuitBreakers(
                    Protos.uint(t.hasMaxConnections(), t.getMaxConnections(), d.maxConnections()),
                    Protos.uint(t.hasMaxPendingRequests(), t.getMaxPendingRequests(), d.maxPendingRequests()),
                    Protos.uint(t.hasMaxRequests(), t.getMaxRequests(), d.maxRequests()),
                    Protos.uint(t.hasMaxRetries(), t.getMaxRetries(), d.maxRetries()),
                    t.hasRetryBudget() ? new ClusterConfig.RetryBudget(
                            t.getRetryBudget().hasBudgetPercent() ? t.getRetryBudget().getBudgetPercent().getValue() : 20.0,
                            Protos.uint(t.getRetryBudget().hasMinRetryConcurrency(),
                                    t.getRetryBudget().getMinRetryConcurrency(), 3)) : null,
                    // unset: no limit (Envoy's max uint32); a uint32 past int's range is no limit either
                    t.hasMaxConnectionPools() && t.getMaxConnectionPools().getValue() >= 0
                            ? t.getMaxConnectionPools().getValue() : Integer.MAX_VALUE,
                    t.getTrackRemaining());
        }
        return out;
    }

    static ClusterOptions options(Cluster c, FieldPath path, TranslationContext ctx) {
        var lb = c.getCommonLbConfig();
        var track = c.getTrackClusterStats();
        if (track.getPerEndpointStats()) {
            ctx.warnOnce("cluster.track_cluster_stats.per_endpoint_stats", "track_cluster_stats.per_endpoint_stats"
                    + " is not supported (no per-endpoint stats are published), first at "
                    + path.field("track_cluster_stats").field("per_endpoint_stats"));
        }
        if (c.getUpstreamConnectionOptions().getSetLocalInterfaceNameOnUpstreamConnections()) {
            ctx.warnOnce("cluster.upstream_connection_options.set_local_interface_name_on_upstream_connections",
                    "upstream_connection_options.set_local_interface_name_on_upstream_connections has no effect: no"
                    + " Remora extension reads an upstream connection's interface name, first at "
                    + path.field("upstream_connection_options").field("set_local_interface_name_on_upstream_connections"));
        }
        if (c.getUpstreamConnectionOptions().hasHappyEyeballsConfig()) {
            // Each host here has exactly one address (a DNS answer's addresses are hosts of their own),
            // so there is no order of addresses within a host to choose.
            ctx.warnOnce("cluster.upstream_connection_options.happy_eyeballs_config",
                    "upstream_connection_options.happy_eyeballs_config has no effect (each host has a single"
                            + " address), first at " + path.field("upstream_connection_options")
                            .field("happy_eyeballs_config"));
        }
        // update_merge_window needs nothing: each host set update is already applied whole, in one swap.
        return ClusterOptions.builder()
                .highCircuitBreakers(breakers(c, RoutingPriority.HIGH))
                .ignoreNewHostsUntilFirstHc(lb.getIgnoreNewHostsUntilFirstHc())
                .closeConnectionsOnHostSetChange(lb.getCloseConnectionsOnHostSetChange())
                .trackTimeoutBudgets(track.getTimeoutBudgets())
                .trackRequestResponseSizes(track.getRequestResponseSizes())
                .waitForWarmOnInit(!c.hasWaitForWarmOnInit() || c.getWaitForWarmOnInit().getValue())
                .build();
    }
}
