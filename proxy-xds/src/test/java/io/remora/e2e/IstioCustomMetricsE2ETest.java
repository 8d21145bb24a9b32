package io.remora.e2e;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * istio.stats {@code definitions} as istio-proxy records them: the value expression printed and
 * read as an unsigned decimal (0 when it fails or is not one, the series made all the same), a
 * standard metric never re-defined, {@code drop} for standard metrics only, and custom metrics of
 * TCP connections recorded when they close.
 */
class IstioCustomMetricsE2ETest {

    static TestUpstream upstream;
    static ProxyProcess proxy;
    static Map<String, Integer> ports;

    static final String HTTP_STATS = """
            - name: istio.stats
              typed_config:
                "@type": type.googleapis.com/stats.PluginConfig
                definitions:
                - { name: text_amount, value: "'42'" }
                - { name: failing_amount, value: "no_such_attribute.x" }
                - { name: fraction, value: "2.5", type: GAUGE }
                - { name: whole_double, value: "3.0", type: GAUGE }
                - { name: negative, value: "-3", type: GAUGE }
                - { name: kept_custom, value: "1" }
                - { name: requests_total, value: "5" }
                metrics:
                - { name: kept_custom, drop: true }
            """;

    static final String TCP_STATS = """
            - name: istio.stats
              typed_config:
                "@type": type.googleapis.com/stats.PluginConfig
                definitions:
                - { name: tcp_closes, value: "1" }
                - { name: tcp_upstream_port, value: "upstream.port", type: GAUGE }
            """;

    @BeforeAll
    static void start() throws Exception {
        upstream = TestUpstream.text("ok");
        ports = Map.of("http", ProxyProcess.freePort(), "tcp", ProxyProcess.freePort());
        proxy = startHttpAndTcp(HTTP_STATS, TCP_STATS, upstream, ports);
    }

    /**
     * A proxy with an HTTP listener on {@code ports.get("http")} and a TCP one on {@code ports.get("tcp")},
     * each with its istio.stats filters, both to {@code upstream} (cluster {@code web}).
     */
    static ProxyProcess startHttpAndTcp(String httpStats, String tcpStats, TestUpstream upstream,
            Map<String, Integer> ports) throws Exception {
        String listeners = Bootstraps.httpListenerWithFilters("http", httpStats,
                "- { match: { prefix: \"/\" }, route: { cluster: web } }")
                + Bootstraps.tcpListener("tcp", "", tcpStats, "web", "");
        int admin = ProxyProcess.freePort();
        return ProxyProcess.start(Bootstraps.listeners(admin, listeners,
                Bootstraps.cluster("web", false, null, upstream.port()), ports), admin);
    }

    @AfterAll
    static void stop() throws Exception {
        stop(proxy, upstream);
    }

    static void stop(ProxyProcess proxy, TestUpstream upstream) throws Exception {
        if (proxy != null) {
            proxy.close();
        }
        if (upstream != null) {
            upstream.close();
        }
    }

    @Test
    void valuesAreReadAsUnsignedDecimalsAndFailuresCountZero() throws Exception {
        assertEquals(200, Curl.get(ports.get("http"), "/custom").status());
        PrometheusSamples.awaitSample(proxy, "istio_text_amount", Map.of(), 42);
        String prom = proxy.admin("/stats/prometheus");
        assertEquals(0, PrometheusSamples.sample(proxy, "istio_failing_amount", Map.of()), prom);
        assertFalse(PrometheusSamples.series(proxy, "istio_failing_amount").isEmpty(), "made with 0: " + prom);
        assertEquals(0, PrometheusSamples.sample(proxy, "istio_fraction", Map.of()), prom);
        assertEquals(3, PrometheusSamples.sample(proxy, "istio_whole_double", Map.of()), prom);
        assertEquals(0, PrometheusSamples.sample(proxy, "istio_negative", Map.of()), prom);
        // drop applies to standard metrics only; a definition does not replace a standard metric.
        assertEquals(1, PrometheusSamples.sample(proxy, "istio_kept_custom", Map.of()), prom);
        assertEquals(1, PrometheusSamples.sampleSubset(proxy, "istio_requests_total", Map.of("response_code", "200")),
                prom);
        assertEquals(0, PrometheusSamples.sample(proxy, "istio_requests_total", Map.of()), prom);
    }

    /**
     * Envoy's counter add(0) and gauge set(0) mark the stat used, as istio-proxy records custom
     * metrics: series made at 0 are on {@code ?usedonly}.
     */
    @Test
    void seriesAddedToOrSetByZeroAreUsed() throws Exception {
        assertEquals(200, Curl.get(ports.get("http"), "/used").status());
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (!proxy.admin("/stats/prometheus").contains("\nistio_negative ") && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        String used = proxy.admin("/stats/prometheus?usedonly");
        assertTrue(zero(used, "istio_failing_amount"), "a counter added 0 to: " + used);
        assertTrue(zero(used, "istio_negative"), "a gauge set to 0: " + used);
        assertTrue(zero(used, "istio_fraction"), "a gauge set to 0: " + used);
    }

    private static boolean zero(String exposition, String series) {
        return java.util.regex.Pattern.compile("(?m)^" + series + " 0(\\.0)?$").matcher(exposition).find();
    }

    @Test
    void tcpConnectionsRecordCustomMetricsAtClose() throws Exception {
        assertEquals(200, Curl.get(ports.get("tcp"), "/through-tcp").status());
        PrometheusSamples.awaitSample(proxy, "istio_tcp_closes", Map.of(), 1);
        assertEquals(upstream.port(), PrometheusSamples.sample(proxy, "istio_tcp_upstream_port", Map.of()),
                proxy.admin("/stats/prometheus"));
    }
}
