package io.remora.extensions.filters.istio.stats;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.remora.stats.PrometheusExposition;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What tags_to_remove and drop do to the exposed series, and Istio's names on /stats/prometheus. */
class IstioMetricsTest {

    private static String[] values(int n) {
        String[] v = new String[n];
        for (int i = 0; i < n; i++) {
            v[i] = "v" + i;
        }
        return v;
    }

    @Test
    void tagsRemovedAndMetricsDropped() {
        SimpleMeterRegistry r = new SimpleMeterRegistry();
        StatsPluginSettings s = new StatsPluginSettings(StatsPluginSettings.Reporter.CLIENT_SIDECAR, false, 5000,
                Set.of(IstioMetrics.REQUEST_BYTES), Map.of(IstioMetrics.REQUESTS_TOTAL, Set.of("source_principal")));
        IstioMetrics m = new IstioMetrics(r, s);
        String[] v = values(IstioMetrics.HTTP_LABELS.size());
        m.http(v, 12, 100, 200, ExpressionValues.NONE);
        m.http(v, 15, 100, 200, ExpressionValues.NONE);
        String prom = PrometheusExposition.scrape(r);
        String requests = Arrays.stream(prom.split("\n")).filter(l -> l.startsWith("istio_requests_total{"))
                .findFirst().orElseThrow();
        assertFalse(requests.contains("source_principal"), requests);
        assertTrue(requests.contains("destination_principal=\"v11\""), requests);
        assertTrue(requests.endsWith(" 2"), requests);
        assertFalse(prom.contains("istio_request_bytes"), "dropped");
        String duration = Arrays.stream(prom.split("\n"))
                .filter(l -> l.startsWith("istio_request_duration_milliseconds_bucket{") && l.contains("le=\"25\""))
                .findFirst().orElseThrow();
        assertTrue(duration.contains("source_principal=\"v5\""), "only removed from requests_total: " + duration);
        assertTrue(duration.endsWith(" 2"), duration);
        assertTrue(prom.contains("istio_response_bytes_sum{"), prom);
    }

    @Test
    void grpcMessageCountersCarryThePeersOnly() {
        SimpleMeterRegistry r = new SimpleMeterRegistry();
        IstioMetrics m = new IstioMetrics(r, new StatsPluginSettings(StatsPluginSettings.Reporter.SERVER_SIDECAR, false,
                5000, Set.of(), Map.of()));
        m.messages(values(IstioMetrics.HTTP_LABELS.size()), 3, 0, ExpressionValues.NONE);
        String line = Arrays.stream(PrometheusExposition.scrape(r).split("\n"))
                .filter(l -> l.startsWith("istio_request_messages_total{")).findFirst().orElseThrow();
        assertFalse(line.contains("request_protocol") || line.contains("response_code"), line);
        assertTrue(line.contains("destination_cluster=\"v19\"") && line.endsWith(" 3"), line);
        assertEquals(7, IstioStatsFilter.grpcMessages("4,7")[1]);
        assertEquals(null, IstioStatsFilter.grpcMessages("garbage"));
    }
}
