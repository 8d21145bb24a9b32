package io.remora.e2e;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import com.sun.net.httpserver.HttpServer;
import io.remora.testing.TempPaths;
import org.junit.jupiter.api.Test;

import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code envoy.tracers.zipkin} as Istio configures it (bootstrap {@code tracing.http},
 * {@code /api/v2/spans}, HTTP_JSON, 128-bit trace ids, shared_span_context false) and with its
 * defaults on the connection manager (shared span context): B3 propagated to the upstream and
 * Zipkin v2 JSON POSTed to a real HTTP collector (the JDK's HTTP server answering 202).
 */
class ZipkinTracingE2ETest {

    /** A Zipkin collector: every POSTed span, with the request's path, Host and content type. */
    private static final class Collector implements AutoCloseable {
        final LinkedBlockingQueue<JsonObject> spans = new LinkedBlockingQueue<>();
        final LinkedBlockingQueue<String> requests = new LinkedBlockingQueue<>();
        final HttpServer server;

        Collector() throws Exception {
            server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
            server.createContext("/", exchange -> {
                String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
                requests.add(exchange.getRequestMethod() + " " + exchange.getRequestURI().getPath() + " "
                        + exchange.getRequestHeaders().getFirst("Host") + " "
                        + exchange.getRequestHeaders().getFirst("Content-Type"));
                JsonArray array = JsonParser.parseString(body).getAsJsonArray();
                for (JsonElement e : array) {
                    spans.add(e.getAsJsonObject());
                }
                exchange.sendResponseHeaders(202, -1);
                exchange.close();
            });
            server.start();
        }

        int port() {
            return server.getAddress().getPort();
        }

        JsonObject next() throws InterruptedException {
            return spans.poll(15, TimeUnit.SECONDS);
        }

        @Override
        public void close() {
            server.stop(0);
        }
    }

    private static final String ISTIO_ZIPKIN = """
            name: envoy.tracers.zipkin
            typed_config:
              "@type": type.googleapis.com/envoy.config.trace.v3.ZipkinConfig
              collector_cluster: zipkin
              collector_endpoint: /api/v2/spans
              collector_endpoint_version: HTTP_JSON
              trace_id_128bit: true
              shared_span_context: false
            """;

    private static final String DEFAULT_ZIPKIN = """
            name: envoy.tracers.zipkin
            typed_config:
              "@type": type.googleapis.com/envoy.config.trace.v3.ZipkinConfig
              collector_cluster: zipkin
              collector_endpoint: /api/v2/spans
              collector_endpoint_version: HTTP_JSON
              collector_hostname: zipkin.istio-system
            """;

    /** hcmProvider null: the connection manager's tracing names none and the bootstrap's applies. */
    static String bootstrap(int admin, int port, int upstream, int collector, String hcmProvider,
                                    String bootstrapProvider) throws Exception {
        String yaml = Bootstraps.http(admin, port, TempPaths.file("access", ".log").toString(),
                "- match: { prefix: \"/\" }\n  route: { cluster: up }",
                Bootstraps.cluster("up", false, null, upstream) + "\n" + Bootstraps.cluster("zipkin", false, null, collector));
        int at = yaml.indexOf("stat_prefix: ingress");
        String indent = " ".repeat(at - yaml.lastIndexOf('\n', at) - 1);
        StringBuilder tracing = new StringBuilder("tracing:\n  random_sampling: { value: 100 }\n");
        if (hcmProvider != null) {
            tracing.append("  provider:\n").append(Bootstraps.indent(hcmProvider, 4)).append('\n');
        }
        StringBuilder block = new StringBuilder();
        for (String line : tracing.toString().split("\n")) {
            block.append(indent).append(line).append('\n');
        }
        yaml = yaml.substring(0, at) + "stat_prefix: ingress\n" + block + yaml.substring(at + "stat_prefix: ingress\n".length());
        if (bootstrapProvider != null) {
            yaml += "tracing:\n  http:\n" + Bootstraps.indent(bootstrapProvider, 4) + "\n";
        }
        return yaml + "node: { id: sidecar~10.0.0.1~productpage-v1.default~default.svc.cluster.local, cluster: productpage.default }\n"
                + "layered_runtime:\n  layers:\n  - name: static\n    static_layer:\n"
                + "      tracing.zipkin.min_flush_spans: 1\n";
    }

    private static HttpResponse<String> get(int port, Map<String, String> headers) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/orders?id=7"))
                .timeout(Duration.ofSeconds(20));
        headers.forEach(b::header);
        return HttpClient.newHttpClient().send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static String str(JsonObject o, String key) {
        return o.has(key) ? o.get(key).getAsString() : null;
    }

    @Test
    void istioBootstrapTracerChildSpansAnd128BitIds() throws Exception {
        try (Collector zipkin = new Collector(); TestUpstream up = TestUpstream.text("ok")) {
            int admin = ProxyProcess.freePort();
            int port = ProxyProcess.freePort();
            try (ProxyProcess proxy = ProxyProcess.start(bootstrap(admin, port, up.port(), zipkin.port(), null,
                    ISTIO_ZIPKIN), admin)) {
                // Incoming B3 (64-bit trace id): the proxy's span is a child of the caller's.
                assertEquals(200, get(port, Map.of("x-b3-traceid", "a3ce929d0e0e4736", "x-b3-spanid", "00f067aa0ba902b8",
                        "x-b3-sampled", "1", "user-agent", "curl/8")).statusCode());
                assertEquals("a3ce929d0e0e4736", up.lastHeaders.get("x-b3-traceid"));
                assertEquals("00f067aa0ba902b8", up.lastHeaders.get("x-b3-parentspanid"));
                String spanId = up.lastHeaders.get("x-b3-spanid");
                assertNotEquals("00f067aa0ba902b8", spanId);
                assertEquals("1", up.lastHeaders.get("x-b3-sampled"));
                assertNull(up.lastHeaders.get("traceparent"), "Zipkin propagates B3 only");

                JsonObject span = zipkin.next();
                assertNotNull(span, "a span reached the collector");
                assertEquals("POST /api/v2/spans zipkin application/json", zipkin.requests.poll(5, TimeUnit.SECONDS));
                assertEquals("a3ce929d0e0e4736", str(span, "traceId"));
                assertEquals("00f067aa0ba902b8", str(span, "parentId"));
                assertEquals(spanId, str(span, "id"));
                assertEquals("SERVER", str(span, "kind"));
                assertEquals("ingress", str(span, "name"));
                assertFalse(span.has("shared"));
                assertTrue(span.get("timestamp").getAsLong() > 1_600_000_000_000_000L, "microseconds since the epoch");
                assertTrue(span.get("duration").getAsLong() >= 1);
                assertEquals("productpage.default", span.getAsJsonObject("localEndpoint").get("serviceName").getAsString());
                JsonObject tags = span.getAsJsonObject("tags");
                assertEquals("GET", tags.get("http.method").getAsString());
                assertEquals("200", tags.get("http.status_code").getAsString());
                assertEquals("up", tags.get("upstream_cluster").getAsString());
                assertEquals("curl/8", tags.get("user_agent").getAsString());
                assertEquals("http://127.0.0.1:" + port + "/orders?id=7", tags.get("http.url").getAsString());
                // Envoy's finalizeSpan: the direct remote address as it prints addresses, port included.
                assertTrue(tags.get("peer.address").getAsString().matches("127\\.0\\.0\\.1:\\d+"),
                        tags.get("peer.address").getAsString());

                // No context: a new 128-bit trace, a root span.
                assertEquals(200, get(port, Map.of()).statusCode());
                String traceId = up.lastHeaders.get("x-b3-traceid");
                assertEquals(32, traceId.length(), traceId);
                assertNull(up.lastHeaders.get("x-b3-parentspanid"));
                JsonObject root = zipkin.next();
                assertEquals(traceId, str(root, "traceId"));
                assertFalse(root.has("parentId"));

                // The caller decided not to sample: propagated as such, nothing reported.
                assertEquals(200, get(port, Map.of("x-b3-traceid", "a3ce929d0e0e4737", "x-b3-spanid", "00f067aa0ba902b9",
                        "x-b3-sampled", "0")).statusCode());
                assertEquals("0", up.lastHeaders.get("x-b3-sampled"));
                assertNull(zipkin.spans.poll(1, TimeUnit.SECONDS), "an unsampled request sends no span");
                assertTrue(proxy.metric("envoy_tracing_zipkin_reports_sent") >= 2, proxy.admin("/stats?filter=zipkin"));
                assertTrue(proxy.admin("/stats").contains("tracing.zipkin.spans_sent: 2\n"), proxy.admin("/stats?filter=zipkin"));
            }
        }
    }

    @Test
    void sharedSpanContextByDefaultOnTheConnectionManagersProvider() throws Exception {
        try (Collector zipkin = new Collector(); TestUpstream up = TestUpstream.text("ok")) {
            int admin = ProxyProcess.freePort();
            int port = ProxyProcess.freePort();
            try (ProxyProcess proxy = ProxyProcess.start(bootstrap(admin, port, up.port(), zipkin.port(), DEFAULT_ZIPKIN,
                    null), admin)) {
                assertEquals(200, get(port, Map.of("b3", "80f198ee56343ba864fe8b2a57d3eff7-e457b5a2e4d86bd1-1-05e3ac9a4f6e3b90"))
                        .statusCode());
                // The server half of the caller's span: same id, same parent.
                assertEquals("80f198ee56343ba864fe8b2a57d3eff7", up.lastHeaders.get("x-b3-traceid"));
                assertEquals("e457b5a2e4d86bd1", up.lastHeaders.get("x-b3-spanid"));
                assertEquals("05e3ac9a4f6e3b90", up.lastHeaders.get("x-b3-parentspanid"));
                JsonObject span = zipkin.next();
                assertNotNull(span);
                assertEquals("POST /api/v2/spans zipkin.istio-system application/json", zipkin.requests.poll(5, TimeUnit.SECONDS));
                assertEquals("e457b5a2e4d86bd1", str(span, "id"));
                assertEquals("05e3ac9a4f6e3b90", str(span, "parentId"));
                assertTrue(span.get("shared").getAsBoolean());
                // 64-bit ids for new traces without trace_id_128bit.
                assertEquals(200, get(port, Map.of()).statusCode());
                assertEquals(16, up.lastHeaders.get("x-b3-traceid").length());
                assertEquals(up.lastHeaders.get("x-b3-traceid"), str(zipkin.next(), "traceId"));
            }
        }
    }

    /**
     * Envoy's Zipkin span follows the connection manager's decision only when the caller sent
     * neither B3 ids nor a sampling flag (useLocalDecision): then a route looked up again decides
     * again (its tracing samples all) and the upstream's x-b3-sampled says so. A flag alone
     * ({@code x-b3-sampled: 0}, {@code b3: 0}) or ids without one keep their first decision.
     */
    @Test
    void aRouteLookedUpAgainDecidesAZipkinTraceAgainUnlessTheCallerDecided() throws Exception {
        try (Collector zipkin = new Collector(); TestUpstream up = TestUpstream.text("ok")) {
            int admin = ProxyProcess.freePort();
            Map<String, Integer> ports = Map.of("refresh", ProxyProcess.freePort(), "sampled", ProxyProcess.freePort());
            String routes = """
                    - match: { prefix: "/", headers: [ { name: x-route-tracing, present_match: true } ] }
                      route: { cluster: up }
                      tracing: { random_sampling: { numerator: 100 } }
                    - match: { prefix: "/" }
                      route: { cluster: up }
                    """;
            String listeners = Bootstraps.httpListenerWithFilters("refresh", "", zipkinTracing(0),
                    TracingE2ETest.ROUTE_REFRESHING_LUA, Bootstraps.catchAll(routes))
                    + Bootstraps.httpListenerWithFilters("sampled", "", zipkinTracing(100), "",
                    Bootstraps.catchAll("- match: { prefix: \"/\" }\n  route: { cluster: up }"));
            String yaml = Bootstraps.listeners(admin, listeners, Bootstraps.cluster("up", false, null, up.port())
                    + "\n" + Bootstraps.cluster("zipkin", false, null, zipkin.port()), ports)
                    + "layered_runtime:\n  layers:\n  - name: static\n    static_layer:\n"
                    + "      tracing.zipkin.min_flush_spans: 1\n";
            try (ProxyProcess proxy = ProxyProcess.start(yaml, admin)) {
                int refresh = ports.get("refresh");
                assertEquals(200, get(refresh, Map.of()).statusCode());
                assertEquals("lua", up.lastHeaders.get("x-route-tracing"));
                assertEquals("1", up.lastHeaders.get("x-b3-sampled"), "the refreshed route's sampling decided");
                JsonObject span = zipkin.next();
                assertNotNull(span, "the refreshed decision reports the span");
                assertEquals(up.lastHeaders.get("x-b3-traceid"), str(span, "traceId"));

                assertEquals(200, get(refresh, Map.of("x-b3-sampled", "0")).statusCode());
                assertEquals("0", up.lastHeaders.get("x-b3-sampled"), "the caller's flag stands");
                assertEquals(200, get(refresh, Map.of("x-b3-traceid", "a3ce929d0e0e4736",
                        "x-b3-spanid", "00f067aa0ba902b8")).statusCode());
                assertEquals("0", up.lastHeaders.get("x-b3-sampled"), "a caller's context keeps the first decision");

                int sampled = ports.get("sampled");
                assertEquals(200, get(sampled, Map.of("b3", "0")).statusCode());
                assertEquals("0", up.lastHeaders.get("x-b3-sampled"), "b3: 0 over random_sampling 100");
                assertEquals(32, up.lastHeaders.get("x-b3-traceid").length(), "a new trace");
                assertEquals(200, get(sampled, Map.of("x-b3-sampled", "0")).statusCode());
                assertEquals("0", up.lastHeaders.get("x-b3-sampled"), "x-b3-sampled: 0 alone over random_sampling 100");
                assertNull(zipkin.spans.poll(1, TimeUnit.SECONDS), "no other request was sampled");
            }
        }
    }

    /** A caller's B3 context: trace, span, sampled, parent. */
    private static final String SHARED_B3 = "80f198ee56343ba864fe8b2a57d3eff7-e457b5a2e4d86bd1-1-05e3ac9a4f6e3b90";

    /** An OUTBOUND listener NAME tracing all with the connection manager's Zipkin (shared span context) and {@code fields}. */
    private static String outboundListener(String name, String fields) {
        return Bootstraps.httpListenerWithFilters(name, "", "tracing:\n  random_sampling: { value: 100 }\n" + fields
                + "  provider:\n" + Bootstraps.indent(DEFAULT_ZIPKIN, 4) + "\n", "",
                Bootstraps.catchAll("- match: { prefix: \"/\" }\n  route: { cluster: up }"))
                .replace("- name: " + name + "\n", "- name: " + name + "\n  traffic_direction: OUTBOUND\n");
    }

    /**
     * Envoy's Zipkin tracer shares the caller's span ids (shared_span_context, the default) for a
     * server span only. With spawn_upstream_span the request's span is a SERVER span even outbound
     * and each try a CLIENT child of it, whose ids go upstream.
     */
    @Test
    void withSpawnUpstreamSpanEachTryIsAClientChildOfTheSharedServerSpan() throws Exception {
        try (Collector zipkin = new Collector(); TestUpstream up = TestUpstream.text("ok")) {
            int admin = ProxyProcess.freePort();
            Map<String, Integer> ports = Map.of("spawn", ProxyProcess.freePort());
            String yaml = Bootstraps.listeners(admin, outboundListener("spawn", "  spawn_upstream_span: true\n"),
                    Bootstraps.cluster("up", false, null, up.port()) + "\n"
                    + Bootstraps.cluster("zipkin", false, null, zipkin.port()), ports)
                    + "layered_runtime:\n  layers:\n  - name: static\n    static_layer:\n"
                    + "      tracing.zipkin.min_flush_spans: 1\n";
            try (ProxyProcess proxy = ProxyProcess.start(yaml, admin)) {
                assertEquals(200, get(ports.get("spawn"), Map.of("b3", SHARED_B3)).statusCode());
                JsonObject first = zipkin.next();
                JsonObject second = zipkin.next();
                assertNotNull(second, "two spans reached the collector");
                JsonObject attempt = "router up egress".equals(str(first, "name")) ? first : second;
                JsonObject request = attempt == first ? second : first;
                assertEquals("router up egress", str(attempt, "name"));
                assertEquals("SERVER", str(request, "kind"));
                assertEquals("e457b5a2e4d86bd1", str(request, "id"), "the server half of the caller's span");
                assertEquals("05e3ac9a4f6e3b90", str(request, "parentId"));
                assertTrue(request.get("shared").getAsBoolean());
                assertEquals("CLIENT", str(attempt, "kind"));
                assertEquals("e457b5a2e4d86bd1", str(attempt, "parentId"));
                assertNotEquals("e457b5a2e4d86bd1", str(attempt, "id"));
                assertFalse(attempt.has("shared"));
                assertEquals("80f198ee56343ba864fe8b2a57d3eff7", str(attempt, "traceId"));
                JsonObject tags = attempt.getAsJsonObject("tags");
                assertEquals("200", tags.get("http.status_code").getAsString());
                assertEquals("127.0.0.1:" + up.port(), tags.get("upstream_address").getAsString());
                // The try's ids went upstream.
                assertEquals(str(attempt, "id"), up.lastHeaders.get("x-b3-spanid"));
                assertEquals("e457b5a2e4d86bd1", up.lastHeaders.get("x-b3-parentspanid"));
                assertEquals("80f198ee56343ba864fe8b2a57d3eff7", up.lastHeaders.get("x-b3-traceid"));
            }
        }
    }

    /** Without spawn_upstream_span an outbound request's span is a CLIENT child of the caller's, never its shared half. */
    @Test
    void anOutboundSpanIsTheCallersChildEvenWithSharedSpanContext() throws Exception {
        try (Collector zipkin = new Collector(); TestUpstream up = TestUpstream.text("ok")) {
            int admin = ProxyProcess.freePort();
            Map<String, Integer> ports = Map.of("outbound", ProxyProcess.freePort());
            String yaml = Bootstraps.listeners(admin, outboundListener("outbound", ""), Bootstraps.cluster("up", false, null,
                    up.port()) + "\n" + Bootstraps.cluster("zipkin", false, null, zipkin.port()), ports)
                    + "layered_runtime:\n  layers:\n  - name: static\n    static_layer:\n"
                    + "      tracing.zipkin.min_flush_spans: 1\n";
            try (ProxyProcess proxy = ProxyProcess.start(yaml, admin)) {
                assertEquals(200, get(ports.get("outbound"), Map.of("b3", SHARED_B3)).statusCode());
                JsonObject client = zipkin.next();
                assertNotNull(client);
                assertEquals("CLIENT", str(client, "kind"));
                assertEquals("e457b5a2e4d86bd1", str(client, "parentId"), "outbound: the caller's child");
                assertNotEquals("e457b5a2e4d86bd1", str(client, "id"));
                assertFalse(client.has("shared"));
                assertEquals(str(client, "id"), up.lastHeaders.get("x-b3-spanid"));
                assertNull(zipkin.spans.poll(1, TimeUnit.SECONDS), "no try span without spawn_upstream_span");
            }
        }
    }

    /** A connection manager's tracing: random_sampling PERCENT, Zipkin as Istio configures it. */
    private static String zipkinTracing(int percent) {
        return "tracing:\n  random_sampling: { value: " + percent + " }\n  provider:\n"
                + Bootstraps.indent(ISTIO_ZIPKIN, 4) + "\n";
    }
}
