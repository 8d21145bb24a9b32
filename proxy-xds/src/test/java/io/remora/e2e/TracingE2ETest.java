package io.remora.e2e;

import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.Span;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The connection manager's tracing with {@code envoy.tracers.opentelemetry}: the W3C context
 * propagated to the upstream with the proxy's span as parent, and spans exported over OTLP/gRPC
 * to a real TraceService receiver (grpc-java serving the OTLP protos).
 */
class TracingE2ETest {

    @RegisterExtension
    static final E2EStack stack = new E2EStack();
    /** Every test's upstream: cluster "up", whose metadata one test reads. */
    static TestUpstream up;
    /** The OTLP/HTTP collector's POSTs. */
    static final java.util.concurrent.BlockingQueue<io.netty.handler.codec.http.FullHttpRequest> posts =
            new java.util.concurrent.LinkedBlockingQueue<>();
    static ProxyProcess proxy;
    /** Each test's listener port, by listener name. */
    static final Map<String, Integer> ports = new HashMap<>();
    /** Each test's own OTLP/gRPC receiver (cluster otel_NAME), so that no span strays into another test. */
    static final Map<String, OtlpTraceReceiver> collectors = new HashMap<>();

    /**
     * One proxy for the class: a listener per test (its connection manager's tracing as the test
     * needs it), each exporting to its own collector.
     */
    @BeforeAll
    static void start() throws Exception {
        up = stack.upstream((ctx, req, n) -> TestUpstream.send(ctx, req, 200, "ok"));
        TestUpstream httpCollector = stack.upstream((ctx, req, n) -> {
            posts.add(req.retainedDuplicate());
            TestUpstream.send(ctx, req, 200, "");
        });
        StringBuilder listeners = new StringBuilder();
        StringBuilder clusters = new StringBuilder(Bootstraps.cluster("up", false,
                "  metadata: { filter_metadata: { acme: { tier: 2, canary: true } } }\n", up.port()))
                .append('\n').append(Bootstraps.cluster("otel_http", true, null, httpCollector.port()));
        String catchAll = "- match: { prefix: \"/\" }\n  route: { cluster: up }";
        String random100 = "random_sampling: { value: 100 }";
        String random0 = "random_sampling: { value: 0 }";
        listeners.append(traced("w3c", tracing(random100, "", grpc("w3c")), "", catchAll));
        listeners.append(traced("metadata", tracing(random100, METADATA_TAGS, grpc("metadata")), RBAC_DRY_RUN, """
                - match: { prefix: "/" }
                  route: { cluster: up }
                  metadata: { filter_metadata: { istio: { config: /apis/networking.istio.io/v1/namespaces/shop/virtual-service/orders } } }
                """));
        listeners.append(traced("http", tracing(random100, "", """
                http_service: { http_uri: { uri: "http://collector.example:4318/v1/traces", cluster: otel_http,\
                 timeout: 2s }, request_headers_to_add: [ { header: { key: x-api-key, value: secret } } ] }
                """), "", catchAll));
        listeners.append(traced("zero", "internal_address_config: {}\n" + tracing(random0, "", grpc("zero")), "", catchAll));
        listeners.append(traced("route", tracing(random0, "", grpc("route")), "", """
                - match: { prefix: "/", headers: [ { name: x-route-tracing, present_match: true } ] }
                  route: { cluster: up }
                  tracing:
                    client_sampling: { numerator: 0 }
                    custom_tags: [ { tag: team, literal: { value: routes } }, { tag: route, literal: { value: traced } } ]
                - match: { prefix: "/" }
                  route: { cluster: up }
                """));
        // A Lua filter adds the header the traced route matches on: the route is looked up again.
        listeners.append(traced("refresh", tracing(random0, "", grpc("refresh")), ROUTE_REFRESHING_LUA, """
                - match: { prefix: "/", headers: [ { name: x-route-tracing, present_match: true } ] }
                  route: { cluster: up }
                  decorator: { operation: refreshed-route }
                  tracing: { custom_tags: [ { tag: route, literal: { value: refreshed } } ] }
                - match: { prefix: "/" }
                  route: { cluster: up }
                  decorator: { operation: first-route }
                """));
        // Sampled from the start: the refreshed route's custom tags replace the first route's.
        listeners.append(traced("retag", tracing(random100, "", grpc("retag")), ROUTE_REFRESHING_LUA, """
                - match: { prefix: "/", headers: [ { name: x-route-tracing, present_match: true } ] }
                  route: { cluster: up }
                  tracing: { custom_tags: [ { tag: route, literal: { value: refreshed } } ] }
                - match: { prefix: "/" }
                  route: { cluster: up }
                  tracing: { custom_tags: [ { tag: route, literal: { value: first } },
                    { tag: first-only, literal: { value: "yes" } } ] }
                """));
        listeners.append(traced("reqid", "preserve_external_request_id: true\ninternal_address_config: {}\n"
                + tracing(random0, "", grpc("reqid")), "", catchAll));
        // Two listeners for one test, one collector between them.
        for (String[] c : UUID_SWITCHES) {
            listeners.append(traced(c[0], "request_id_extension: { typed_config: {"
                    + " \"@type\": type.googleapis.com/envoy.extensions.request_id.uuid.v3.UuidRequestIdConfig, "
                    + c[2] + " } }\n" + tracing("random_sampling: { value: " + c[1] + " }", "", grpc("uuid")),
                    "", catchAll));
        }
        listeners.append(traced("url", "tracing:\n  max_path_tag_length: 10\n"
                + tracing(random100, "", grpc("url")).substring("tracing:\n".length()), "", catchAll));
        listeners.append(traced("nopackzero", "request_id_extension: { typed_config: {"
                + " \"@type\": type.googleapis.com/envoy.extensions.request_id.uuid.v3.UuidRequestIdConfig,"
                + " pack_trace_reason: false } }\n" + tracing(random0, "", grpc("nopackzero")), "", catchAll));
        listeners.append(traced("alwayson", tracing(random0, "", grpc("alwayson")
                + "sampler: { name: envoy.tracers.opentelemetry.samplers.always_on, typed_config: { \"@type\":"
                + " type.googleapis.com/envoy.extensions.tracers.opentelemetry.samplers.v3.AlwaysOnSamplerConfig } }\n"),
                "", catchAll));
        // Envoy's CEL sampler: sampled when request.headers['x-sample'] == 'yes', whatever else decided.
        listeners.append(traced("cel", tracing(random100, "", grpc("cel")
                + "sampler:\n  name: envoy.tracers.opentelemetry.samplers.cel\n  typed_config:\n"
                + "    \"@type\": type.googleapis.com/envoy.extensions.tracers.opentelemetry.samplers.v3.CELSamplerConfig\n"
                + "    expression: { parsed_expr: { expr: { call_expr: { function: \"_==_\", args: [\n"
                + "      { call_expr: { function: \"_[_]\", args: [ { select_expr: { operand: { ident_expr: { name: request } },"
                + " field: headers } }, { const_expr: { string_value: x-sample } } ] } },\n"
                + "      { const_expr: { string_value: \"yes\" } } ] } } } }\n"),
                "", catchAll));
        listeners.append(traced("egress", tracing(random100, "", grpc("egress")), "", """
                - match: { prefix: "/orders" }
                  route: { cluster: up }
                  decorator: { operation: "orders.shop.svc.cluster.local:80/*" }
                - match: { prefix: "/" }
                  route: { cluster: up }
                """).replace("- name: egress\n", "- name: egress\n  traffic_direction: OUTBOUND\n"));
        listeners.append(traced("decorator", tracing(random100, "", grpc("decorator")), "", """
                - match: { prefix: "/" }
                  route: { cluster: up }
                  decorator: { operation: "orders-inbound" }
                """));
        for (String name : List.of("w3c", "metadata", "zero", "route", "refresh", "retag", "reqid", "uuid", "nopackzero", "url", "alwayson", "cel", "egress", "decorator")) {
            OtlpTraceReceiver r = stack.own(new OtlpTraceReceiver());
            collectors.put(name, r);
            clusters.append('\n').append(Bootstraps.cluster("otel_" + name, true, null, r.port()));
        }
        // Every span is flushed at once instead of batches of five.
        String yaml = Bootstraps.listeners(stack.adminPort, listeners.toString(), clusters.toString(), ports)
                + "layered_runtime:\n  layers:\n  - name: static\n    static_layer:\n"
                + "      tracing.opentelemetry.min_flush_spans: 1\n";
        proxy = stack.start(yaml);
    }

    /** The UUID request id extension's switches one test tries: listener, random_sampling, the switch. */
    /** Adds the header the traced routes match on, so the route is looked up again after it. */
    static final String ROUTE_REFRESHING_LUA = """
                - name: envoy.filters.http.lua
                  typed_config:
                    "@type": type.googleapis.com/envoy.extensions.filters.http.lua.v3.Lua
                    default_source_code:
                      inline_string: |
                        function envoy_on_request(h)
                          h:headers():add("x-route-tracing", "lua")
                        end
                """;

    private static final String[][] UUID_SWITCHES = {{"nopack", "100", "pack_trace_reason: false"},
            {"nosampling", "0", "use_request_id_for_trace_sampling: false"}};

    /** Istio's dry-run RBAC: its result lands in the request's dynamic metadata. */
    private static final String RBAC_DRY_RUN = """
            - name: envoy.filters.http.rbac
              typed_config:
                "@type": type.googleapis.com/envoy.extensions.filters.http.rbac.v3.RBAC
                shadow_rules:
                  action: ALLOW
                  policies:
                    ns[shop]-policy[dry]-rule[0]: { permissions: [{ any: true }], principals: [{ any: true }] }
                shadow_rules_stat_prefix: istio_dry_run_allow_
            """;

    /** Metadata tags as Istio sends them (flow-style list items, each starting with a comma). */
    private static final String METADATA_TAGS = ", { tag: dry_run.policy, metadata: { kind: { request: {} },"
            + " metadata_key: { key: envoy.filters.http.rbac, path: [{ key: istio_dry_run_allow_shadow_effective_policy_id }] } } }"
            + ", { tag: dry_run.result, metadata: { kind: { request: {} }, metadata_key: { key: envoy.filters.http.rbac,"
            + " path: [{ key: istio_dry_run_allow_shadow_engine_result }] } } }"
            + ", { tag: vs, metadata: { kind: { route: {} }, metadata_key: { key: istio, path: [{ key: config }] } } }"
            + ", { tag: tier, metadata: { kind: { cluster: {} }, metadata_key: { key: acme, path: [{ key: tier }] } } }"
            + ", { tag: owner, metadata: { kind: { cluster: {} }, metadata_key: { key: acme, path: [{ key: owner }] },"
            + " default_value: nobody } }"
            + ", { tag: absent, metadata: { kind: { host: {} }, metadata_key: { key: acme, path: [{ key: x }] } } }";

    /** A listener NAME on a port of its own whose connection manager has hcmFields, httpFilters and routes. */
    private static String traced(String name, String hcmFields, String httpFilters, String routes) {
        ports.put(name, ProxyProcess.freePort());
        return Bootstraps.httpListenerWithFilters(name, "", hcmFields, httpFilters, Bootstraps.catchAll(routes));
    }

    /** The OTLP/gRPC exporter to the collector of {@code test}. */
    private static String grpc(String test) {
        return "grpc_service: { envoy_grpc: { cluster_name: otel_" + test + " }, timeout: 1s }\n";
    }

    /**
     * A connection manager's tracing: {@code sampling}, the two custom tags every test has and
     * {@code tags} after them (flow-style list items, each starting with a comma), the
     * OpenTelemetry provider with {@code exporter} (its export and other fields, YAML).
     */
    private static String tracing(String sampling, String tags, String exporter) {
        return "tracing:\n"
                + "  " + sampling + "\n"
                + "  custom_tags: [{ tag: team, literal: { value: payments } }, { tag: tenant, request_header: { name: x-tenant, default_value: none } }" + tags + "]\n"
                + "  provider:\n"
                + "    name: envoy.tracers.opentelemetry\n"
                + "    typed_config:\n"
                + "      \"@type\": type.googleapis.com/envoy.config.trace.v3.OpenTelemetryConfig\n"
                + "      service_name: remora-test\n"
                + Bootstraps.indent(exporter, 6) + "\n";
    }

    private static HttpResponse<String> get(int port, Map<String, String> headers) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/orders?id=7"))
                .timeout(Duration.ofSeconds(20));
        headers.forEach(b::header);
        return HttpClient.newHttpClient().send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static String attr(Span s, String key) {
        return OtlpTraceReceiver.attr(s, key);
    }

    private static String hex(com.google.protobuf.ByteString b) {
        return OtlpTraceReceiver.hex(b);
    }

    @Test
    void theW3cContextPropagatesAndSpansReachTheCollector() throws Exception {
        OtlpTraceReceiver collector = collectors.get("w3c");
        int port = ports.get("w3c");
        double sentBefore = proxy.metric("envoy_tracing_opentelemetry_spans_sent");
        // W3C: same trace, the proxy's span in between.
        String traceId = "4bf92f3577b34da6a3ce929d0e0e4736";
        String parent = "00f067aa0ba902b7";
        assertEquals(200, get(port, Map.of("traceparent", "00-" + traceId + "-" + parent + "-01",
                "tracestate", "vendor=x", "x-tenant", "acme")).statusCode());
        String[] tp = up.lastHeaders.get("traceparent").split("-");
        assertEquals(traceId, tp[1]);
        assertNotEquals(parent, tp[2]);
        assertEquals("01", tp[3]);
        assertEquals("vendor=x", up.lastHeaders.get("tracestate"));
        Span s = collector.next();
        assertNotNull(s, "a span reached the collector");
        assertEquals(traceId, hex(s.getTraceId()));
        assertEquals(parent, hex(s.getParentSpanId()));
        assertEquals(tp[2], hex(s.getSpanId()), "the upstream's parent is the proxy's span");
        assertEquals("ingress", s.getName(), "no decorator, no traffic_direction");
        assertEquals(Span.SpanKind.SPAN_KIND_SERVER, s.getKind());
        assertTrue(s.getEndTimeUnixNano() >= s.getStartTimeUnixNano() && s.getStartTimeUnixNano() > 0);
        assertEquals("GET", attr(s, "http.method"));
        assertEquals("200", attr(s, "http.status_code"));
        assertEquals("up", attr(s, "upstream_cluster"));
        assertEquals("http://127.0.0.1:" + port + "/orders?id=7", attr(s, "http.url"));
        assertEquals("proxy", attr(s, "component"));
        assertEquals("payments", attr(s, "team"));
        assertEquals("acme", attr(s, "tenant"));
        assertEquals("vendor=x", s.getTraceState());
        assertEquals("remora-test", collector.services.poll(5, TimeUnit.SECONDS));

        // B3 is not OpenTelemetry's: its headers pass as they came and a trace starts here.
        assertEquals(200, get(port, Map.of("x-b3-traceid", "a3ce929d0e0e4736", "x-b3-spanid", "00f067aa0ba902b8",
                "x-b3-sampled", "1")).statusCode());
        assertEquals("a3ce929d0e0e4736", up.lastHeaders.get("x-b3-traceid"));
        assertEquals("00f067aa0ba902b8", up.lastHeaders.get("x-b3-spanid"));
        assertNull(up.lastHeaders.get("x-b3-parentspanid"));
        String[] started = up.lastHeaders.get("traceparent").split("-");
        Span b3 = collector.next();
        assertEquals(started[1], hex(b3.getTraceId()));
        assertTrue(b3.getParentSpanId().isEmpty());
        assertEquals("none", attr(b3, "tenant"), "the custom tag's default");

        // A traceparent the tracer cannot read: Envoy's null span, nothing sent, nothing rewritten.
        String bad = "00-" + traceId + "-" + parent + "-1";
        assertEquals(200, get(port, Map.of("traceparent", bad, "b3", "80f198ee56343ba864fe8b2a57d3eff7-e457b5a2e4d86bd1-1"))
                .statusCode());
        assertEquals(bad, up.lastHeaders.get("traceparent"));
        assertEquals("80f198ee56343ba864fe8b2a57d3eff7-e457b5a2e4d86bd1-1", up.lastHeaders.get("b3"));

        // An incoming "not sampled" decision is kept: propagated, nothing exported.
        assertEquals(200, get(port, Map.of("traceparent", "00-" + traceId + "-" + parent + "-00")).statusCode());
        assertTrue(up.lastHeaders.get("traceparent").endsWith("-00"));
        // No context: a new trace starts here (random_sampling 100).
        assertEquals(200, get(port, Map.of()).statusCode());
        String[] fresh = up.lastHeaders.get("traceparent").split("-");
        Span root = collector.next();
        assertEquals(fresh[1], hex(root.getTraceId()), "the unsampled request sent no span before this one");
        assertTrue(root.getParentSpanId().isEmpty());
        // The proxy's counter, shared by the class's listeners: at least this test's four.
        assertTrue(proxy.metric("envoy_tracing_opentelemetry_spans_sent") >= sentBefore + 3);
    }

    /**
     * Metadata tags as Istio sends them: the RBAC filter's dry-run result from the request's
     * dynamic metadata, the route's and the cluster's metadata, read as the span ends.
     */
    @Test
    void metadataTagsReadTheRequestsRoutesAndClustersMetadata() throws Exception {
        OtlpTraceReceiver collector = collectors.get("metadata");
        assertEquals(200, get(ports.get("metadata"), Map.of()).statusCode());
        Span s = collector.next();
        assertNotNull(s, "a span reached the collector");
        assertEquals("ns[shop]-policy[dry]-rule[0]", attr(s, "dry_run.policy"));
        assertEquals("allowed", attr(s, "dry_run.result"));
        assertEquals("/apis/networking.istio.io/v1/namespaces/shop/virtual-service/orders", attr(s, "vs"));
        assertEquals("2", attr(s, "tier"), "a number in its shortest form");
        assertEquals("nobody", attr(s, "owner"), "the default when the key is missing");
        assertNull(attr(s, "absent"), "no value and no default: no tag");
        assertEquals("payments", attr(s, "team"));
    }

    /** {@code http_service}: the batch POSTed as a binary ExportTraceServiceRequest to the uri's path. */
    @Test
    void otlpOverHttpPostsTheProtobufToTheCollectorsPath() throws Exception {
        assertEquals(200, get(ports.get("http"), Map.of("x-tenant", "acme")).statusCode());
        io.netty.handler.codec.http.FullHttpRequest post = posts.poll(20, TimeUnit.SECONDS);
        assertNotNull(post, "a report reached the collector");
        try {
            assertEquals("POST", post.method().name());
            assertEquals("/v1/traces", post.uri());
            assertEquals("collector.example:4318", post.headers().get("host"));
            assertEquals("application/x-protobuf", post.headers().get("content-type"));
            assertEquals("secret", post.headers().get("x-api-key"));
            byte[] body = new byte[post.content().readableBytes()];
            post.content().readBytes(body);
            ResourceSpans rs = ExportTraceServiceRequest.parseFrom(body).getResourceSpans(0);
            assertEquals("remora-test", rs.getResource().getAttributes(0).getValue().getStringValue());
            Span s = rs.getScopeSpans(0).getSpans(0);
            assertEquals(up.lastHeaders.get("traceparent").split("-")[1], hex(s.getTraceId()));
            assertEquals("acme", attr(s, "tenant"));
        } finally {
            post.release();
        }
        // Only this test's listener exports over HTTP.
        assertEquals(1.0, proxy.metric("envoy_tracing_opentelemetry_http_reports_sent"));
        assertEquals(1.0, proxy.metric("envoy_tracing_opentelemetry_http_reports_success"));
    }

    @Test
    void randomSamplingZeroStillPropagatesButExportsNothing() throws Exception {
        OtlpTraceReceiver collector = collectors.get("zero");
        int port = ports.get("zero");
        for (int i = 0; i < 5; i++) {
            assertEquals(200, get(port, Map.of()).statusCode());
            assertTrue(up.lastHeaders.get("traceparent").endsWith("-00"), up.lastHeaders.toString());
        }
        // x-envoy-force-trace overrides the sampling.
        assertEquals(200, get(port, Map.of("x-envoy-force-trace", "true", "x-forwarded-for", "10.0.0.1")).statusCode());
        Span forced = collector.next();
        assertNotNull(forced);
        assertEquals(up.lastHeaders.get("traceparent").split("-")[1], hex(forced.getTraceId()));
        assertNull(collector.spans.poll(1, TimeUnit.SECONDS), "only the forced request was traced");
    }

    /**
     * A route's {@code tracing} replaces the connection manager's sampling for its requests (an unset
     * percentage is 100%), and its custom tags join the manager's, winning on a shared name.
     */
    /**
     * Envoy 1.36 (trace_refresh_after_route_refresh): a filter that makes the route be looked up
     * again makes the new route's sampling decide (its tracing: random_sampling 100%) and its
     * decorator name the span; the trace context upstream says so.
     */
    @Test
    void aRouteLookedUpAgainDecidesTheTraceAgain() throws Exception {
        OtlpTraceReceiver collector = collectors.get("refresh");
        assertEquals(200, get(ports.get("refresh"), Map.of()).statusCode());
        assertEquals("lua", up.lastHeaders.get("x-route-tracing"));
        assertTrue(up.lastHeaders.get("traceparent").endsWith("-01"), up.lastHeaders.get("traceparent"));
        Span s = collector.next();
        assertNotNull(s, "the refreshed route's sampling traced it");
        assertEquals("refreshed-route", s.getName());
        assertEquals(up.lastHeaders.get("traceparent").split("-")[1], hex(s.getTraceId()));
    }

    /**
     * Envoy's setRoute remakes the stream's custom tags from the route it looked up again
     * (refreshCachedTracingCustomTags), and they are read when the span ends: a span sampled under
     * the first route carries the refreshed route's tags, not the first's.
     */
    @Test
    void aRouteLookedUpAgainGivesTheSpanItsCustomTags() throws Exception {
        OtlpTraceReceiver collector = collectors.get("retag");
        assertEquals(200, get(ports.get("retag"), Map.of()).statusCode());
        Span s = collector.next();
        assertNotNull(s);
        assertEquals("refreshed", attr(s, "route"));
        assertNull(attr(s, "first-only"));
    }

    @Test
    void aRoutesTracingOverridesTheConnectionManagersSamplingAndTags() throws Exception {
        OtlpTraceReceiver collector = collectors.get("route");
        int port = ports.get("route");
        assertEquals(200, get(port, Map.of()).statusCode());
        assertTrue(up.lastHeaders.get("traceparent").endsWith("-00"), "the manager's random_sampling 0");
        assertEquals(200, get(port, Map.of("x-route-tracing", "1")).statusCode());
        assertTrue(up.lastHeaders.get("traceparent").endsWith("-01"), "the route's random_sampling: 100%");
        Span s = collector.next();
        assertNotNull(s);
        assertEquals(up.lastHeaders.get("traceparent").split("-")[1], hex(s.getTraceId()));
        assertEquals("routes", attr(s, "team"), "the route's tag wins");
        assertEquals("traced", attr(s, "route"));
        assertEquals("none", attr(s, "tenant"), "the manager's other tags stay");
        assertEquals(200, get(port, Map.of("x-route-tracing", "1", "x-client-trace-id", "abc")).statusCode());
        assertTrue(up.lastHeaders.get("traceparent").endsWith("-01"),
                "client_sampling 0 leaves the random sampling to decide");
        assertNotNull(collector.next());
        assertNull(collector.spans.poll(1, TimeUnit.SECONDS), "the untraced request sent no span");
    }

    /**
     * Envoy's trace reason in x-request-id: a request another proxy sampled ('9' at index 14) is
     * traced whatever random_sampling says, and a fresh one leaves with its decision packed in.
     */
    @Test
    void theRequestIdCarriesTheTracingDecision() throws Exception {
        OtlpTraceReceiver collector = collectors.get("reqid");
        int port = ports.get("reqid");
        String sampled = "125a4afb-6f55-94ba-ad80-413f09f48a28";
        assertEquals(200, get(port, Map.of("x-request-id", sampled)).statusCode());
        assertEquals(sampled, up.lastHeaders.get("x-request-id"));
        assertNotNull(collector.next(), "sampled upstream of this proxy: traced here too");
        assertEquals(200, get(port, Map.of("x-request-id", "125a4afb-6f55-44ba-ad80-413f09f48a28",
                "x-envoy-force-trace", "true", "x-forwarded-for", "10.0.0.1")).statusCode());
        assertEquals("125a4afb-6f55-a4ba-ad80-413f09f48a28", up.lastHeaders.get("x-request-id"),
                "forced: 'a' packed in");
        assertNotNull(collector.next());
        assertEquals(200, get(port, Map.of()).statusCode());
        assertEquals('4', up.lastHeaders.get("x-request-id").charAt(14), "random_sampling 0: not traced");
    }

    /**
     * Envoy's buildOriginalUri: the scheme is x-forwarded-proto's (a caller's kept without
     * use_remote_address) and max_path_tag_length cuts the path alone.
     */
    @Test
    void theUrlTagTakesTheForwardedProtoAndCutsThePathAlone() throws Exception {
        OtlpTraceReceiver collector = collectors.get("url");
        int port = ports.get("url");
        assertEquals(200, get(port, Map.of("x-forwarded-proto", "https")).statusCode());
        Span s = collector.next();
        assertNotNull(s);
        assertEquals("https://127.0.0.1:" + port + "/orders?id", attr(s, "http.url"));
    }

    /**
     * Envoy's mutateTracingRequestHeader packs a reason into x-request-id only when the decision
     * changes it (UUIDRequestIDExtension::setTraceReason): an id nothing traced goes upstream as it
     * came, the '1' of a version-1 UUID included.
     */
    @Test
    void anUntracedRequestIdGoesUpstreamUnchanged() throws Exception {
        String v1 = "125a4afb-6f55-11ba-ad80-413f09f48a28";
        assertEquals(200, get(ports.get("reqid"), Map.of("x-request-id", v1)).statusCode());
        assertEquals(v1, up.lastHeaders.get("x-request-id"));
        assertTrue(up.lastHeaders.get("traceparent").endsWith("-00"), up.lastHeaders.get("traceparent"));
    }

    /**
     * Without pack_trace_reason Envoy's UUIDRequestIDExtension::getTraceReason reads no reason from
     * the id: another proxy's '9' does not trace the request here (random_sampling 0).
     */
    @Test
    void withoutPackTraceReasonAnIdsPackedReasonIsNotRead() throws Exception {
        OtlpTraceReceiver collector = collectors.get("nopackzero");
        String sampled = "125a4afb-6f55-94ba-ad80-413f09f48a28";
        assertEquals(200, get(ports.get("nopackzero"), Map.of("x-request-id", sampled)).statusCode());
        assertEquals(sampled, up.lastHeaders.get("x-request-id"));
        assertTrue(up.lastHeaders.get("traceparent").endsWith("-00"), up.lastHeaders.get("traceparent"));
        assertNull(collector.spans.poll(2, TimeUnit.SECONDS), "not traced");
    }

    /**
     * The UUID request id extension's switches: without pack_trace_reason the decision stays out of
     * the id; without use_request_id_for_trace_sampling every request reaches the tracer as sampled
     * (Envoy's Reason::Sampling), whatever random_sampling and the id say.
     */
    @Test
    void theUuidRequestIdExtensionsSwitchesAreHonoured() throws Exception {
        OtlpTraceReceiver collector = collectors.get("uuid");
        for (String[] c : UUID_SWITCHES) {
            assertEquals(200, get(ports.get(c[0]), Map.of()).statusCode());
            assertEquals('4', up.lastHeaders.get("x-request-id").charAt(14), c[2] + ": the id is not marked");
            assertTrue(up.lastHeaders.get("traceparent").endsWith("-01"), c[2] + ": " + up.lastHeaders);
            assertNotNull(collector.next(), c[2] + ": traced");
        }
    }

    /** The always_on sampler samples what random_sampling 0 and an unsampled parent would not. */
    @Test
    void theAlwaysOnSamplerOverridesTheConnectionManagersDecision() throws Exception {
        OtlpTraceReceiver collector = collectors.get("alwayson");
        int port = ports.get("alwayson");
        assertEquals(200, get(port, Map.of()).statusCode());
        assertTrue(up.lastHeaders.get("traceparent").endsWith("-01"), up.lastHeaders.toString());
        assertNotNull(collector.next(), "sampled though random_sampling is 0");
        assertEquals(200, get(port, Map.of("traceparent",
                "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00")).statusCode());
        assertEquals("4bf92f3577b34da6a3ce929d0e0e4736", hex(collector.next().getTraceId()));
    }

    /**
     * Envoy's CEL sampler decides each span: false (or an error, the header absent) drops it though
     * random_sampling is 100, true samples it though the parent was not sampled.
     */
    @Test
    void theCelSamplerDecidesEachSpan() throws Exception {
        OtlpTraceReceiver collector = collectors.get("cel");
        int port = ports.get("cel");
        assertEquals(200, get(port, Map.of("x-sample", "no")).statusCode());
        assertTrue(up.lastHeaders.get("traceparent").endsWith("-00"), up.lastHeaders.toString());
        assertEquals(200, get(port, Map.of()).statusCode());
        assertTrue(up.lastHeaders.get("traceparent").endsWith("-00"), up.lastHeaders.toString());
        assertEquals(200, get(port, Map.of("x-sample", "yes", "traceparent",
                "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00")).statusCode());
        assertTrue(up.lastHeaders.get("traceparent").endsWith("-01"), up.lastHeaders.toString());
        // The first span the collector sees is the sampled one: the two before were not exported.
        assertEquals("4bf92f3577b34da6a3ce929d0e0e4736", hex(collector.next().getTraceId()));
    }

    @Test
    void egressSpansAreClientSpansNamedByTheRoutesDecorator() throws Exception {
        OtlpTraceReceiver collector = collectors.get("egress");
        int port = ports.get("egress");
        assertEquals(200, get(port, Map.of()).statusCode());
        Span decorated = collector.next();
        assertEquals("orders.shop.svc.cluster.local:80/*", decorated.getName());
        assertEquals(Span.SpanKind.SPAN_KIND_CLIENT, decorated.getKind());
        assertEquals("orders.shop.svc.cluster.local:80/*", up.lastHeaders.get("x-envoy-decorator-operation"),
                "an egress decorator propagates");

        HttpResponse<String> other = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + port + "/other")).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, other.statusCode());
        assertEquals("egress 127.0.0.1:" + port, collector.next().getName());
        assertNull(up.lastHeaders.get("x-envoy-decorator-operation"));
    }

    @Test
    void anIngressDecoratorNamesTheSpanAndIsReturnedToTheCaller() throws Exception {
        OtlpTraceReceiver collector = collectors.get("decorator");
        int port = ports.get("decorator");
        HttpResponse<String> r = get(port, Map.of());
        assertEquals("orders-inbound", r.headers().firstValue("x-envoy-decorator-operation").orElse(null));
        Span s = collector.next();
        assertEquals("orders-inbound", s.getName());
        assertEquals(Span.SpanKind.SPAN_KIND_SERVER, s.getKind());
        assertNull(up.lastHeaders.get("x-envoy-decorator-operation"), "ingress does not propagate upstream");

        HttpResponse<String> named = get(port, Map.of("x-envoy-decorator-operation", "caller-named"));
        assertEquals("caller-named", collector.next().getName());
        assertTrue(named.headers().firstValue("x-envoy-decorator-operation").isEmpty());
        assertNull(up.lastHeaders.get("x-envoy-decorator-operation"), "the caller's name stops here");
    }

    /** Envoy's finalizeDownstreamSpan tags a client's trace id (http_tracer_impl.cc GuidXClientTraceId). */
    @Test
    void aClientsTraceIdIsTagged() throws Exception {
        OtlpTraceReceiver collector = collectors.get("decorator");
        assertEquals(200, get(ports.get("decorator"), Map.of("x-client-trace-id", "client-7")).statusCode());
        String traceId = up.lastHeaders.get("traceparent").split("-")[1];
        Span s = collector.next();
        while (s != null && !hex(s.getTraceId()).equals(traceId)) {
            s = collector.next();
        }
        assertNotNull(s);
        assertEquals("client-7", attr(s, "guid:x-client-trace-id"));
    }
}
