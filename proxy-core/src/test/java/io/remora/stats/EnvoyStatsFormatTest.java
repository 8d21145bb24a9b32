package io.remora.stats;

import org.junit.jupiter.api.Test;

import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class EnvoyStatsFormatTest {

    @Test
    void dottedNamesAsEnvoyPrintsThem() {
        StatsRegistry stats = PrometheusExpositionTest.populated();
        String out = EnvoyStatsFormat.text(stats.meterRegistry(), false, null);
        String c = "cluster.outbound|80||reviews.default.svc.cluster.local.";
        assertTrue(out.contains(c + "upstream_rq_total: 5\n"), out);
        assertTrue(out.contains(c + "upstream_rq_2xx: 2\n"), out);
        assertTrue(out.contains(c + "upstream_rq_503: 1\n"), out);
        assertTrue(out.contains(c + "upstream_cx_active: 2\n"), out);
        assertTrue(out.contains("http.inbound_0.0.0.0_8080.downstream_rq_total: 4\n"), out);
        assertTrue(out.contains("http.inbound_0.0.0.0_8080.downstream_rq_4xx: 1\n"), out);
        assertTrue(out.contains("listener.0.0.0.0_15006.downstream_cx_total: 7\n"), out);
        assertTrue(out.contains("server.live: 1\n"), out);
        assertTrue(out.contains(c + "upstream_rq_time: P0(nan,"), out);
        assertTrue(out.contains("http.inbound_0.0.0.0_8080.downstream_rq_time: No recorded values\n"), out);
        // counters and gauges first, then histograms
        assertTrue(out.indexOf("server.live: 1") < out.indexOf(c + "upstream_rq_time:"), out);
    }

    /**
     * Text readouts as Envoy's StatsRequest renders them: first, {@code name: "value"} in text and a string value in
     * JSON (stats_render.cc); left out by {@code usedonly} until set; none of them in the Prometheus exposition.
     */
    @Test
    void textReadoutsFirstAsQuotedStrings() {
        StatsRegistry stats = new StatsRegistry();
        io.micrometer.core.instrument.MeterRegistry r = stats.meterRegistry();
        r.counter("envoy_listener_manager_lds_update_success").increment();
        TextReadout id = TextReadout.register(r, "envoy_control_plane_identifier", java.util.List.of());
        TextReadout version = TextReadout.register(r, "envoy_listener_manager_lds_version_text", java.util.List.of());
        assertTrue(version == TextReadout.register(r, "envoy_listener_manager_lds_version_text", java.util.List.of()),
                "one readout per name");
        assertFalse(EnvoyStatsFormat.text(r, true, null).contains("version_text"), "unset: unused");
        id.set("istiod-1");
        version.set("2026-12-07T15:00:00Z/3");
        String text = EnvoyStatsFormat.text(r, false, null);
        assertTrue(text.startsWith("control_plane.identifier: \"istiod-1\"\n"
                + "listener_manager.lds.version_text: \"2026-12-07T15:00:00Z/3\"\n"), text);
        assertTrue(text.contains("listener_manager.lds.update_success: 1\n"), text);
        assertTrue(EnvoyStatsFormat.text(r, true, null).contains("listener_manager.lds.version_text: \""));
        String json = EnvoyStatsFormat.json(r, false, null);
        assertTrue(json.startsWith("{\"stats\":[{\"name\":\"control_plane.identifier\",\"value\":\"istiod-1\"},"), json);
        String prometheus = PrometheusExposition.scrape(stats, false, null);
        assertFalse(prometheus.contains("identifier") || prometheus.contains("version_text"), prometheus);
    }

    /** Envoy's ControlPlaneStats scope: the ADS stream's in the root, a stream of its own's in its subscription's. */
    @Test
    void controlPlaneStatsDotted() {
        io.micrometer.core.instrument.simple.SimpleMeterRegistry r = new io.micrometer.core.instrument.simple.SimpleMeterRegistry();
        r.gauge("envoy_control_plane_connected_state", 1);
        r.counter("envoy_control_plane_rate_limit_enforced");
        r.gauge("envoy_listener_manager_lds_control_plane_connected_state", 1);
        String out = EnvoyStatsFormat.text(r, false, null);
        assertTrue(out.contains("control_plane.connected_state: 1\n"), out);
        assertTrue(out.contains("control_plane.rate_limit_enforced: 0\n"), out);
        assertTrue(out.contains("listener_manager.lds.control_plane.connected_state: 1\n"), out);
    }

    @Test
    void textReadoutsFollowTheStatsMatcher() {
        StatsRegistry stats = new StatsRegistry(new io.micrometer.core.instrument.simple.SimpleMeterRegistry(),
                new StatsInclusion(false, null, java.util.List.of(
                        new io.remora.config.StringMatcher.Prefix("control_plane.", false))));
        TextReadout id = TextReadout.register(stats.meterRegistry(), "envoy_control_plane_identifier", java.util.List.of());
        id.set("cp");
        assertFalse(EnvoyStatsFormat.text(stats.meterRegistry(), false, null).contains("identifier"));
    }

    @Test
    void filterIsAPartialRegexMatchOnTheDottedName() {
        StatsRegistry stats = PrometheusExpositionTest.populated();
        String out = EnvoyStatsFormat.text(stats.meterRegistry(), false, Pattern.compile("^server\\."));
        assertTrue(out.contains("server.live: 1\n"), out);
        assertFalse(out.contains("cluster."), out);
    }

    @Test
    void xdsSubscriptionStatsAsPilotAgentReadsThem() {
        io.micrometer.core.instrument.simple.SimpleMeterRegistry r = new io.micrometer.core.instrument.simple.SimpleMeterRegistry();
        r.counter("envoy_cluster_manager_cds_update_success").increment();
        r.counter("envoy_listener_manager_lds_update_rejected").increment(2);
        r.gauge("envoy_cluster_manager_warming_clusters", 0);
        Pattern probe = Pattern.compile("^(cluster_manager\\.cds|listener_manager\\.lds)\\.(update_success|update_rejected)$");
        String out = EnvoyStatsFormat.text(r, true, probe);
        assertTrue(out.contains("cluster_manager.cds.update_success: 1\n"), out);
        assertTrue(out.contains("listener_manager.lds.update_rejected: 2\n"), out);
        assertTrue(EnvoyStatsFormat.text(r, false, null).contains("cluster_manager.warming_clusters: 0\n"));
    }

    @Test
    void overloadStatsUnderTheNamesOfTheirActionsMonitorsAndPoints() {
        io.micrometer.core.instrument.simple.SimpleMeterRegistry r = new io.micrometer.core.instrument.simple.SimpleMeterRegistry();
        r.counter("envoy_overload_envoy_overload_actions_shrink_heap_shrink_count").increment();
        r.gauge("envoy_overload_envoy_resource_monitors_fixed_heap_pressure", 42);
        r.counter("envoy_overload_envoy_load_shed_points_tcp_listener_accept_shed_load_count").increment(3);
        r.gauge("envoy_overload_remora_header_budget_bytes", 0);
        String out = EnvoyStatsFormat.text(r, false, null);
        assertTrue(out.contains("overload.envoy.overload_actions.shrink_heap.shrink_count: 1\n"), out);
        assertTrue(out.contains("overload.envoy.resource_monitors.fixed_heap.pressure: 42\n"), out);
        assertTrue(out.contains("overload.envoy.load_shed_points.tcp_listener_accept.shed_load_count: 3\n"), out);
        assertTrue(out.contains("overload_remora_header_budget_bytes: 0\n"), out);
    }

    @Test
    void json() {
        StatsRegistry stats = PrometheusExpositionTest.populated();
        String out = EnvoyStatsFormat.json(stats.meterRegistry(), false, null);
        assertTrue(out.startsWith("{\"stats\":[{\"name\":"), out);
        assertTrue(out.contains("{\"name\":\"server.live\",\"value\":1}"), out);
        assertTrue(out.contains("\"supported_quantiles\":[0,25,50,75,90,95,99,99.5,99.9,100]"), out);
        assertTrue(out.contains("{\"name\":\"cluster.quote\\\"back\\\\slash.upstream_rq_total\",\"value\":1}"), out);
        assertTrue(out.endsWith("]}}]}"), out);
    }
}
