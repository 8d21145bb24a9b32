package io.remora.e2e;

import com.sun.net.httpserver.HttpServer;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
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
 * {@code envoy.tracers.datadog} with curl through the proxy and a fake Datadog agent (the JDK's
 * HTTP server decoding the MessagePack body of {@code /v0.4/traces}): Datadog and W3C context
 * continued into the upstream request, new 128-bit traces, the connection manager's decision as
 * the sampling priority, and the spans' fields as the agent reads them.
 */
class DatadogTracingE2ETest {
    /** Envoy honours x-envoy-force-trace only on internal requests: one internal XFF hop makes it so. */
    private static final String INTERNAL = "x-forwarded-for: 10.0.0.1";


    /** A Datadog agent: every span it got, and each request's method, path and headers. */
    private static final class Agent implements AutoCloseable {
        final LinkedBlockingQueue<Map<String, Object>> spans = new LinkedBlockingQueue<>();
        final LinkedBlockingQueue<String> requests = new LinkedBlockingQueue<>();
        final HttpServer server;

        Agent() throws IOException {
            server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
            server.createContext("/", exchange -> {
                var h = exchange.getRequestHeaders();
                List<?> traces = (List<?>) new MsgPackReader(exchange.getRequestBody().readAllBytes()).read();
                requests.add(exchange.getRequestMethod() + " " + exchange.getRequestURI().getPath() + " "
                        + h.getFirst("Host") + " " + h.getFirst("Content-Type") + " " + h.getFirst("Datadog-Meta-Lang")
                        + " count=" + h.getFirst("X-Datadog-Trace-Count") + " traces=" + traces.size());
                for (Object trace : traces) {
                    for (Object span : (List<?>) trace) {
                        @SuppressWarnings("unchecked")
                        Map<String, Object> s = (Map<String, Object>) span;
                        spans.add(s);
                    }
                }
                byte[] body = "{\"rate_by_service\":{}}".getBytes(StandardCharsets.UTF_8);
                exchange.sendResponseHeaders(200, body.length);
                exchange.getResponseBody().write(body);
                exchange.close();
            });
            server.start();
        }

        /** Spans taken off the queue while another trace's was awaited, by trace id. */
        private final Map<Long, java.util.ArrayDeque<Map<String, Object>>> passed = new java.util.HashMap<>();

        /** The span of this trace (by the low half of its id), waiting for the next flush. */
        Map<String, Object> span(long traceId) throws InterruptedException {
            java.util.ArrayDeque<Map<String, Object>> earlier = passed.get(traceId);
            if (earlier != null && !earlier.isEmpty()) {
                return earlier.poll();
            }
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
            while (System.nanoTime() < deadline) {
                Map<String, Object> s = spans.poll(1, TimeUnit.SECONDS);
                if (s != null && (long) s.get("trace_id") == traceId) {
                    return s;
                }
                if (s != null) {
                    passed.computeIfAbsent((long) s.get("trace_id"), k -> new java.util.ArrayDeque<>()).add(s);
                }
            }
            return null;
        }

        /** The first {@code n} spans of this trace, in the order they came. */
        List<Map<String, Object>> spans(long traceId, int n) throws InterruptedException {
            List<Map<String, Object>> out = new java.util.ArrayList<>();
            for (int i = 0; i < n; i++) {
                Map<String, Object> s = span(traceId);
                if (s == null) {
                    break;
                }
                out.add(s);
            }
            return out;
        }

        @Override
        public void close() {
            server.stop(0);
        }
    }

    private static final String TRACING = """
            internal_address_config: {}
            tracing:
              random_sampling: { value: 0 }
              provider:
                name: envoy.tracers.datadog
                typed_config:
                  "@type": type.googleapis.com/envoy.config.trace.v3.DatadogConfig
                  collector_cluster: datadog-agent
                  collector_hostname: datadog-agent.datadog
                  service_name: productpage.default
            """;

    @SuppressWarnings("unchecked")
    private static Map<String, String> meta(Map<String, Object> span) {
        return (Map<String, String>) span.get("meta");
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Double> metrics(Map<String, Object> span) {
        return (Map<String, Double>) span.get("metrics");
    }

    private static String hex(long v) {
        return String.format("%016x", v);
    }

    @Test
    void spansReachTheAgentAndTheTraceContinuesUpstream() throws Exception {
        try (Agent agent = new Agent(); TestUpstream up = TestUpstream.text("ok")) {
            int admin = ProxyProcess.freePort();
            int port = ProxyProcess.freePort();
            try (ProxyProcess proxy = ProxyProcess.start(Bootstraps.upAndDown(admin, port, TRACING, up.port(),
                    Bootstraps.cluster("datadog-agent", false, null, agent.server.getAddress().getPort())), admin)) {
                // A Datadog caller: its trace, priority, origin and propagated tags go on; this span is its child.
                assertEquals(200, Curl.get(port, "/orders?id=7", "x-datadog-trace-id: 1234567890123",
                        "x-datadog-parent-id: 987654321", "x-datadog-sampling-priority: 2",
                        "x-datadog-origin: synthetics", "x-datadog-tags: _dd.p.dm=-4,_dd.p.usr.id=baz64",
                        "user-agent: curl/8").status());
                assertEquals("1234567890123", up.lastHeaders.get("x-datadog-trace-id"));
                long spanId = Long.parseLong(up.lastHeaders.get("x-datadog-parent-id"));
                assertNotEquals(987654321L, spanId);
                assertEquals("2", up.lastHeaders.get("x-datadog-sampling-priority"));
                assertEquals("synthetics", up.lastHeaders.get("x-datadog-origin"));
                assertEquals("_dd.p.dm=-4,_dd.p.usr.id=baz64", up.lastHeaders.get("x-datadog-tags"));
                assertEquals("00-0000000000000000" + hex(1234567890123L) + "-" + hex(spanId) + "-01",
                        up.lastHeaders.get("traceparent"));
                assertEquals("dd=s:2;p:" + hex(spanId) + ";o:synthetics;t.dm:-4;t.usr.id:baz64",
                        up.lastHeaders.get("tracestate"));


                // No context and x-envoy-force-trace: a new 128-bit trace, kept by the tracer's default sampler.
                assertEquals(200, Curl.get(port, "/", "x-envoy-force-trace: true", INTERNAL).status());
                long low = Long.parseUnsignedLong(up.lastHeaders.get("x-datadog-trace-id"));
                assertEquals(Long.toUnsignedString(low), up.lastHeaders.get("x-datadog-parent-id"),
                        "a root span's id is its trace id");
                assertEquals("1", up.lastHeaders.get("x-datadog-sampling-priority"));
                String tags = up.lastHeaders.get("x-datadog-tags");
                assertTrue(tags.matches("_dd\\.p\\.tid=[0-9a-f]{8}00000000,_dd\\.p\\.dm=-0"), tags);
                String tid = tags.substring(10, 26);
                long second = Long.parseLong(tid.substring(0, 8), 16);
                assertTrue(Math.abs(System.currentTimeMillis() / 1000 - second) < 600, "the trace's start second");
                assertEquals("00-" + tid + hex(low) + "-" + hex(low) + "-01", up.lastHeaders.get("traceparent"));
                assertEquals("dd=s:1;p:" + hex(low) + ";t.dm:-0", up.lastHeaders.get("tracestate"));

                // A W3C caller: the 128-bit trace continues in both styles, other vendors' tracestate passes on.
                assertEquals(200, Curl.get(port, "/",
                        "traceparent: 00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
                        "tracestate: rojo=00f067aa0ba902b7").status());
                long w3cLow = Long.parseUnsignedLong("a3ce929d0e0e4736", 16);
                assertEquals(Long.toUnsignedString(w3cLow), up.lastHeaders.get("x-datadog-trace-id"));
                assertEquals("_dd.p.tid=4bf92f3577b34da6", up.lastHeaders.get("x-datadog-tags"));
                assertEquals("1", up.lastHeaders.get("x-datadog-sampling-priority"));
                long w3cSpan = Long.parseLong(up.lastHeaders.get("x-datadog-parent-id"));
                assertEquals("00-4bf92f3577b34da6a3ce929d0e0e4736-" + hex(w3cSpan) + "-01",
                        up.lastHeaders.get("traceparent"));
                assertEquals("dd=s:1;p:" + hex(w3cSpan) + ",rojo=00f067aa0ba902b7", up.lastHeaders.get("tracestate"));

                // Not traced by the connection manager (random_sampling 0): dropped by priority, still reported.
                assertEquals(200, Curl.get(port, "/").status());
                long dropped = Long.parseUnsignedLong(up.lastHeaders.get("x-datadog-trace-id"));
                assertEquals("-1", up.lastHeaders.get("x-datadog-sampling-priority"));
                assertTrue(up.lastHeaders.get("traceparent").endsWith("-00"));
                assertFalse(up.lastHeaders.get("x-datadog-tags").contains("_dd.p.dm"));

                // A 5xx marks the span's error flag, not a tag.
                assertEquals(503, Curl.get(port, "/fail", "x-datadog-trace-id: 77", "x-datadog-parent-id: 78").status());

                // The agent's spans, all sent before the first is awaited: one flush interval (2 s) for them all.
                Map<String, Object> span = agent.span(1234567890123L);
                assertNotNull(span, "the span reached the agent");
                String request = agent.requests.poll(5, TimeUnit.SECONDS);
                assertNotNull(request);
                assertTrue(request.startsWith("POST /v0.4/traces datadog-agent.datadog application/msgpack cpp count="),
                        request);
                String[] counts = request.substring(request.indexOf("count=")).split(" ");
                assertEquals(counts[0].substring(6), counts[1].substring(7), "X-Datadog-Trace-Count: " + request);
                assertEquals(spanId, span.get("span_id"));
                assertEquals(987654321L, span.get("parent_id"));
                assertEquals("envoy.proxy", span.get("name"));
                assertEquals("ingress", span.get("resource"));
                assertEquals("productpage.default", span.get("service"));
                assertEquals("web", span.get("type"));
                assertEquals(0L, span.get("error"));
                assertTrue((long) span.get("start") > 1_600_000_000_000_000_000L, "nanoseconds since the epoch");
                assertTrue((long) span.get("duration") > 0);
                Map<String, String> meta = meta(span);
                assertEquals("GET", meta.get("http.method"));
                assertEquals("200", meta.get("http.status_code"));
                assertEquals("http://127.0.0.1:" + port + "/orders?id=7", meta.get("http.url"));
                assertEquals("proxy", meta.get("component"));
                assertEquals("up", meta.get("upstream_cluster"));
                assertEquals("curl/8", meta.get("user_agent"));
                assertEquals("synthetics", meta.get("_dd.origin"));
                assertEquals("-4", meta.get("_dd.p.dm"));
                assertEquals("baz64", meta.get("_dd.p.usr.id"));
                assertFalse(meta.containsKey("error"));
                assertEquals(2.0, metrics(span).get("_sampling_priority_v1"));

                Map<String, Object> root = agent.span(low);
                assertNotNull(root);
                assertEquals(low, root.get("span_id"));
                assertEquals(0L, root.get("parent_id"));
                assertEquals(tid, meta(root).get("_dd.p.tid"));
                assertEquals("-0", meta(root).get("_dd.p.dm"));
                assertEquals(1.0, metrics(root).get("_sampling_priority_v1"));
                assertEquals(1.0, metrics(root).get("_dd.agent_psr"));

                Map<String, Object> w3c = agent.span(w3cLow);
                assertNotNull(w3c);
                assertEquals(0x00f067aa0ba902b7L, w3c.get("parent_id"));
                assertEquals("4bf92f3577b34da6", meta(w3c).get("_dd.p.tid"));
                assertEquals(1.0, metrics(w3c).get("_sampling_priority_v1"));

                Map<String, Object> droppedSpan = agent.span(dropped);
                assertNotNull(droppedSpan, "a dropped span still reaches the agent");
                assertEquals(-1.0, metrics(droppedSpan).get("_sampling_priority_v1"));

                Map<String, Object> failed = agent.span(77);
                assertNotNull(failed);
                assertEquals(1L, failed.get("error"));
                assertEquals("503", meta(failed).get("http.status_code"));
                assertNull(meta(failed).get("error"));

                assertTrue(proxy.metric("envoy_tracing_datadog_reports_sent") >= 1,
                        proxy.admin("/stats?filter=datadog"));
                assertTrue(proxy.admin("/stats").contains("tracing.datadog.reports_failed: 0\n"),
                        proxy.admin("/stats?filter=datadog"));
            }
        }
    }

    /**
     * With {@code spawn_upstream_span} each try is Envoy's Datadog Span::spawnChild: dd-trace-cpp's
     * child span (name envoy.proxy, resource {@code router <cluster> egress}, the request's span as
     * parent, the sampling priority on the local root only), whose id goes upstream; reported
     * whatever the priority, as every Datadog span.
     */
    @Test
    void eachTryIsAChildSpanWhoseContextGoesUpstream() throws Exception {
        try (Agent agent = new Agent(); TestUpstream up = TestUpstream.text("ok")) {
            int admin = ProxyProcess.freePort();
            int port = ProxyProcess.freePort();
            String tracing = TRACING.replace("  random_sampling: { value: 0 }\n",
                    "  random_sampling: { value: 0 }\n  spawn_upstream_span: true\n");
            try (ProxyProcess proxy = ProxyProcess.start(Bootstraps.upAndDown(admin, port, tracing, up.port(),
                    Bootstraps.cluster("datadog-agent", false, null, agent.server.getAddress().getPort())), admin)) {
                assertEquals(200, Curl.get(port, "/orders", "x-datadog-trace-id: 55", "x-datadog-parent-id: 56",
                        "x-datadog-sampling-priority: 1").status());
                long sent = Long.parseLong(up.lastHeaders.get("x-datadog-parent-id"));
                assertEquals("55", up.lastHeaders.get("x-datadog-trace-id"));
                assertEquals("00-0000000000000000" + hex(55) + "-" + hex(sent) + "-01", up.lastHeaders.get("traceparent"));
                assertTrue(up.lastHeaders.get("tracestate").startsWith("dd=s:1;p:" + hex(sent)),
                        up.lastHeaders.get("tracestate"));
                // Not traced: both spans still reach the agent, with the trace's priority on the root.
                assertEquals(200, Curl.get(port, "/").status());
                long dropped = Long.parseUnsignedLong(up.lastHeaders.get("x-datadog-trace-id"));
                long droppedChild = Long.parseLong(up.lastHeaders.get("x-datadog-parent-id"));
                assertNotEquals(dropped, droppedChild, "the try's span, not the root, goes upstream");

                List<Map<String, Object>> spans = agent.spans(55, 2);
                assertEquals(2, spans.size(), spans.toString());
                Map<String, Object> request = spans.stream().filter(s -> "ingress".equals(s.get("resource")))
                        .findFirst().orElseThrow();
                Map<String, Object> child = spans.stream().filter(s -> s != request).findFirst().orElseThrow();
                assertEquals(56L, request.get("parent_id"));
                assertEquals(sent, child.get("span_id"));
                assertEquals(request.get("span_id"), child.get("parent_id"));
                assertEquals("envoy.proxy", child.get("name"));
                assertEquals("router up egress", child.get("resource"));
                assertEquals("productpage.default", child.get("service"));
                assertEquals(0L, child.get("error"));
                assertEquals("200", meta(child).get("http.status_code"));
                assertEquals("127.0.0.1:" + up.port(), meta(child).get("upstream_address"));
                assertEquals("up", meta(child).get("upstream_cluster"));
                assertEquals("proxy", meta(child).get("component"));
                assertNull(metrics(child).get("_sampling_priority_v1"));
                assertEquals(1.0, metrics(request).get("_sampling_priority_v1"));

                List<Map<String, Object>> droppedSpans = agent.spans(dropped, 2);
                assertEquals(2, droppedSpans.size(), droppedSpans.toString());
                assertTrue(droppedSpans.stream().anyMatch(s -> (long) s.get("span_id") == droppedChild
                        && (long) s.get("parent_id") == dropped && "router up egress".equals(s.get("resource"))),
                        droppedSpans.toString());
            }
        }
    }

    /**
     * Envoy's connection manager calls setSampled on a span that followed its decision when a
     * route is looked up again (refreshTracing), and Envoy's Datadog span makes that
     * dd-trace-cpp's override: user keep (2), decided manually ({@code _dd.p.dm=-4}), even where
     * the first decision dropped it. A caller's priority is not the connection manager's and stays.
     */
    @Test
    void aRouteLookedUpAgainOverridesThePriorityTheConnectionManagerSet() throws Exception {
        try (Agent agent = new Agent(); TestUpstream up = TestUpstream.text("ok")) {
            int admin = ProxyProcess.freePort();
            int port = ProxyProcess.freePort();
            String http = Bootstraps.httpListenerWithFilters("http", "", TRACING, TracingE2ETest.ROUTE_REFRESHING_LUA,
                    Bootstraps.catchAll("""
                            - match: { prefix: "/", headers: [ { name: x-route-tracing, present_match: true } ] }
                              route: { cluster: up }
                              tracing: { random_sampling: { numerator: 100 } }
                            - match: { prefix: "/" }
                              route: { cluster: up }
                            """));
            String clusters = Bootstraps.cluster("up", false, null, up.port()) + "\n"
                    + Bootstraps.cluster("datadog-agent", false, null, agent.server.getAddress().getPort());
            try (ProxyProcess proxy = ProxyProcess.start(Bootstraps.listeners(admin, http, clusters,
                    Map.of("http", port)), admin)) {
                assertEquals(200, Curl.get(port, "/").status());
                assertEquals("lua", up.lastHeaders.get("x-route-tracing"));
                assertEquals("2", up.lastHeaders.get("x-datadog-sampling-priority"), "user keep");
                long kept = Long.parseUnsignedLong(up.lastHeaders.get("x-datadog-trace-id"));
                String tags = up.lastHeaders.get("x-datadog-tags");
                assertTrue(tags.endsWith(",_dd.p.dm=-4"), tags);
                assertTrue(up.lastHeaders.get("traceparent").endsWith("-01"));
                assertTrue(up.lastHeaders.get("tracestate").startsWith("dd=s:2;"), up.lastHeaders.get("tracestate"));

                assertEquals(200, Curl.get(port, "/", "x-datadog-trace-id: 55", "x-datadog-parent-id: 56",
                        "x-datadog-sampling-priority: 0").status());
                assertEquals("0", up.lastHeaders.get("x-datadog-sampling-priority"), "the caller's priority stands");

                Map<String, Object> span = agent.span(kept);
                assertNotNull(span);
                assertEquals(2.0, metrics(span).get("_sampling_priority_v1"));
                assertNull(metrics(span).get("_dd.agent_psr"), "not the default sampler's decision");
                assertEquals("-4", meta(span).get("_dd.p.dm"));
                Map<String, Object> callers = agent.span(55);
                assertNotNull(callers);
                assertEquals(0.0, metrics(callers).get("_sampling_priority_v1"));
            }
        }
    }
}
