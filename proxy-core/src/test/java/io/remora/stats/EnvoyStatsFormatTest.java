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

    @Test
    void filterIsAPartialRegexMatchOnTheDottedName() {
        StatsRegistry stats = PrometheusExpositionTest.populated();
        String out = EnvoyStatsFormat.text(stats.meterRegistry(), false, Pattern.compile("^server\\."));
        assertTrue(out.contains("server.live: 1\n"), out);
        assertFalse(out.contains("cluster."), out);
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
