package io.remora.e2e.xds;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The stats Envoy makes with every cluster, before any traffic (envoy/upstream/upstream.h's
 * ALL_CLUSTER_CONFIG_UPDATE_STATS, ALL_CLUSTER_ENDPOINT_STATS, ALL_CLUSTER_LB_STATS, ALL_CLUSTER_TRAFFIC_STATS and
 * the circuit breakers' gauges), listed by {@code /stats} for a static cluster and an EDS cluster alike, each of its
 * kind in {@code /stats/prometheus} (counters not named {@code *_total} and gauges named so are untyped there).
 */
class ClusterStatsUpFrontE2ETest {
    @TempDir
    Path dir;

    private static final List<String> COUNTERS = List.of(
            // ALL_CLUSTER_CONFIG_UPDATE_STATS
            "assignment_stale", "assignment_timeout_received", "assignment_use_cached", "update_attempt",
            "update_empty", "update_failure", "update_no_rebuild", "update_success",
            // ALL_CLUSTER_ENDPOINT_STATS
            "membership_change",
            // ALL_CLUSTER_LB_STATS
            "lb_healthy_panic", "lb_local_cluster_not_ok", "lb_recalculate_zone_structures", "lb_subsets_created",
            "lb_subsets_fallback", "lb_subsets_fallback_panic", "lb_subsets_removed", "lb_subsets_selected",
            "lb_zone_cluster_too_small", "lb_zone_no_capacity_left", "lb_zone_routing_all_directly",
            "lb_zone_routing_cross_zone", "lb_zone_routing_sampled",
            // ALL_CLUSTER_TRAFFIC_STATS (those Remora counts, and those of HTTP/3, 0-RTT, maintenance mode, flow
            // control it has not)
            "bind_errors", "original_dst_host_invalid", "retry_or_shadow_abandoned", "upstream_cx_close_notify",
            "upstream_cx_destroy_local", "upstream_cx_destroy_local_with_active_rq", "upstream_cx_destroy_remote",
            "upstream_cx_destroy_remote_with_active_rq", "upstream_cx_destroy_with_active_rq",
            "upstream_cx_max_requests", "upstream_flow_control_backed_up_total", "upstream_flow_control_drained_total",
            "upstream_flow_control_paused_reading_total", "upstream_flow_control_resumed_reading_total",
            "upstream_rq_cancelled", "upstream_rq_maintenance_mode", "upstream_rq_pending_failure_eject",
            "upstream_rq_pending_total", "upstream_cx_connect_attempts_exceeded",
            "upstream_cx_connect_fail", "upstream_cx_connect_timeout", "upstream_cx_connect_with_0_rtt",
            "upstream_cx_destroy", "upstream_cx_http1_total", "upstream_cx_http2_total", "upstream_cx_http3_total",
            "upstream_cx_idle_timeout", "upstream_cx_max_duration_reached", "upstream_cx_none_healthy",
            "upstream_cx_overflow", "upstream_cx_pool_overflow", "upstream_cx_protocol_error",
            "upstream_cx_rx_bytes_total", "upstream_cx_total", "upstream_cx_tx_bytes_total",
            "upstream_internal_redirect_failed_total", "upstream_internal_redirect_succeeded_total",
            "upstream_rq_completed", "upstream_rq_max_duration_reached", "upstream_rq_pending_overflow",
            "upstream_rq_0rtt", "upstream_rq_per_try_timeout", "upstream_rq_per_try_idle_timeout", "upstream_rq_retry",
            "upstream_rq_retry_backoff_exponential", "upstream_rq_retry_backoff_ratelimited",
            "upstream_rq_retry_limit_exceeded", "upstream_rq_retry_overflow", "upstream_rq_retry_success",
            "upstream_rq_rx_reset", "upstream_rq_timeout", "upstream_rq_total", "upstream_rq_tx_reset",
            "upstream_http3_broken");

    private static final List<String> GAUGES = List.of("version", "warming_state", "max_host_weight",
            "membership_degraded", "membership_excluded", "membership_healthy", "membership_total", "lb_subsets_active",
            "upstream_cx_active", "upstream_rq_active", "upstream_rq_pending_active", "upstream_cx_rx_bytes_buffered",
            "upstream_cx_tx_bytes_buffered",
            "circuit_breakers.default.cx_open", "circuit_breakers.default.cx_pool_open",
            "circuit_breakers.default.rq_open", "circuit_breakers.default.rq_pending_open",
            "circuit_breakers.default.rq_retry_open", "circuit_breakers.high.cx_open",
            "circuit_breakers.high.cx_pool_open", "circuit_breakers.high.rq_open",
            "circuit_breakers.high.rq_pending_open", "circuit_breakers.high.rq_retry_open");

    private static final List<String> HISTOGRAMS = List.of("upstream_cx_connect_ms", "upstream_cx_length_ms");

    @Test
    void aStaticAndAnEdsClusterHaveEnvoysStatsBeforeAnyTraffic() throws Exception {
        int port = XdsProxy.freePort();
        Path eds = dir.resolve("eds.yaml");
        Files.writeString(eds, XdsFileEdsRdsE2ETest.cla("1", "svc", 1));
        String bootstrap = XdsFileEdsRdsE2ETest.staticEdsBootstrap(port, eds) + """
                  - name: plain
                    type: STATIC
                    connect_timeout: 1s
                    load_assignment:
                      cluster_name: plain
                      endpoints: [ { lb_endpoints: [ { endpoint: { address: { socket_address: { address: 127.0.0.1, port_value: 1 } } } } ] } ]
                """;
        try (XdsProxy proxy = XdsProxy.start(bootstrap)) {
            String stats = proxy.admin("/stats");
            String prometheus = proxy.admin("/stats/prometheus");
            for (String cluster : List.of("plain", "from-file")) {
                Set<String> listed = new TreeSet<>();
                for (String line : stats.split("\n")) {
                    if (line.startsWith("cluster." + cluster + ".")) {
                        listed.add(line.substring(("cluster." + cluster + ".").length(), line.indexOf(':')));
                    }
                }
                List<String> missing = new ArrayList<>();
                for (String stat : concat(concat(COUNTERS, GAUGES), HISTOGRAMS)) {
                    if (!listed.contains(stat)) {
                        missing.add(stat);
                    }
                }
                assertEquals(List.of(), missing, cluster + " lists " + listed);
            }
            List<String> wrongKind = new ArrayList<>();
            for (String stat : concat(COUNTERS, GAUGES)) {
                // a name against Prometheus' naming rules for its kind is untyped (see PrometheusExposition)
                boolean total = stat.endsWith("_total");
                String kind = COUNTERS.contains(stat) ? total ? "counter" : "untyped" : total ? "untyped" : "gauge";
                String type = "# TYPE envoy_cluster_" + stat.replace('.', '_') + " " + kind;
                if (!prometheus.contains(type + "\n")) {
                    wrongKind.add(type);
                }
            }
            for (String stat : HISTOGRAMS) {
                // promtool rejects their abbreviated unit: in /stats only (PrometheusExposition's LINT_REJECTED)
                assertTrue(stats.contains("cluster.plain." + stat + ": No recorded values\n"), stat);
                assertFalse(prometheus.contains("envoy_cluster_" + stat), stat);
            }
            assertEquals(List.of(), wrongKind);
            // the file's assignment was read once: an attempt and a success, as FilesystemSubscriptionImpl::refresh
            String tag = "envoy_cluster_name=\"from-file\"";
            assertEquals(1.0, proxy.metric("envoy_cluster_update_attempt", tag));
            assertEquals(1.0, proxy.metric("envoy_cluster_update_success", tag));
            assertEquals(0.0, proxy.metric("envoy_cluster_update_attempt", "envoy_cluster_name=\"plain\""));
        }
    }

    private static List<String> concat(List<String> a, List<String> b) {
        List<String> out = new ArrayList<>(a);
        out.addAll(b);
        return out;
    }
}
