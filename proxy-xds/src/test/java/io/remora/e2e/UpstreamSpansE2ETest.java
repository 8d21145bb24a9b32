package io.remora.e2e;

import io.opentelemetry.proto.trace.v1.Span;
import io.opentelemetry.proto.trace.v1.Status;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A span per try upstream with {@code envoy.tracers.opentelemetry}, as Envoy's UpstreamRequest
 * spawns one: with the connection manager's {@code spawn_upstream_span} (the request's span is
 * then a SERVER span, even outbound) or the router's {@code start_child_span} (the request's span
 * keeps its direction's kind). Spans go over OTLP/gRPC to a real TraceService receiver; the
 * upstream records the context each try carried.
 */
class UpstreamSpansE2ETest {

    @RegisterExtension
    static final E2EStack stack = new E2EStack();
    static TestUpstream up;
    static final Map<String, Integer> ports = new HashMap<>();
    static final Map<String, OtlpTraceReceiver> collectors = new HashMap<>();
    /** The traceparent of every request the upstream got, in order. */
    static final LinkedBlockingQueue<String> traceparents = new LinkedBlockingQueue<>();

    @BeforeAll
    static void start() throws Exception {
        Set<String> failed = ConcurrentHashMap.newKeySet();
        // x-fail-first: the first try of a request (by its x-request-id) gets a 503, the retry a 200.
        up = stack.upstream((ctx, req, n) -> {
            String tp = req.headers().get("traceparent");
            traceparents.add(tp == null ? "" : tp);
            boolean fail = req.headers().contains("x-fail-first") && failed.add(req.headers().get("x-request-id"));
            String status = req.headers().get("x-status");
            TestUpstream.send(ctx, req, status != null ? Integer.parseInt(status) : fail ? 503 : 200, fail ? "busy" : "ok");
        });
        String routes = """
                - match: { prefix: "/" }
                  route: { cluster: up, retry_policy: { retry_on: 5xx, num_retries: 1 } }
                """;
        StringBuilder listeners = new StringBuilder();
        listeners.append(outbound(traced("spawn", tracing("spawn", 100, true), routes)));
        listeners.append(outbound(traced("child", tracing("child", 100, false), routes))
                .replace("v3.Router }", "v3.Router, start_child_span: true }"));
        listeners.append(traced("unsampled", tracing("unsampled", 0, true), routes));
        listeners.append(traced("refused", tracing("refused", 100, true), "- match: { prefix: \"/\" }\n  route: { cluster: down }"));
        StringBuilder clusters = new StringBuilder(Bootstraps.cluster("up", false, null, up.port()))
                .append('\n').append(Bootstraps.cluster("down", false, null, ProxyProcess.freePort()));
        for (String name : List.of("spawn", "child", "unsampled", "refused")) {
            OtlpTraceReceiver r = stack.own(new OtlpTraceReceiver());
            collectors.put(name, r);
            clusters.append('\n').append(Bootstraps.cluster("otel_" + name, true, null, r.port()));
        }
        stack.start(Bootstraps.listeners(stack.adminPort, listeners.toString(), clusters.toString(), ports)
                + "layered_runtime:\n  layers:\n  - name: static\n    static_layer:\n"
                + "      tracing.opentelemetry.min_flush_spans: 1\n");
    }

    private static String traced(String name, String hcmFields, String routes) {
        ports.put(name, ProxyProcess.freePort());
        return Bootstraps.httpListenerWithFilters(name, "", hcmFields, "", Bootstraps.catchAll(routes));
    }

    private static String outbound(String listener) {
        return listener.replaceFirst("- name: (\\w+)\n", "- name: $1\n  traffic_direction: OUTBOUND\n");
    }

    private static String tracing(String name, int randomSampling, boolean spawn) {
        return "tracing:\n"
                + "  random_sampling: { value: " + randomSampling + " }\n"
                + (spawn ? "  spawn_upstream_span: true\n" : "")
                + "  custom_tags: [{ tag: team, literal: { value: payments } },"
                + " { tag: tenant, request_header: { name: x-tenant, default_value: none } }]\n"
                + "  provider:\n"
                + "    name: envoy.tracers.opentelemetry\n"
                + "    typed_config:\n"
                + "      \"@type\": type.googleapis.com/envoy.config.trace.v3.OpenTelemetryConfig\n"
                + "      service_name: remora-test\n"
                + "      grpc_service: { envoy_grpc: { cluster_name: otel_" + name + " }, timeout: 1s }\n";
    }

    private static HttpResponse<String> get(int port, Map<String, String> headers) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/orders"))
                .timeout(Duration.ofSeconds(20));
        headers.forEach(b::header);
        return HttpClient.newHttpClient().send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    /** The next {@code n} spans of a collector, in the order they came. */
    private static List<Span> spans(OtlpTraceReceiver collector, int n) throws InterruptedException {
        List<Span> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            Span s = collector.next();
            assertNotNull(s, "span " + (i + 1) + " of " + n + " reached the collector; had " + out);
            out.add(s);
        }
        return out;
    }

    private static Span named(List<Span> spans, String prefix) {
        return spans.stream().filter(s -> s.getName().startsWith(prefix)).findFirst().orElseThrow(() ->
                new AssertionError("no span named " + prefix + "... in " + spans));
    }

    private static String attr(Span s, String key) {
        return OtlpTraceReceiver.attr(s, key);
    }

    private static String hex(com.google.protobuf.ByteString b) {
        return OtlpTraceReceiver.hex(b);
    }

    @Test
    void spawnUpstreamSpanGivesEachTryAClientSpanUnderTheRequestsServerSpan() throws Exception {
        OtlpTraceReceiver collector = collectors.get("spawn");
        traceparents.clear();
        String traceId = "4bf92f3577b34da6a3ce929d0e0e4736";
        String caller = "00f067aa0ba902b7";
        assertEquals(200, get(ports.get("spawn"), Map.of("traceparent", "00-" + traceId + "-" + caller + "-01",
                "x-fail-first", "1", "x-tenant", "acme")).statusCode());
        List<Span> spans = spans(collector, 3);
        Span request = named(spans, "egress ");
        // Envoy's OpenTelemetry tracer: with spawn_upstream_span the proxy is a hop of its own, SERVER even outbound.
        assertEquals(Span.SpanKind.SPAN_KIND_SERVER, request.getKind());
        assertEquals(caller, hex(request.getParentSpanId()));
        List<Span> tries = spans.stream().filter(s -> s.getName().equals("router up egress")).toList();
        assertEquals(2, tries.size(), spans.toString());
        Span first = tries.stream().filter(s -> attr(s, "retry.count") == null).findFirst().orElseThrow();
        Span retry = tries.stream().filter(s -> "1".equals(attr(s, "retry.count"))).findFirst().orElseThrow();
        String upstreamAddress = "127.0.0.1:" + up.port();
        for (Span t : tries) {
            assertEquals(Span.SpanKind.SPAN_KIND_CLIENT, t.getKind());
            assertEquals(traceId, hex(t.getTraceId()));
            assertEquals(hex(request.getSpanId()), hex(t.getParentSpanId()), "a try is the request span's child");
            assertEquals(upstreamAddress, attr(t, "upstream_address"));
            assertEquals(upstreamAddress, attr(t, "peer.address"));
            assertEquals("up", attr(t, "upstream_cluster"));
            assertEquals("up", attr(t, "upstream_cluster.name"));
            assertEquals("HTTP/1.1", attr(t, "http.protocol"));
            assertEquals("proxy", attr(t, "component"));
            assertEquals("payments", attr(t, "team"));
            assertEquals("acme", attr(t, "tenant"));
            assertEquals("-", attr(t, "response_flags"));
            assertNull(attr(t, "http.method"), "the request's own tags stay on the request's span");
            assertTrue(t.getStartTimeUnixNano() >= request.getStartTimeUnixNano());
        }
        assertEquals("503", attr(first, "http.status_code"));
        assertEquals("true", attr(first, "error"));
        assertEquals("200", attr(retry, "http.status_code"));
        assertNull(attr(retry, "error"));
        assertNotEquals(hex(first.getSpanId()), hex(retry.getSpanId()));
        // Each try carried its own span's context, not the request span's.
        String firstSent = traceparents.poll(5, TimeUnit.SECONDS);
        String retrySent = traceparents.poll(5, TimeUnit.SECONDS);
        assertEquals("00-" + traceId + "-" + hex(first.getSpanId()) + "-01", firstSent);
        assertEquals("00-" + traceId + "-" + hex(retry.getSpanId()) + "-01", retrySent);
        assertEquals("200", attr(request, "http.status_code"));
        assertEquals(Status.StatusCode.STATUS_CODE_ERROR, first.getStatus().getCode());
        assertEquals(Status.StatusCode.STATUS_CODE_UNSET, retry.getStatus().getCode());
        assertEquals(Status.StatusCode.STATUS_CODE_UNSET, request.getStatus().getCode());
    }

    /**
     * Envoy's OpenTelemetry span status (Span::setTag of http.status_code): a 4xx is an error on a
     * CLIENT span (the try) but not on a SERVER one (the request's, with spawn_upstream_span).
     */
    @Test
    void aClientErrorMarksTheTrysClientSpanOnly() throws Exception {
        OtlpTraceReceiver collector = collectors.get("spawn");
        assertEquals(404, get(ports.get("spawn"), Map.of("x-status", "404")).statusCode());
        List<Span> spans = spans(collector, 2);
        Span request = named(spans, "egress ");
        Span attempt = named(spans, "router up egress");
        assertEquals("404", attr(attempt, "http.status_code"));
        assertEquals(Status.StatusCode.STATUS_CODE_ERROR, attempt.getStatus().getCode());
        assertEquals(Span.SpanKind.SPAN_KIND_SERVER, request.getKind());
        assertEquals(Status.StatusCode.STATUS_CODE_UNSET, request.getStatus().getCode());
    }

    @Test
    void startChildSpanAloneKeepsTheRequestSpansDirection() throws Exception {
        OtlpTraceReceiver collector = collectors.get("child");
        traceparents.clear();
        assertEquals(200, get(ports.get("child"), Map.of()).statusCode());
        List<Span> spans = spans(collector, 2);
        Span request = named(spans, "egress ");
        Span attempt = named(spans, "router up egress");
        assertEquals(Span.SpanKind.SPAN_KIND_CLIENT, request.getKind(), "outbound, no spawn_upstream_span");
        assertEquals(Span.SpanKind.SPAN_KIND_CLIENT, attempt.getKind());
        assertEquals(hex(request.getSpanId()), hex(attempt.getParentSpanId()));
        assertEquals(hex(request.getTraceId()), hex(attempt.getTraceId()));
        assertEquals("200", attr(attempt, "http.status_code"));
        assertNull(attr(attempt, "retry.count"));
        assertEquals("00-" + hex(request.getTraceId()) + "-" + hex(attempt.getSpanId()) + "-01",
                traceparents.poll(5, TimeUnit.SECONDS));
    }

    @Test
    void anUnsampledRequestStillSendsEachTrysOwnContext() throws Exception {
        OtlpTraceReceiver collector = collectors.get("unsampled");
        traceparents.clear();
        String traceId = "5bf92f3577b34da6a3ce929d0e0e4736";
        String caller = "10f067aa0ba902b7";
        assertEquals(200, get(ports.get("unsampled"), Map.of("traceparent", "00-" + traceId + "-" + caller + "-00",
                "x-fail-first", "1")).statusCode());
        String[] first = traceparents.poll(5, TimeUnit.SECONDS).split("-");
        String[] retry = traceparents.poll(5, TimeUnit.SECONDS).split("-");
        assertEquals(traceId, first[1]);
        assertEquals(traceId, retry[1]);
        assertEquals("00", first[3]);
        assertEquals("00", retry[3]);
        assertNotEquals(caller, first[2]);
        assertNotEquals(first[2], retry[2], "each try has a span of its own");
        assertNull(collector.spans.poll(1, TimeUnit.SECONDS), "nothing sampled, nothing exported");
    }

    @Test
    void aTryThatNeverConnectedIsAnErrorWithItsResetReason() throws Exception {
        OtlpTraceReceiver collector = collectors.get("refused");
        assertEquals(503, get(ports.get("refused"), Map.of()).statusCode());
        List<Span> spans = spans(collector, 2);
        Span attempt = named(spans, "router down egress");
        assertEquals("true", attr(attempt, "error"));
        assertEquals("remote connection failure", attr(attempt, "error.reason"));
        assertEquals("0", attr(attempt, "http.status_code"));
        // Envoy sets the status from the status code alone: 0 is no error status, a 503 is.
        assertEquals(Status.StatusCode.STATUS_CODE_UNSET, attempt.getStatus().getCode());
        assertEquals(Status.StatusCode.STATUS_CODE_ERROR, named(spans, "ingress").getStatus().getCode());
        assertEquals("UF", attr(attempt, "response_flags"));
        assertEquals("-", attr(attempt, "http.protocol"), "no upstream stream");
        assertTrue(attr(attempt, "upstream_address").startsWith("127.0.0.1:"));
        assertEquals(hex(named(spans, "ingress").getSpanId()), hex(attempt.getParentSpanId()));
    }
}
