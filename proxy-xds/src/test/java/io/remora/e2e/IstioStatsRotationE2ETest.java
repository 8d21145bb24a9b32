package io.remora.e2e;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * istio.stats {@code rotation_interval} / {@code graceful_deletion_interval} as istio-proxy's
 * RotatingScope runs them: a series no request touched since a rotation leaves
 * {@code /stats/prometheus} when the replaced scope is deleted (and starts over if used again),
 * while a series in use all along keeps its value.
 */
class IstioStatsRotationE2ETest {

    static TestUpstream upstream;
    static ProxyProcess proxy;
    static Map<String, Integer> ports;

    static final String HTTP_STATS = """
            - name: istio.stats
              typed_config:
                "@type": type.googleapis.com/stats.PluginConfig
                rotation_interval: 4s
                graceful_deletion_interval: 2s
            """;

    @BeforeAll
    static void start() throws Exception {
        upstream = TestUpstream.text("ok");
        String listeners = Bootstraps.httpListenerWithFilters("http", HTTP_STATS,
                "- { match: { prefix: \"/\" }, route: { cluster: web } }");
        ports = Map.of("http", ProxyProcess.freePort());
        int admin = ProxyProcess.freePort();
        proxy = ProxyProcess.start(Bootstraps.listeners(admin, listeners,
                Bootstraps.cluster("web", false, null, upstream.port()), ports), admin);
    }

    @AfterAll
    static void stop() throws Exception {
        if (proxy != null) {
            proxy.close();
        }
        if (upstream != null) {
            upstream.close();
        }
    }

    static void request(String host) throws Exception {
        assertEquals(200, Curl.get(ports.get("http"), "/", "Host: " + host).status());
    }

    @Test
    void seriesUnusedSinceARotationAreDeletedAndOthersKeepTheirValue() throws Exception {
        Map<String, String> stale = Map.of("destination_service", "stale.example");
        Map<String, String> live = Map.of("destination_service", "live.example");
        request("stale.example");
        PrometheusSamples.awaitSample(proxy, "istio_requests_total", stale, 1);
        int liveRequests = 0;
        long deadline = System.nanoTime() + 40_000_000_000L;
        while (PrometheusSamples.sampleSubset(proxy, "istio_requests_total", stale) > 0) {
            assertTrue(System.nanoTime() < deadline, proxy.admin("/stats/prometheus"));
            request("live.example");
            liveRequests++;
            Thread.sleep(200);
        }
        String prom = proxy.admin("/stats/prometheus");
        assertTrue(liveRequests > 1, prom);
        assertEquals(0, PrometheusSamples.sampleSubset(proxy, "istio_request_duration_milliseconds_count", stale),
                prom);
        PrometheusSamples.awaitSample(proxy, "istio_requests_total", live, liveRequests);
        PrometheusSamples.awaitSample(proxy, "istio_request_duration_milliseconds_count", live, liveRequests);
        assertTrue(prom.contains("istio_build{"), prom);
        // Used again, it is a new series.
        request("stale.example");
        PrometheusSamples.awaitSample(proxy, "istio_requests_total", stale, 1);
    }
}
