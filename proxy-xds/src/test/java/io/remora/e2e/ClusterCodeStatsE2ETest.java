package io.remora.e2e;

import io.remora.stats.PromtoolSupport;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Envoy's code-stat categories through real sockets: a request the connection manager marks
 * internal ({@code use_remote_address} with a loopback peer that {@code internal_address_config}
 * trusts: {@code x-envoy-internal: true}) is
 * charged to {@code cluster.<c>.internal.*}, any other to {@code external.*}, and one answered by a
 * canary host ({@code envoy.lb} metadata) or with {@code x-envoy-upstream-canary: true} also to
 * {@code canary.*}; plus {@code track_cluster_stats.per_endpoint_stats}' {@code envoy_cluster_endpoint_*}.
 */
class ClusterCodeStatsE2ETest {

    @RegisterExtension
    static final E2EStack stack = new E2EStack();
    static TestUpstream web;
    static TestUpstream canary;
    static ProxyProcess proxy;
    static final Map<String, Integer> PORTS = new HashMap<>();

    @BeforeAll
    static void start() throws Exception {
        web = stack.upstream((ctx, req, n) -> {
            if (req.uri().startsWith("/teapot")) {
                TestUpstream.send(ctx, req, 418, "teapot");
            } else if (req.uri().startsWith("/says-canary")) {
                TestUpstream.send(ctx, req, 200, "ok", Map.of("x-envoy-upstream-canary", "true"));
            } else {
                TestUpstream.send(ctx, req, 200, "ok");
            }
        });
        canary = stack.upstream((ctx, req, n) -> TestUpstream.send(ctx, req, 503, "canary down"));
        PORTS.put("internal", ProxyProcess.freePort());
        PORTS.put("external", ProxyProcess.freePort());
        String routes = """
                - match: { prefix: "/canary" }
                  route: { cluster: canaried }
                - match: { prefix: "/" }
                  route: { cluster: web }
                """;
        proxy = stack.start(Bootstraps.listeners(stack.adminPort,
                Bootstraps.httpListener("internal", "", "use_remote_address: true\ninternal_address_config: {}\n", routes)
                        + Bootstraps.httpListener("external", "", "", routes),
                Bootstraps.cluster("web", false, null, web.port())
                        + Bootstraps.cluster("canaried", "  track_cluster_stats: { per_endpoint_stats: true }\n",
                        canary.port(), "{ filter_metadata: { envoy.lb: { canary: true } } }"), PORTS), List.of());
    }

    static int get(String listener, String path) throws Exception {
        return Curl.run("http://127.0.0.1:" + PORTS.get(listener) + path).status();
    }

    static double code(String category, String cluster, int status) throws Exception {
        return proxy.metric("envoy_cluster_" + category + "upstream_rq{envoy_cluster_name=\"" + cluster
                + "\",envoy_response_code=\"" + status + "\"}");
    }

    static double codeClass(String category, String cluster, int cls) throws Exception {
        return proxy.metric("envoy_cluster_" + category + "upstream_rq_xx{envoy_cluster_name=\"" + cluster
                + "\",envoy_response_code_class=\"" + cls + "\"}");
    }

    static double stat(String category, String cluster, String stat) throws Exception {
        return proxy.metric("envoy_cluster_" + category + stat + "{envoy_cluster_name=\"" + cluster + "\"}");
    }

    @Test
    void internalAndExternalRequestsAreChargedApart() throws Exception {
        double plain200 = code("", "web", 200);
        double internal200 = code("internal_", "web", 200);
        double internal418 = code("internal_", "web", 418);
        double internal4xx = codeClass("internal_", "web", 4);
        double external200 = code("external_", "web", 200);
        double external2xx = codeClass("external_", "web", 2);
        double internalCompleted = stat("internal_", "web", "upstream_rq_completed");
        double internalTime = stat("internal_", "web", "upstream_rq_time_count");
        double externalTime = stat("external_", "web", "upstream_rq_time_count");

        assertEquals(200, get("internal", "/x"));
        assertEquals(418, get("internal", "/teapot"));
        assertEquals(200, get("external", "/x"));

        assertEquals(plain200 + 2, code("", "web", 200));
        assertEquals(internal200 + 1, code("internal_", "web", 200));
        assertEquals(internal418 + 1, code("internal_", "web", 418));
        assertEquals(internal4xx + 1, codeClass("internal_", "web", 4));
        assertEquals(internalCompleted + 2, stat("internal_", "web", "upstream_rq_completed"));
        assertEquals(external200 + 1, code("external_", "web", 200));
        assertEquals(external2xx + 1, codeClass("external_", "web", 2));
        assertEquals(internalTime + 2, stat("internal_", "web", "upstream_rq_time_count"));
        assertEquals(externalTime + 1, stat("external_", "web", "upstream_rq_time_count"));

        // /stats prints them under Envoy's dotted names.
        assertTrue(proxy.stat("cluster.web.internal.upstream_rq_418") >= 1);
        assertTrue(proxy.stat("cluster.web.external.upstream_rq_2xx") >= 1);
        assertTrue(proxy.stat("cluster.web.internal.upstream_rq_completed") >= 2);
    }

    @Test
    void canaryHostsAndCanaryResponsesAreChargedToCanary() throws Exception {
        double canary503 = code("canary_", "canaried", 503);
        double canaryTime = stat("canary_", "canaried", "upstream_rq_time_count");
        double external5xx = codeClass("external_", "canaried", 5);
        double saysCanary = code("canary_", "web", 200);
        double webCanaryTime = stat("canary_", "web", "upstream_rq_time_count");

        assertEquals(503, get("external", "/canary"));
        assertEquals(200, get("external", "/says-canary"));
        assertEquals(200, get("external", "/not-canary"));

        assertEquals(canary503 + 1, code("canary_", "canaried", 503));
        assertEquals(canaryTime + 1, stat("canary_", "canaried", "upstream_rq_time_count"));
        assertEquals(external5xx + 1, codeClass("external_", "canaried", 5));
        // The response header makes a canary response, but Envoy's timing reads the host alone.
        assertEquals(saysCanary + 1, code("canary_", "web", 200));
        assertEquals(webCanaryTime, stat("canary_", "web", "upstream_rq_time_count"));
        assertTrue(proxy.stat("cluster.canaried.canary.upstream_rq_503") >= 1);
        assertTrue(proxy.admin("/clusters").contains("canaried::127.0.0.1:" + canary.port() + "::canary::true\n"));
    }

    @Test
    void perEndpointStatsArePrintedForTheClusterThatAsks() throws Exception {
        assertEquals(503, get("internal", "/canary"));
        String address = "127.0.0.1:" + canary.port();
        Map<String, String> labels = Map.of("envoy_cluster_name", "canaried", "envoy_endpoint_address", address);
        double total = PrometheusSamples.sample(proxy, "envoy_cluster_endpoint_rq_total", labels);
        double error = PrometheusSamples.sample(proxy, "envoy_cluster_endpoint_rq_error", labels);
        assertTrue(total >= 1, proxy.admin("/stats/prometheus"));

        assertEquals(503, get("external", "/canary"));
        assertEquals(200, get("external", "/x"));

        assertEquals(total + 1, PrometheusSamples.sample(proxy, "envoy_cluster_endpoint_rq_total", labels));
        assertEquals(error + 1, PrometheusSamples.sample(proxy, "envoy_cluster_endpoint_rq_error", labels));
        assertEquals(1, PrometheusSamples.sample(proxy, "envoy_cluster_endpoint_healthy", labels));
        assertTrue(PrometheusSamples.sample(proxy, "envoy_cluster_endpoint_cx_total", labels) >= 1);
        String prom = proxy.admin("/stats/prometheus");
        assertTrue(prom.contains("# TYPE envoy_cluster_endpoint_rq_total counter\n"), prom);
        assertTrue(prom.contains("# TYPE envoy_cluster_endpoint_rq_active gauge\n"), prom);
        // Only the cluster that asked for them.
        assertFalse(prom.contains("envoy_cluster_endpoint_rq_total{envoy_cluster_name=\"web\""), prom);
        assertEquals(0, PromtoolSupport.promtool() == null ? 0 : PromtoolSupport.check(prom).exitCode(),
                () -> {
                    try {
                        return PromtoolSupport.check(prom).output();
                    } catch (Exception e) {
                        return e.toString();
                    }
                });

        // /stats: cluster.<name>.endpoint.<address with ':' as '_'>.<stat>, after the counters and gauges.
        String dotted = "cluster.canaried.endpoint.127.0.0.1_" + canary.port() + ".";
        assertEquals(total + 1, proxy.stat(dotted + "rq_total"));
        assertEquals(1, proxy.stat(dotted + "healthy"));
        String filtered = proxy.admin("/stats?filter=" + URLEncoder.encode("\\.endpoint\\..*rq_(total|active)$",
                StandardCharsets.UTF_8));
        assertEquals(dotted + "rq_total: " + (long) (total + 1) + "\n" + dotted + "rq_active: 0\n", filtered);
        String json = proxy.admin("/stats?format=json&filter=endpoint");
        assertTrue(json.contains("{\"name\":\"" + dotted + "cx_connect_fail\",\"value\":0}"), json);
    }
}
