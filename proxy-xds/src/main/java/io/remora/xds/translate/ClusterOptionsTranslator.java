package io.remora.xds.translate;

import io.envoyproxy.envoy.config.cluster.v3.CircuitBreakers;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.core.v3.RoutingPriority;
import io.remora.config.ClusterConfig;
import io.remora.config.ClusterOptions;

/**
 * The cluster's circuit breaker thresholds per priority, and its {@link ClusterOptions}: the
 * common_lb_config host set options, track_cluster_stats, wait_for_warm_on_init and what its
 * load reports go and what they carry (lrs_server, lrs_report_endpoint_metrics).
 */
final class ClusterOptionsTranslator {

    private ClusterOptionsTranslator() {
    }

    /**
     * The thresholds of {@code priority}: as Envoy, its first entry; Envoy's defaults when the
     * cluster lists none for it.
     */
    static ClusterConfig.CircuitBreakers breakers(Cluster c, RoutingPriority priority) {
        ClusterConfig.CircuitBreakers d = ClusterConfig.CircuitBreakers.DEFAULT;
        for (CircuitBreakers.Thresholds t : c.getCircuitBreakers().getThresholdsList()) {
            if (t.getPriority() != priority) {
                continue;
            }
            return new ClusterConfig.CircuitBreakers(
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
        return d;
    }

    static ClusterOptions options(Cluster c, FieldPath path, TranslationContext ctx) {
        var lb = c.getCommonLbConfig();
        var track = c.getTrackClusterStats();
        if (track.getPerEndpointStats()) {
            // Envoy also puts them in its sinks' snapshots; Remora's admin pages alone print them.
            ctx.warnOnce("cluster.track_cluster_stats.per_endpoint_stats", "track_cluster_stats.per_endpoint_stats:"
                    + " /stats and /stats/prometheus print the endpoint stats, stats_sinks do not receive them, first at "
                    + path.field("track_cluster_stats").field("per_endpoint_stats"));
        }
        if (c.getUpstreamConnectionOptions().getSetLocalInterfaceNameOnUpstreamConnections()) {
            ctx.warnOnce("cluster.upstream_connection_options.set_local_interface_name_on_upstream_connections",
                    "upstream_connection_options.set_local_interface_name_on_upstream_connections has no effect: no"
                    + " Remora extension reads an upstream connection's interface name, first at "
                    + path.field("upstream_connection_options").field("set_local_interface_name_on_upstream_connections"));
        }
        // update_merge_window: warned about by ClusterWarnings (each host set update applies at once).
        return ClusterOptions.builder()
                .highCircuitBreakers(breakers(c, RoutingPriority.HIGH))
                .ignoreNewHostsUntilFirstHc(lb.getIgnoreNewHostsUntilFirstHc())
                .closeConnectionsOnHostSetChange(lb.getCloseConnectionsOnHostSetChange())
                .trackTimeoutBudgets(track.getTimeoutBudgets())
                .trackRequestResponseSizes(track.getRequestResponseSizes())
                .perEndpointStats(track.getPerEndpointStats())
                .waitForWarmOnInit(!c.hasWaitForWarmOnInit() || c.getWaitForWarmOnInit().getValue())
                .maxConnectionsPerHost(maxConnectionsPerHost(c, RoutingPriority.DEFAULT, path.field("circuit_breakers"), ctx))
                .highMaxConnectionsPerHost(maxConnectionsPerHost(c, RoutingPriority.HIGH, null, ctx))
                .cleanupInterval(cleanupInterval(c, path))
                .lrsServerSelf(c.getLrsServer().hasSelf() || c.getLrsServer().hasAds())
                .lrsReportEndpointMetrics(c.getLrsReportEndpointMetricsList())
                .happyEyeballs(happyEyeballs(c, path.field("upstream_connection_options").field("happy_eyeballs_config")))
                .build();
    }

    /**
     * {@code per_host_thresholds}: as Envoy, the first entry of {@code priority} gives that
     * priority's per-host {@code max_connections}. Remora reads no other field of them (recent
     * Envoy also applies {@code max_requests} per host); each is warned about once (when {@code path} is given: one pass over the list warns).
     */
    private static int maxConnectionsPerHost(Cluster c, RoutingPriority priority, FieldPath path,
                                             TranslationContext ctx) {
        int max = Integer.MAX_VALUE;
        boolean found = false;
        var list = c.getCircuitBreakers().getPerHostThresholdsList();
        for (int i = 0; i < list.size(); i++) {
            CircuitBreakers.Thresholds t = list.get(i);
            if (path != null) {
                FieldPath at = path.field("per_host_thresholds").index(i);
                warnUnread(ctx, at, "max_pending_requests", t.hasMaxPendingRequests());
                warnUnread(ctx, at, "max_requests", t.hasMaxRequests());
                warnUnread(ctx, at, "max_retries", t.hasMaxRetries());
                warnUnread(ctx, at, "retry_budget", t.hasRetryBudget());
                warnUnread(ctx, at, "max_connection_pools", t.hasMaxConnectionPools());
                warnUnread(ctx, at, "track_remaining", t.getTrackRemaining());
            }
            if (!found && t.getPriority() == priority) {
                found = true;
                // A uint32 past int's range is no limit either.
                if (t.hasMaxConnections() && t.getMaxConnections().getValue() >= 0) {
                    max = t.getMaxConnections().getValue();
                }
            }
        }
        return max;
    }

    /** A per-host threshold field Remora does not apply, warned about once. */
    private static void warnUnread(TranslationContext ctx, FieldPath at, String field, boolean set) {
        if (!set) {
            return;
        }
        // Recent Envoy keeps a per-host max_requests (ResourceManagerImpl); it ignores the others.
        String why = field.equals("max_requests") ? " has no effect: Remora applies only max_connections"
                + " per host (recent Envoy also limits a host's requests)"
                : " has no effect (Envoy reads no such per-host limit either)";
        ctx.warnOnce("cluster.circuit_breakers.per_host_thresholds." + field,
                "circuit_breakers.per_host_thresholds." + field + why + ", first at " + at.field(field));
    }

    /** {@code cleanup_interval} (validated > 0 for any cluster; only ORIGINAL_DST sweeps, as in Envoy). */
    private static java.time.Duration cleanupInterval(Cluster c, FieldPath path) {
        if (!c.hasCleanupInterval()) {
            return ClusterOptions.DEFAULT_CLEANUP_INTERVAL;
        }
        java.time.Duration d = Protos.duration(c.getCleanupInterval());
        if (d.isZero() || d.isNegative()) {
            throw path.field("cleanup_interval").error("must be greater than 0");
        }
        return d;
    }

    /** {@code happy_eyeballs_config}: the order a host's several addresses are tried in. */
    private static io.remora.config.HappyEyeballsConfig happyEyeballs(Cluster c, FieldPath path) {
        if (!c.getUpstreamConnectionOptions().hasHappyEyeballsConfig()) {
            return io.remora.config.HappyEyeballsConfig.DEFAULT;
        }
        var he = c.getUpstreamConnectionOptions().getHappyEyeballsConfig();
        io.remora.config.HappyEyeballsConfig.Family family = switch (he.getFirstAddressFamilyVersion()) {
            case DEFAULT -> io.remora.config.HappyEyeballsConfig.Family.DEFAULT;
            case V4 -> io.remora.config.HappyEyeballsConfig.Family.V4;
            case V6 -> io.remora.config.HappyEyeballsConfig.Family.V6;
            default -> throw path.field("first_address_family_version")
                    .error("unknown value " + he.getFirstAddressFamilyVersionValue());
        };
        // Envoy's proto: first_address_family_count, when set, is at least 1.
        if (he.hasFirstAddressFamilyCount() && he.getFirstAddressFamilyCount().getValue() < 1) {
            throw path.field("first_address_family_count").error("value must be greater than or equal to 1");
        }
        return new io.remora.config.HappyEyeballsConfig(family,
                he.hasFirstAddressFamilyCount() ? he.getFirstAddressFamilyCount().getValue() : 1);
    }
}
