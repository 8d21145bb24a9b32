package io.remora.upstream.orca;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.handler.codec.http2.DefaultHttp2Headers;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** lrs_report_endpoint_metrics as Envoy's addOrcaLoadReportToLoadMetricStats selects them, summed until latched. */
class LoadMetricStatsTest {

    private static boolean respond(LoadMetricStats s, String value, List<String> names) {
        return s.onResponse(new DefaultHttp2Headers().add("endpoint-load-metrics", value), names);
    }

    @Test
    void namedFieldsSpecificKeysAndWildcardsAreSummedUntilLatched() {
        LoadMetricStats s = new LoadMetricStats();
        List<String> names = List.of("cpu_utilization", "named_metrics.*", "utilization.disk", "utilization.absent");
        assertTrue(respond(s, "TEXT cpu_utilization=0.5, named_metrics.a=1, named_metrics.b=2, utilization.disk=0.25,"
                + " utilization.net=9", names));
        assertTrue(respond(s, "TEXT cpu_utilization=0.25, named_metrics.a=3", names));
        Map<String, double[]> m = s.latch();
        assertEquals(List.of("cpu_utilization", "named_metrics.a", "named_metrics.b", "utilization.disk"),
                m.keySet().stream().sorted().toList());
        assertArrayEquals(new double[] {2, 0.75}, m.get("cpu_utilization"));
        assertArrayEquals(new double[] {2, 4}, m.get("named_metrics.a"));
        assertArrayEquals(new double[] {1, 2}, m.get("named_metrics.b"));
        assertArrayEquals(new double[] {1, 0.25}, m.get("utilization.disk"));
        assertNull(s.latch(), "latched: nothing since");
    }

    @Test
    void noReportOrAMalformedOneAddsNothing() {
        LoadMetricStats s = new LoadMetricStats();
        assertFalse(s.onResponse(new DefaultHttp2Headers(), List.of("cpu_utilization")));
        assertFalse(respond(s, "TEXT cpu_utilization=x", List.of("cpu_utilization")));
        assertNull(s.latch());
    }

    @Test
    void weightingStillKeepsOnlyItsConfiguredMaximum() {
        // The parsers keep map entries only for load reports; weighting's report is unchanged.
        OrcaLoadReport r = OrcaHeaders.parse(new DefaultHttp2Headers().add("endpoint-load-metrics",
                "TEXT named_metrics.a=0.5, rps_fractional=10"), List.of("named_metrics.a"));
        assertNull(r.entries());
        assertEquals(20, r.weight(0));
    }
}
