package io.remora.stats;

import io.micrometer.core.instrument.MockClock;
import io.micrometer.core.instrument.simple.SimpleConfig;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.remora.testing.LogCapture;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.logging.Logger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class StatsRegistryTest {

    @Test
    void histogramBucketsAreCumulativeForTheLifeOfTheProcess() {
        MockClock clock = new MockClock();
        StatsRegistry stats = new StatsRegistry(new SimpleMeterRegistry(SimpleConfig.DEFAULT, clock));
        ClusterStats c = stats.cluster("a");
        c.upstreamRqTime.record(3);
        // Micrometer's default would rotate these buckets away after its 2-minute window.
        clock.add(Duration.ofHours(3));
        c.upstreamRqTime.record(30);
        String out = PrometheusExposition.scrape(stats.meterRegistry());
        assertTrue(out.contains("envoy_cluster_upstream_rq_time_bucket{envoy_cluster_name=\"a\",le=\"5\"} 1\n"), out);
        assertTrue(out.contains("envoy_cluster_upstream_rq_time_bucket{envoy_cluster_name=\"a\",le=\"50\"} 2\n"), out);
        assertTrue(out.contains("envoy_cluster_upstream_rq_time_count{envoy_cluster_name=\"a\"} 2\n"), out);
    }

    /** Envoy's http2.streams_active is one gauge for every connection manager: registered once, no warning. */
    @Test
    void theSharedHttp2GaugeIsRegisteredOnceForManyConnectionManagers() {
        StatsRegistry stats = new StatsRegistry(new SimpleMeterRegistry());
        try (LogCapture log = LogCapture.on(Logger.getLogger("io.micrometer"))) {
            stats.http("a").http2StreamsActive.incrementAndGet();
            stats.http("b").http2StreamsActive.incrementAndGet();
            assertEquals(List.of(), log.messages());
        }
        assertEquals(1, stats.meterRegistry().find("envoy_http2_streams_active").gauges().size());
        assertEquals(2.0, stats.meterRegistry().get("envoy_http2_streams_active").gauge().value());
    }

    @Test
    void responseCodesAreCountedPerCodeAndClass() {
        StatsRegistry stats = new StatsRegistry();
        ClusterStats c = stats.cluster("a");
        for (int i = 0; i < 3; i++) {
            c.response(201);
        }
        c.response(99);
        c.response(700);
        String out = EnvoyStatsFormat.text(stats.meterRegistry(), false, null);
        assertTrue(out.contains("cluster.a.upstream_rq_201: 3\n"), out);
        assertTrue(out.contains("cluster.a.upstream_rq_2xx: 3\n"), out);
        assertTrue(!out.contains("upstream_rq_700") && !out.contains("upstream_rq_99:"), out);
    }
}
