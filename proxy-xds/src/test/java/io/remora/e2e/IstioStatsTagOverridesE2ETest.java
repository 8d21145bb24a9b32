package io.remora.e2e;

import io.remora.stats.PromtoolSupport;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * istio.stats {@code metrics} overrides as istio-proxy's Config keeps them apart (istio_stats.cc):
 * a {@code dimensions} entry naming a standard tag overrides that tag where a metric carries it and
 * adds nothing elsewhere, other tags are additions, {@code tags_to_remove} removes standard tags of
 * standard metrics only (never an addition, never a custom metric's tag), and an expression that
 * does not parse leaves an earlier addition of its tag in place. Read through real requests on
 * {@code /stats/prometheus}, which promtool accepts.
 */
class IstioStatsTagOverridesE2ETest {

    static TestUpstream upstream;
    static ProxyProcess proxy;
    static Map<String, Integer> ports;

    static final String HTTP_STATS = """
            - name: istio.stats
              typed_config:
                "@type": type.googleapis.com/stats.PluginConfig
                definitions:
                - { name: calls, value: "1" }
                metrics:
                - name: requests_total
                  dimensions: { team: "'payments'", tier: "'gold'" }
                - name: requests_total
                  tags_to_remove: [ team, response_flags ]
                  dimensions: { tier: "broken((" }
                - name: calls
                  dimensions: { response_code: "string(response.code)" }
                - name: calls
                  tags_to_remove: [ response_code ]
            """;

    /** Unnamed: every metric; TCP metrics carry no response_code to override. */
    static final String TCP_STATS = """
            - name: istio.stats
              typed_config:
                "@type": type.googleapis.com/stats.PluginConfig
                metrics:
                - dimensions: { response_code: "'999'", request_protocol: "'custom'" }
            """;

    @BeforeAll
    static void start() throws Exception {
        upstream = TestUpstream.text("ok");
        ports = Map.of("http", ProxyProcess.freePort(), "tcp", ProxyProcess.freePort());
        proxy = IstioCustomMetricsE2ETest.startHttpAndTcp(HTTP_STATS, TCP_STATS, upstream, ports);
    }

    @AfterAll
    static void stop() throws Exception {
        IstioCustomMetricsE2ETest.stop(proxy, upstream);
    }

    @Test
    void tagsToRemoveTakesStandardTagsOfStandardMetricsOnly() throws Exception {
        assertEquals(200, Curl.get(ports.get("http"), "/tags").status());
        PrometheusSamples.awaitSample(proxy, "istio_requests_total", Map.of("response_code", "200"), 1);
        String prom = proxy.admin("/stats/prometheus");
        Map<String, String> labels = PrometheusSamples.series(proxy, "istio_requests_total").keySet().iterator().next();
        assertEquals("payments", labels.get("team"), "an added tag is not standard: tags_to_remove leaves it, " + prom);
        assertEquals("gold", labels.get("tier"), "an expression that does not parse leaves the earlier one, " + prom);
        assertFalse(labels.containsKey("response_flags"), "a standard tag is removed: " + prom);
        // A custom metric's tags are additions: tags_to_remove does not apply to them.
        assertEquals(1, PrometheusSamples.sample(proxy, "istio_calls", Map.of("response_code", "200")), prom);
        promtoolAccepts(prom);
    }

    @Test
    void aStandardTagOverridesOnlyTheMetricsThatCarryIt() throws Exception {
        assertEquals(200, Curl.get(ports.get("tcp"), "/through-tcp").status());
        PrometheusSamples.awaitSample(proxy, "istio_tcp_connections_closed_total", Map.of("request_protocol", "custom"), 1);
        String prom = proxy.admin("/stats/prometheus");
        for (Map<String, String> labels : PrometheusSamples.series(proxy, "istio_tcp_connections_closed_total").keySet()) {
            assertFalse(labels.containsKey("response_code"), "TCP metrics carry no response_code: " + prom);
        }
        assertTrue(prom.contains("istio_tcp_connections_closed_total{"), prom);
        promtoolAccepts(prom);
    }

    /** promtool parses the exposition; its one lint is of Istio's own name, which dashboards query as it is. */
    private static void promtoolAccepts(String prom) throws Exception {
        if (PromtoolSupport.promtool() != null) {
            PromtoolSupport.Result lint = PromtoolSupport.check(prom);
            assertEquals(List.of(), lint.output().lines().filter(l -> !l.isBlank()).filter(l -> !l.equals(
                    "istio_request_duration_milliseconds use base unit \"seconds\" instead of \"milliseconds\"")).toList(),
                    lint.output());
        }
    }
}
