package io.remora.stats;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The names Envoy gives the code-stat categories and the per-endpoint stats, in every rendering. */
class CodeCategoryAndEndpointStatNamesTest {

    @Test
    void categoriesAreClusterSubScopes() {
        StatsRegistry stats = new StatsRegistry(new SimpleMeterRegistry());
        ClusterStats c = stats.cluster("web");
        c.response(200, true, true, false);
        c.response(503, false, false, true);
        c.responseTime(7, false, true);
        String text = EnvoyStatsFormat.text(stats.meterRegistry(), true, null);
        assertTrue(text.contains("cluster.web.internal.upstream_rq_200: 1\n"), text);
        assertTrue(text.contains("cluster.web.internal.upstream_rq_2xx: 1\n"), text);
        assertTrue(text.contains("cluster.web.internal.upstream_rq_completed: 1\n"), text);
        // suppress_grpc_request_failure_code_stats spares the categories, as Envoy's.
        assertTrue(text.contains("cluster.web.external.upstream_rq_503: 1\n"), text);
        assertTrue(text.contains("cluster.web.canary.upstream_rq_5xx: 1\n"), text);
        assertFalse(text.contains("cluster.web.upstream_rq_503:"), text);
        assertTrue(text.contains("cluster.web.canary.upstream_rq_time: P0(nan,"), text);
        assertTrue(text.contains("cluster.web.external.upstream_rq_time: P0(nan,"), text);
        assertFalse(text.contains("cluster.web.internal.upstream_rq_time: P0"), text);

        String prom = PrometheusExposition.scrape(stats.meterRegistry());
        assertTrue(prom.contains("envoy_cluster_internal_upstream_rq{envoy_cluster_name=\"web\",envoy_response_code=\"200\"} 1\n"), prom);
        assertTrue(prom.contains("envoy_cluster_canary_upstream_rq_xx{envoy_cluster_name=\"web\",envoy_response_code_class=\"5\"} 1\n"), prom);
        assertTrue(prom.contains("envoy_cluster_external_upstream_rq_time_count{envoy_cluster_name=\"web\"} 1\n"), prom);
        assertTrue(prom.contains("# HELP envoy_cluster_internal_upstream_rq_completed Envoy stat"
                + " cluster.<envoy_cluster_name>.internal.upstream_rq_completed\n"), prom);
    }

    @Test
    void categoriesKeepTheirTagsUnderStatsTagsExtraction() {
        StatsRegistry stats = new StatsRegistry(new SimpleMeterRegistry(), StatsInclusion.ALL,
                new TagProducer(true, List.of()), HistogramBuckets.DEFAULT);
        stats.cluster("web").response(404, true, false, false);
        String prom = PrometheusExposition.scrape(stats, false, null);
        assertTrue(prom.contains("envoy_cluster_external_upstream_rq{envoy_response_code=\"404\",envoy_cluster_name=\"web\"} 1\n"),
                prom);
    }

    @Test
    void endpointStatsAreNamedAsEnvoysHostUtility() {
        EndpointStat v4 = new EndpointStat("outbound|80||a.svc", "10.0.0.1:8080", "", "rq_total", false, 3);
        assertEquals("cluster.outbound|80||a.svc.endpoint.10.0.0.1_8080.rq_total", v4.dottedName());
        assertEquals("envoy_cluster_endpoint_rq_total", v4.family());
        EndpointStat v6 = new EndpointStat("c:1", "[::1]:80", "", "healthy", true, 1);
        assertEquals("cluster.c_1.endpoint.[__1]_80.healthy", v6.dottedName());
        assertEquals("_", EndpointStat.sanitizeStatsName("://"));
        assertEquals("a_b", EndpointStat.sanitizeStatsName(".a:/b."));
    }

    @Test
    void endpointStatsFollowTheMetersWithFixedTagsAndPassPromtool() throws Exception {
        StatsRegistry stats = new StatsRegistry(new SimpleMeterRegistry(), StatsInclusion.ALL,
                new TagProducer(true, List.of(new TagProducer.Rule("mesh.id", null, "m1"))), HistogramBuckets.DEFAULT);
        stats.cluster("web").upstreamRqTotal.increment();
        List<EndpointStat> endpoints = List.of(
                new EndpointStat("web", "127.0.0.2:80", "b.local", "rq_total", false, 2),
                new EndpointStat("web", "127.0.0.2:80", "b.local", "cx_connect_fail", false, 0),
                new EndpointStat("web", "127.0.0.1:80", "", "rq_total", false, 5),
                new EndpointStat("web", "127.0.0.1:80", "", "healthy", true, 1));
        String prom = PrometheusExposition.scrape(stats, true, null, endpoints);
        assertTrue(prom.contains("# TYPE envoy_cluster_endpoint_rq_total counter\n"
                + "envoy_cluster_endpoint_rq_total{mesh_id=\"m1\",envoy_cluster_name=\"web\",envoy_endpoint_address=\"127.0.0.1:80\"} 5\n"
                + "envoy_cluster_endpoint_rq_total{mesh_id=\"m1\",envoy_cluster_name=\"web\",envoy_endpoint_address=\"127.0.0.2:80\","
                + "envoy_endpoint_hostname=\"b.local\"} 2\n"), prom);
        // usedonly keeps them (Envoy counts them all as used); counters, then gauges, after the meters.
        assertTrue(prom.contains("# TYPE envoy_cluster_endpoint_cx_connect_fail untyped\n"), prom);
        assertTrue(prom.indexOf("envoy_cluster_upstream_rq_total{") < prom.indexOf("envoy_cluster_endpoint_rq_total{"), prom);
        assertTrue(prom.indexOf("envoy_cluster_endpoint_rq_total{") < prom.indexOf("# TYPE envoy_cluster_endpoint_healthy gauge"), prom);
        String filtered = PrometheusExposition.scrape(stats, false, n -> n.contains("127.0.0.1_80"), endpoints);
        assertFalse(filtered.contains("127.0.0.2"), filtered);
        assertTrue(filtered.contains("envoy_cluster_endpoint_healthy{"), filtered);

        String text = EnvoyStatsFormat.textWhere(stats.meterRegistry(), false, null, endpoints);
        assertTrue(text.contains("cluster.web.endpoint.127.0.0.2_80.rq_total: 2\ncluster.web.endpoint.127.0.0.2_80.cx_connect_fail: 0\n"),
                text);
        assertTrue(text.indexOf("server.live: 1") < text.indexOf("cluster.web.endpoint."), text);
        assertEquals(0, PromtoolSupport.check(prom).exitCode(), PromtoolSupport.check(prom).output());
    }
}
