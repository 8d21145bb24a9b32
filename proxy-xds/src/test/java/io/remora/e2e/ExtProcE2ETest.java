package io.remora.e2e;

import com.google.protobuf.ByteString;
import io.envoyproxy.envoy.config.core.v3.HeaderValue;
import io.envoyproxy.envoy.config.core.v3.HeaderValueOption;
import io.envoyproxy.envoy.extensions.filters.http.ext_proc.v3.ProcessingMode;
import io.envoyproxy.envoy.service.ext_proc.v3.BodyMutation;
import io.envoyproxy.envoy.service.ext_proc.v3.BodyResponse;
import io.envoyproxy.envoy.service.ext_proc.v3.CommonResponse;
import io.envoyproxy.envoy.service.ext_proc.v3.ExternalProcessorGrpc;
import io.envoyproxy.envoy.service.ext_proc.v3.HeaderMutation;
import io.envoyproxy.envoy.service.ext_proc.v3.HeadersResponse;
import io.envoyproxy.envoy.service.ext_proc.v3.HttpHeaders;
import io.envoyproxy.envoy.service.ext_proc.v3.ImmediateResponse;
import io.envoyproxy.envoy.service.ext_proc.v3.ProcessingRequest;
import io.envoyproxy.envoy.service.ext_proc.v3.ProcessingResponse;
import io.envoyproxy.envoy.type.v3.HttpStatus;
import io.envoyproxy.envoy.type.v3.StatusCode;
import io.grpc.Server;
import io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * ext_proc against a real grpc-java {@code envoy.service.ext_proc.v3.ExternalProcessor}: request
 * and response headers mutated, a buffered request body replaced, an immediate response, the
 * response skipped per route, a processor that is down (fail closed and open), a processor too
 * slow for message_timeout, the filter's stats, request and response attributes, CONTINUE_AND_REPLACE
 * answers, and FULL_DUPLEX_STREAMED bodies.
 */
class ExtProcE2ETest {

    static TestUpstream backend;
    static Server processor;
    static ProxyProcess proxy;
    static int mainPort;
    static int downPort;
    static int downOpenPort;
    static int noClusterPort;
    static java.nio.file.Path noClusterLog;
    static int observePort;
    static int attrsPort;
    static int duplexOpenPort;
    static int priorReplyPort;
    static int retainPort;
    static int noWaitPort;
    /** Per "/attrs…" path, each message's kind and what it carried in {@code attributes} (null: nothing). */
    static final Map<String, List<Map.Entry<String, com.google.protobuf.Struct>>> attributes =
            new ConcurrentHashMap<>();
    /** Which messages the processor saw, per request path: "headers", "body", "response_headers". */
    static final Map<String, List<String>> seen = new ConcurrentHashMap<>();
    /** Every message the processor was sent, per request path. */
    static final Map<String, List<ProcessingRequest>> requests = new ConcurrentHashMap<>();
    static final AtomicInteger streams = new AtomicInteger();
    /** The HCM's buffer limit (Envoy's default 1 MiB): where a BUFFERED_PARTIAL body is cut. */
    static final int BUFFER_LIMIT = 1 << 20;
    /** /stats and /stats/prometheus as the proxy first answered them, before any request. */
    static String statsAtStart;
    static String prometheusAtStart;
    static final HttpClient CLIENT = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @BeforeAll
    static void start() throws Exception {
        backend = TestUpstream.start((ctx, req, n) -> {
            if (req.uri().startsWith("/respstreamed") || req.uri().startsWith("/respduplex")) {
                sendInChunks(ctx, "alpha", "beta", "gamma");
                return;
            }
            TestUpstream.send(ctx, req, 200,
                    "added=" + req.headers().get("x-added") + " removed=" + req.headers().get("x-remove-me")
                            + " body=" + req.content().toString(StandardCharsets.UTF_8));
        });
        processor = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
                .addService(new ExternalProcessorGrpc.ExternalProcessorImplBase() {
                    @Override
                    public StreamObserver<ProcessingRequest> process(StreamObserver<ProcessingResponse> out) {
                        streams.incrementAndGet();
                        return new Processor(out);
                    }
                }).build().start();
        int admin = ProxyProcess.freePort();
        mainPort = ProxyProcess.freePort();
        downPort = ProxyProcess.freePort();
        downOpenPort = ProxyProcess.freePort();
        noClusterPort = ProxyProcess.freePort();
        noClusterLog = io.remora.testing.TempPaths.file("ext_proc_nocluster", ".log");
        observePort = ProxyProcess.freePort();
        attrsPort = ProxyProcess.freePort();
        duplexOpenPort = ProxyProcess.freePort();
        priorReplyPort = ProxyProcess.freePort();
        retainPort = ProxyProcess.freePort();
        noWaitPort = ProxyProcess.freePort();
        int deadPort = ProxyProcess.freePort();
        String filter = """
                - name: envoy.filters.http.ext_proc
                  typed_config:
                    "@type": type.googleapis.com/envoy.extensions.filters.http.ext_proc.v3.ExternalProcessor
                    grpc_service: { envoy_grpc: { cluster_name: %s } }
                    failure_mode_allow: %s
                    message_timeout: 4s
                    max_message_timeout: 10s
                    allow_mode_override: true
                    stat_prefix: %s
                    processing_mode: { request_body_mode: BUFFERED }
                """;
        String observer = """
                - name: envoy.filters.http.ext_proc
                  typed_config:
                    "@type": type.googleapis.com/envoy.extensions.filters.http.ext_proc.v3.ExternalProcessor
                    grpc_service: { envoy_grpc: { cluster_name: processor } }
                    observability_mode: true
                    deferred_close_timeout: 1s
                    stat_prefix: observe
                    processing_mode: { request_body_mode: STREAMED, response_header_mode: SKIP }
                """;
        String withAttributes = """
                - name: envoy.filters.http.ext_proc
                  typed_config:
                    "@type": type.googleapis.com/envoy.extensions.filters.http.ext_proc.v3.ExternalProcessor
                    grpc_service: { envoy_grpc: { cluster_name: processor } }
                    message_timeout: 4s
                    stat_prefix: attrs
                    processing_mode: { request_body_mode: BUFFERED }
                    request_attributes: [ "request.path", "request.method", "request.headers",
                      "request.headers['x-test']", "request.headers['absent']", "destination.port",
                      "connection.mtls", "no_such.attribute", "request.path", "request.time" ]
                    response_attributes: [ "response.code", "response.headers[':status']", "request.path" ]
                """;
        String duplexFailOpen = """
                - name: envoy.filters.http.ext_proc
                  typed_config:
                    "@type": type.googleapis.com/envoy.extensions.filters.http.ext_proc.v3.ExternalProcessor
                    grpc_service: { envoy_grpc: { cluster_name: processor } }
                    failure_mode_allow: true
                    stat_prefix: duplex_open
                    processing_mode: { response_header_mode: SKIP, request_body_mode: FULL_DUPLEX_STREAMED,
                      request_trailer_mode: SEND }
                """;
        String noWait = """
                - name: envoy.filters.http.ext_proc
                  typed_config:
                    "@type": type.googleapis.com/envoy.extensions.filters.http.ext_proc.v3.ExternalProcessor
                    grpc_service: { envoy_grpc: { cluster_name: processor } }
                    message_timeout: 4s
                    send_body_without_waiting_for_header_response: true
                    stat_prefix: nowait
                    processing_mode: { request_body_mode: STREAMED, response_header_mode: SKIP }
                """;
        String routes = perRoute("/attrs-noheaders", "overrides: { processing_mode: { request_header_mode: SKIP,"
                + " response_header_mode: SKIP, request_body_mode: BUFFERED } }")
                + perRoute("/skip", "overrides: { processing_mode: { response_header_mode: SKIP } }")
                + perRoute("/respbody", "overrides: { processing_mode: { response_header_mode: SKIP,"
                        + " response_body_mode: BUFFERED } }")
                + perRoute("/streamed", "overrides: { processing_mode: { response_header_mode: SKIP,"
                        + " request_body_mode: STREAMED } }")
                + perRoute("/respstreamed", "overrides: { processing_mode: { response_header_mode: SKIP,"
                        + " response_body_mode: STREAMED } }")
                + perRoute("/partial", "overrides: { processing_mode: { response_header_mode: SKIP,"
                        + " request_body_mode: BUFFERED_PARTIAL } }")
                + perRoute("/cut", "overrides: { processing_mode: { request_header_mode: SKIP,"
                        + " response_header_mode: SKIP, request_body_mode: BUFFERED_PARTIAL } }")
                + perRoute("/duplex", "overrides: { processing_mode: { response_header_mode: SKIP,"
                        + " request_body_mode: FULL_DUPLEX_STREAMED, request_trailer_mode: SEND } }")
                + perRoute("/respduplex", "overrides: { processing_mode: { response_body_mode: FULL_DUPLEX_STREAMED,"
                        + " response_trailer_mode: SEND } }")
                + perRoute("/off", "disabled: true") + """
                - match: { prefix: / }
                  route: { cluster: backend }
                """;
        String listeners = String.join("\n",
                Bootstraps.httpListenerWithFilters("main", filter.formatted("processor", false, "main"), routes),
                Bootstraps.httpListenerWithFilters("down", filter.formatted("dead", false, "down"), routes),
                Bootstraps.httpListenerWithFilters("down_open", filter.formatted("dead", true, "open"), routes),
                Bootstraps.httpListenerWithFilters("observe", observer, routes),
                Bootstraps.httpListenerWithFilters("nocluster", "", """
                        access_log:
                        - name: envoy.access_loggers.file
                          typed_config:
                            "@type": type.googleapis.com/envoy.extensions.access_loggers.file.v3.FileAccessLog
                            path: %s
                            log_format: { text_format_source: { inline_string: "%%RESPONSE_CODE_DETAILS%%\\n" } }
                        """.formatted(noClusterLog), filter.formatted("nowhere", false, "nocluster"),
                        Bootstraps.catchAll(routes)),
                Bootstraps.httpListenerWithFilters("attrs", withAttributes, routes),
                Bootstraps.httpListenerWithFilters("prior", """
                        - name: envoy.filters.http.fault
                          typed_config:
                            "@type": type.googleapis.com/envoy.extensions.filters.http.fault.v3.HTTPFault
                            abort: { http_status: 418, percentage: { numerator: 100 } }
                        """ + filter.formatted("processor", false, "prior"), routes),
                Bootstraps.httpListenerWithFilters("retain", filter.formatted("processor", false, "retain")
                        + "    route_cache_action: RETAIN\n", routes),
                Bootstraps.httpListenerWithFilters("nowait", noWait, routes),
                Bootstraps.httpListenerWithFilters("duplex_open", duplexFailOpen, """
                        - match: { prefix: / }
                          route: { cluster: backend }
                        """));
        String clusters = String.join("\n",
                Bootstraps.cluster("backend", false, null, backend.port()),
                Bootstraps.cluster("processor", true, null, processor.getPort()),
                Bootstraps.cluster("dead", true, null, deadPort));
        String yaml = Bootstraps.listeners(admin, listeners, clusters,
                Map.of("main", mainPort, "down", downPort, "down_open", downOpenPort, "observe", observePort,
                        "attrs", attrsPort, "duplex_open", duplexOpenPort, "prior", priorReplyPort, "retain", retainPort, "nocluster", noClusterPort,
                        "nowait", noWaitPort));
        // Fails here, with the field path, if the config does not translate.
        new io.remora.xds.bootstrap.BootstrapLoader().loadString(yaml, "ext_proc.yaml");
        proxy = ProxyProcess.start(yaml, admin, List.of("-Xmx256m", "-XX:TieredStopAtLevel=1"));
        statsAtStart = proxy.admin("/stats");
        prometheusAtStart = proxy.admin("/stats/prometheus");
    }

    /** A route for {@code prefix} to the backend with this {@code ExtProcPerRoute} (one YAML line). */
    static String perRoute(String prefix, String extProcPerRoute) {
        return """
                - match: { prefix: %s }
                  route: { cluster: backend }
                  typed_per_filter_config:
                    envoy.filters.http.ext_proc:
                      "@type": type.googleapis.com/envoy.extensions.filters.http.ext_proc.v3.ExtProcPerRoute
                      %s
                """.formatted(prefix, extProcPerRoute);
    }

    /** Answers by the request's path; "/slow" answers its headers after the message timeout. */
    static final class Processor implements StreamObserver<ProcessingRequest> {
        private final StreamObserver<ProcessingResponse> out;
        private String path = "";
        /** "/nowait": the request headers' answer is held until a body chunk came. */
        private boolean headersHeld;
        /** FULL_DUPLEX_STREAMED request chunks, answered only once the body ended. */
        private final StringBuilder duplexBody = new StringBuilder();

        Processor(StreamObserver<ProcessingResponse> out) {
            this.out = out;
        }

        @Override
        public void onNext(ProcessingRequest r) {
            if (r.hasRequestHeaders()) {
                path = header(r.getRequestHeaders(), ":path");
            }
            recordAttributes(r);
            List<String> log = seen.computeIfAbsent(path, p -> new java.util.concurrent.CopyOnWriteArrayList<>());
            requests.computeIfAbsent(path, p -> new java.util.concurrent.CopyOnWriteArrayList<>()).add(r);
            switch (r.getRequestCase()) {
                case REQUEST_HEADERS -> {
                    log.add("headers");
                    if (path.startsWith("/nowait")) {
                        headersHeld = true;
                        return;
                    }
                    if (path.startsWith("/failearly")) {
                        out.onError(io.grpc.Status.UNAVAILABLE.asRuntimeException());
                        return;
                    }
                    if (path.startsWith("/deny")) {
                        out.onNext(ProcessingResponse.newBuilder().setImmediateResponse(ImmediateResponse.newBuilder()
                                .setStatus(HttpStatus.newBuilder().setCode(StatusCode.Forbidden))
                                .setBody(ByteString.copyFromUtf8("denied by processor"))
                                .setHeaders(HeaderMutation.newBuilder().addSetHeaders(set("x-deny", "yes")))
                                .setDetails("denied by test")).build());
                        return;
                    }
                    if (path.startsWith("/replace-request") || path.startsWith("/replace-get")) {
                        out.onNext(ProcessingResponse.newBuilder().setRequestHeaders(HeadersResponse.newBuilder()
                                .setResponse(replace("new body", HeaderMutation.newBuilder()
                                        .addSetHeaders(set("x-added", "replaced")).addRemoveHeaders("x-remove-me"))))
                                .build());
                        return;
                    }
                    if (path.startsWith("/slow")) {
                        sleep(5500);
                    }
                    if (path.startsWith("/extend")) {
                        out.onNext(ProcessingResponse.newBuilder().setOverrideMessageTimeout(
                                com.google.protobuf.Duration.newBuilder().setSeconds(8)).build());
                        sleep(5000);
                    }
                    ProcessingResponse.Builder answer = ProcessingResponse.newBuilder();
                    if (path.startsWith("/modeoverride")) {
                        answer.setModeOverride(ProcessingMode.newBuilder()
                                .setResponseHeaderMode(ProcessingMode.HeaderSendMode.SKIP));
                    }
                    out.onNext(requestHeadersAnswer(answer));
                }
                case REQUEST_BODY -> {
                    if (headersHeld) {
                        headersHeld = false;
                        out.onNext(requestHeadersAnswer(ProcessingResponse.newBuilder()));
                    }
                    if (path.startsWith("/faillate")) {
                        log.add("body");
                        out.onError(io.grpc.Status.UNAVAILABLE.asRuntimeException());
                        return;
                    }
                    if (path.startsWith("/duplex")) {
                        String chunk = r.getRequestBody().getBody().toStringUtf8();
                        log.add("duplex:" + chunk + ":" + r.getRequestBody().getEndOfStream());
                        duplexBody.append(chunk);
                        if (r.getRequestBody().getEndOfStream()) {
                            // Streamed back in other pieces than it came in.
                            String all = duplexBody.toString().toUpperCase(java.util.Locale.ROOT);
                            out.onNext(streamed(true, all.substring(0, 3), false));
                            out.onNext(streamed(true, all.substring(3), true));
                        }
                        return;
                    }
                    String b = r.getRequestBody().getBody().toStringUtf8();
                    boolean end = r.getRequestBody().getEndOfStream();
                    log.add("body:" + (b.length() > 64 ? b.length() + " bytes" : b) + ":" + end);
                    String replaced = path.startsWith("/streamed") || path.startsWith("/nowait")
                            ? b.toUpperCase(java.util.Locale.ROOT)
                            : !end ? "cut:" : "replaced:" + b;
                    out.onNext(ProcessingResponse.newBuilder().setRequestBody(BodyResponse.newBuilder()
                            .setResponse(CommonResponse.newBuilder().setBodyMutation(BodyMutation.newBuilder()
                                    .setBody(ByteString.copyFromUtf8(replaced))))).build());
                }
                case RESPONSE_BODY -> {
                    if (path.startsWith("/respduplex")) {
                        String chunk = r.getResponseBody().getBody().toStringUtf8();
                        boolean end = r.getResponseBody().getEndOfStream();
                        log.add("response_duplex:" + chunk + ":" + end);
                        out.onNext(streamed(false, chunk.toUpperCase(java.util.Locale.ROOT), end));
                        return;
                    }
                    String b = r.getResponseBody().getBody().toStringUtf8();
                    boolean streamed = path.startsWith("/respstreamed");
                    log.add(streamed ? "response_body:" + b + ":" + r.getResponseBody().getEndOfStream()
                            : "response_body");
                    out.onNext(ProcessingResponse.newBuilder().setResponseBody(BodyResponse.newBuilder()
                            .setResponse(CommonResponse.newBuilder().setBodyMutation(BodyMutation.newBuilder()
                                    .setBody(ByteString.copyFromUtf8(streamed ? b.toUpperCase(java.util.Locale.ROOT)
                                            : "processed: " + b))))).build());
                }
                case RESPONSE_HEADERS -> {
                    log.add("response_headers:" + header(r.getResponseHeaders(), ":status"));
                    if (path.startsWith("/replace-response")) {
                        out.onNext(ProcessingResponse.newBuilder().setResponseHeaders(HeadersResponse.newBuilder()
                                .setResponse(replace("response replaced", HeaderMutation.newBuilder()))).build());
                        return;
                    }
                    HeaderMutation.Builder mutation = HeaderMutation.newBuilder().addSetHeaders(set("x-processed", "response"));
                    if (path.startsWith("/inline")) {
                        mutation.addSetHeaders(set("content-type", "extra").toBuilder().setAppendAction(
                                HeaderValueOption.HeaderAppendAction.APPEND_IF_EXISTS_OR_ADD));
                    }
                    out.onNext(ProcessingResponse.newBuilder().setResponseHeaders(HeadersResponse.newBuilder()
                            .setResponse(CommonResponse.newBuilder().setHeaderMutation(mutation)
                                    .setClearRouteCache(path.startsWith("/clearcache")))).build());
                }
                default -> log.add("unexpected:" + r.getRequestCase());
            }
        }

        private ProcessingResponse requestHeadersAnswer(ProcessingResponse.Builder answer) {
            return answer.setRequestHeaders(HeadersResponse.newBuilder()
                    .setResponse(CommonResponse.newBuilder().setHeaderMutation(HeaderMutation.newBuilder()
                            .addSetHeaders(set("x-added", "by-processor"))
                            .addRemoveHeaders("x-remove-me")
                            // The default mutation rules keep the processor off routing headers.
                            .addSetHeaders(set(":authority", "elsewhere")))
                            .setClearRouteCache(path.startsWith("/clearcache")))).build();
        }

        private void recordAttributes(ProcessingRequest r) {
            com.google.protobuf.Struct a = r.getAttributesMap().get("envoy.filters.http.ext_proc");
            if (a != null && path.isEmpty() && a.containsFields("request.path")) {
                // Request headers skipped: the path comes with the attributes.
                path = a.getFieldsOrThrow("request.path").getStringValue();
            }
            if (path.startsWith("/attrs")) {
                attributes.computeIfAbsent(path, p -> new java.util.concurrent.CopyOnWriteArrayList<>())
                        .add(new java.util.AbstractMap.SimpleEntry<>(r.getRequestCase().name(), a));
            }
        }

        @Override
        public void onError(Throwable t) {
        }

        @Override
        public void onCompleted() {
            out.onCompleted();
        }
    }

    /** A chunked response, one flush per part, so the proxy sees them as separate body chunks. */
    static void sendInChunks(io.netty.channel.ChannelHandlerContext ctx, String... parts) {
        var res = new io.netty.handler.codec.http.DefaultHttpResponse(io.netty.handler.codec.http.HttpVersion.HTTP_1_1,
                io.netty.handler.codec.http.HttpResponseStatus.OK);
        res.headers().set("transfer-encoding", "chunked");
        ctx.writeAndFlush(res);
        for (int i = 0; i < parts.length; i++) {
            var content = io.netty.buffer.Unpooled.copiedBuffer(parts[i], StandardCharsets.UTF_8);
            ctx.writeAndFlush(i == parts.length - 1 ? new io.netty.handler.codec.http.DefaultLastHttpContent(content)
                    : new io.netty.handler.codec.http.DefaultHttpContent(content));
        }
    }

    static String header(HttpHeaders h, String name) {
        for (HeaderValue v : h.getHeaders().getHeadersList()) {
            if (v.getKey().equals(name)) {
                return v.getRawValue().isEmpty() ? v.getValue() : v.getRawValue().toStringUtf8();
            }
        }
        return null;
    }

    /** A FULL_DUPLEX_STREAMED body answer: one piece of the body streamed back. */
    static ProcessingResponse streamed(boolean request, String body, boolean end) {
        BodyResponse b = BodyResponse.newBuilder().setResponse(CommonResponse.newBuilder().setBodyMutation(
                BodyMutation.newBuilder().setStreamedResponse(
                        io.envoyproxy.envoy.service.ext_proc.v3.StreamedBodyResponse.newBuilder()
                                .setBody(ByteString.copyFromUtf8(body)).setEndOfStream(end)))).build();
        return request ? ProcessingResponse.newBuilder().setRequestBody(b).build()
                : ProcessingResponse.newBuilder().setResponseBody(b).build();
    }

    /** A CONTINUE_AND_REPLACE answer with this body and header mutation. */
    static CommonResponse replace(String body, HeaderMutation.Builder headers) {
        return CommonResponse.newBuilder().setStatus(CommonResponse.ResponseStatus.CONTINUE_AND_REPLACE)
                .setHeaderMutation(headers)
                .setBodyMutation(BodyMutation.newBuilder().setBody(ByteString.copyFromUtf8(body))).build();
    }

    static HeaderValueOption set(String k, String v) {
        return HeaderValueOption.newBuilder().setHeader(HeaderValue.newBuilder().setKey(k)
                .setRawValue(ByteString.copyFromUtf8(v))).build();
    }

    static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @AfterAll
    static void stop() throws Exception {
        if (proxy != null) {
            proxy.close();
        }
        if (backend != null) {
            backend.close();
        }
        if (processor != null) {
            processor.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
    }

    static HttpResponse<String> send(int port, String path, String body) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .timeout(Duration.ofSeconds(10)).header("x-remove-me", "secret")
                .method(body == null ? "GET" : "POST", body == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(body));
        return CLIENT.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    static double stat(String name, String statPrefix, String hcm) throws Exception {
        return proxy.metric("envoy_http_ext_proc_" + statPrefix + "_" + name
                + "{envoy_http_conn_manager_prefix=\"" + hcm + "\"}");
    }

    /** Every counter of Envoy's ALL_EXT_PROC_FILTER_STATS is listed once the filter has stats, at 0 or more. */
    @Test
    void everyEnvoyCounterIsListed() throws Exception {
        assertEquals(200, send(mainPort, "/mutate", "hello").statusCode());
        String stats = proxy.admin("/stats/prometheus");
        for (String name : List.of("streams_started", "stream_msgs_sent", "stream_msgs_received",
                "spurious_msgs_received", "streams_closed", "streams_failed", "failure_mode_allowed",
                "message_timeouts", "rejected_header_mutations", "override_message_timeout_received",
                "override_message_timeout_ignored", "clear_route_cache_ignored", "clear_route_cache_disabled",
                "clear_route_cache_upstream_ignored", "send_immediate_resp_upstream_ignored",
                "http_not_ok_resp_received")) {
            assertTrue(stats.contains("envoy_http_ext_proc_main_" + name + "{envoy_http_conn_manager_prefix=\"main\"}"),
                    name);
        }
    }

    /** As Envoy's FilterConfig makes its stats struct: the counters read 0 before any request. */
    @Test
    void countersExistBeforeTheFirstRequest() {
        for (String name : List.of("streams_started", "stream_msgs_sent", "streams_failed", "message_timeouts",
                "http_not_ok_resp_received")) {
            assertTrue(statsAtStart.contains("http.main.ext_proc.main." + name + ": 0\n"), name + "\n" + statsAtStart);
            assertTrue(prometheusAtStart.contains("envoy_http_ext_proc_observe_" + name
                    + "{envoy_http_conn_manager_prefix=\"observe\"} 0\n"), name);
        }
    }

    /**
     * As Envoy, whose local replies pass every encoder filter: the reply of a filter before ext_proc
     * has its headers processed though ext_proc never saw the request (the processor sees no path).
     */
    @Test
    void anEarlierFiltersLocalReplyIsProcessed() throws Exception {
        double started = stat("streams_started", "prior", "prior");
        HttpResponse<String> r = send(priorReplyPort, "/prior-reply", null);
        assertEquals(418, r.statusCode(), r.body());
        assertEquals("response", r.headers().firstValue("x-processed").orElse(null));
        assertTrue(seen.get("").contains("response_headers:418"), String.valueOf(seen.get("")));
        assertEquals(started + 1, stat("streams_started", "prior", "prior"));
    }

    /**
     * Envoy's DecodingProcessorState::clearRouteCache: with a header mutation, DEFAULT clears the route
     * and RETAIN counts clear_route_cache_disabled; a response answer's clear_route_cache counts nothing.
     */
    @Test
    void clearRouteCacheCountsAsEnvoy() throws Exception {
        double ignored = stat("clear_route_cache_ignored", "main", "main");
        double disabled = stat("clear_route_cache_disabled", "main", "main");
        assertEquals(200, send(mainPort, "/clearcache", null).statusCode());
        assertEquals(ignored, stat("clear_route_cache_ignored", "main", "main"));
        assertEquals(disabled, stat("clear_route_cache_disabled", "main", "main"));

        double retainIgnored = stat("clear_route_cache_ignored", "retain", "retain");
        double retainDisabled = stat("clear_route_cache_disabled", "retain", "retain");
        assertEquals(200, send(retainPort, "/clearcache", null).statusCode());
        assertEquals(retainIgnored, stat("clear_route_cache_ignored", "retain", "retain"));
        assertEquals(retainDisabled + 1, stat("clear_route_cache_disabled", "retain", "retain"));
    }

    @Test
    void requestAndResponseAreProcessed() throws Exception {
        double started = stat("streams_started", "main", "main");
        double received = stat("stream_msgs_received", "main", "main");
        double rejected = stat("rejected_header_mutations", "main", "main");
        HttpResponse<String> r = send(mainPort, "/mutate", "hello");
        assertEquals(200, r.statusCode(), r.body());
        assertEquals("added=by-processor removed=null body=replaced:hello", r.body());
        assertEquals("response", r.headers().firstValue("x-processed").orElse(null));
        assertEquals(List.of("headers", "body:hello:true", "response_headers:200"), seen.get("/mutate"));
        assertEquals(started + 1, stat("streams_started", "main", "main"));
        assertEquals(received + 3, stat("stream_msgs_received", "main", "main"));
        // The :authority change each headers answer asks for is refused and counted.
        assertEquals(rejected + 1, stat("rejected_header_mutations", "main", "main"));
    }

    @Test
    void immediateResponseAnswersTheClient() throws Exception {
        HttpResponse<String> r = send(mainPort, "/deny", null);
        assertEquals(403, r.statusCode());
        assertEquals("denied by processor", r.body());
        assertEquals("yes", r.headers().firstValue("x-deny").orElse(null));
        assertEquals(List.of("headers"), seen.get("/deny"));
    }

    @Test
    void responseSkippedAndFilterDisabledPerRoute() throws Exception {
        HttpResponse<String> r = send(mainPort, "/skip", null);
        assertEquals(200, r.statusCode());
        assertEquals("added=by-processor removed=null body=", r.body());
        assertTrue(r.headers().firstValue("x-processed").isEmpty());
        assertEquals(List.of("headers"), seen.get("/skip"));

        int before = streams.get();
        r = send(mainPort, "/off", null);
        assertEquals("added=null removed=secret body=", r.body());
        assertEquals(before, streams.get());
    }

    @Test
    void processorDownFailsClosedOrOpen() throws Exception {
        double failed = stat("streams_failed", "down", "down");
        HttpResponse<String> r = send(downPort, "/x", null);
        assertEquals(500, r.statusCode());
        assertEquals(failed + 1, stat("streams_failed", "down", "down"));

        double allowed = stat("failure_mode_allowed", "open", "down_open");
        r = send(downOpenPort, "/x", "kept");
        assertEquals(200, r.statusCode());
        assertEquals("added=null removed=secret body=kept", r.body());
        assertEquals(allowed + 1, stat("failure_mode_allowed", "open", "down_open"));
    }

    /**
     * Envoy applies an appending set_headers with the map's addCopy: content-type, which response
     * maps hold inline, gets the value joined to the upstream's rather than a second line.
     */
    @Test
    void anAppendToAnInlineHeaderJoinsIt() throws Exception {
        HttpResponse<String> r = send(mainPort, "/inline", null);
        assertEquals(200, r.statusCode());
        assertEquals(List.of("text/plain,extra"), r.headers().allValues("content-type"));
    }

    /**
     * A grpc_service cluster that does not exist: Envoy's gRPC client fails the stream as it starts
     * it (UNAVAILABLE, "Cluster not available"), so no stream is counted started and nothing sent;
     * the request gets ext_proc's 500 for a gRPC error.
     */
    @Test
    void aMissingClusterFailsTheStreamBeforeItStarts() throws Exception {
        HttpResponse<String> r = send(noClusterPort, "/x", "body");
        assertEquals(500, r.statusCode());
        assertEquals(1, stat("streams_failed", "nocluster", "nocluster"));
        assertEquals(0, stat("streams_started", "nocluster", "nocluster"));
        assertEquals(0, stat("stream_msgs_sent", "nocluster", "nocluster"));
        String details = "";
        for (int i = 0; i < 50 && details.isBlank(); i++) {
            sleep(100);
            details = java.nio.file.Files.readString(noClusterLog);
        }
        assertEquals("ext_proc_error_gRPC_error_14{Cluster_not_available}", details.strip());
    }

    @Test
    void slowProcessorTimesOut() throws Exception {
        double timeouts = stat("message_timeouts", "main", "main");
        HttpResponse<String> r = send(mainPort, "/slow", null);
        assertEquals(504, r.statusCode());
        assertEquals(timeouts + 1, stat("message_timeouts", "main", "main"));
    }

    @Test
    void responseBodyBufferedAndReplaced() throws Exception {
        HttpResponse<String> r = send(mainPort, "/respbody", null);
        assertEquals(200, r.statusCode());
        assertEquals("processed: added=by-processor removed=null body=", r.body());
        assertEquals(List.of("headers", "response_body"), seen.get("/respbody"));
    }

    @Test
    void processorExtendsTheMessageTimeout() throws Exception {
        double extended = stat("override_message_timeout_received", "main", "main");
        HttpResponse<String> r = send(mainPort, "/extend", null);
        assertEquals(200, r.statusCode());
        assertEquals(extended + 1, stat("override_message_timeout_received", "main", "main"));
    }

    @Test
    void processorSkipsTheResponseWithModeOverride() throws Exception {
        HttpResponse<String> r = send(mainPort, "/modeoverride", null);
        assertEquals(200, r.statusCode());
        assertTrue(r.headers().firstValue("x-processed").isEmpty());
        assertEquals(List.of("headers"), seen.get("/modeoverride"));
    }

    @Test
    void streamedRequestChunksAreProcessedInOrder() throws Exception {
        // Each chunk is sent only once the processor has seen the one before: one message per chunk.
        String response = postInThreeChunks("/streamed", "body");
        // Every chunk reached the upstream as the processor replaced it.
        assertTrue(response.endsWith("added=by-processor removed=null body=ONETWOTHREE"), response);
        assertThreeChunksSent("/streamed", "body");
    }

    /**
     * POSTs "one", "two", "three" chunked to {@code path}, each chunk after the processor logged the
     * one before as {@code <kind>:<chunk>:false}; returns the (200) response.
     */
    static String postInThreeChunks(String path, String kind) throws Exception {
        return postInThreeChunks(mainPort, path, kind);
    }

    /** As {@link #postInThreeChunks(String, String)}, to the listener on {@code port}. */
    static String postInThreeChunks(int port, String path, String kind) throws Exception {
        try (java.net.Socket s = new java.net.Socket("127.0.0.1", port)) {
            s.setSoTimeout(10_000);
            var out = s.getOutputStream();
            out.write(("POST " + path + " HTTP/1.1\r\nhost: x\r\ntransfer-encoding: chunked\r\n\r\n3\r\none\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            out.flush();
            awaitSeen(path, kind + ":one:false");
            out.write("3\r\ntwo\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            awaitSeen(path, kind + ":two:false");
            out.write("5\r\nthree\r\n0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            String response = readResponse(s.getInputStream());
            assertTrue(response.startsWith("HTTP/1.1 200"), response);
            return response;
        }
    }

    /** The processor was sent the headers, "one", "two", then "three" in any pieces, the last ending the body. */
    static void assertThreeChunksSent(String path, String kind) {
        List<String> log = List.copyOf(seen.get(path));
        assertEquals(List.of("headers", kind + ":one:false", kind + ":two:false"), log.subList(0, 3));
        StringBuilder rest = new StringBuilder();
        for (String e : log.subList(3, log.size())) {
            rest.append(e.split(":", -1)[1]);
        }
        assertEquals("three", rest.toString());
        assertTrue(log.get(log.size() - 1).endsWith(":true"), log.toString());
    }

    /**
     * send_body_without_waiting_for_header_response (Envoy's Filter::onData, ProcessorState's
     * getCallbackStateAfterHeaderResp): STREAMED chunks go while the headers are with the processor, which here
     * answers the headers only once a chunk came; the protocol configuration tells it so.
     */
    @Test
    void streamedChunksGoBeforeTheHeadersAnswerWhenConfigured() throws Exception {
        HttpResponse<String> r = send(noWaitPort, "/nowait", "hello");
        assertEquals(200, r.statusCode(), r.body());
        assertEquals("added=by-processor removed=null body=HELLO", r.body());
        assertEquals(List.of("headers", "body:hello:true"), seen.get("/nowait"));
        ProcessingRequest first = requests.get("/nowait").get(0);
        assertTrue(first.getProtocolConfig().getSendBodyWithoutWaitingForHeaderResponse(), first.toString());
        assertEquals(ProcessingMode.BodySendMode.STREAMED, first.getProtocolConfig().getRequestBodyMode());

        String response = postInThreeChunks(noWaitPort, "/nowait-chunks", "body");
        assertTrue(response.endsWith("added=by-processor removed=null body=ONETWOTHREE"), response);
        assertThreeChunksSent("/nowait-chunks", "body");
    }

    @Test
    void streamedResponseChunksAreProcessed() throws Exception {
        HttpResponse<String> r = send(mainPort, "/respstreamed", null);
        assertEquals(200, r.statusCode());
        assertEquals("ALPHABETAGAMMA", r.body());
        List<String> log = seen.get("/respstreamed");
        assertEquals("headers", log.get(0));
        StringBuilder all = new StringBuilder();
        for (int i = 1; i < log.size(); i++) {
            String[] p = log.get(i).split(":", -1);
            assertEquals("response_body", p[0]);
            all.append(p[1]);
            assertEquals(Boolean.toString(i == log.size() - 1), p[2], log.toString());
        }
        assertEquals("alphabetagamma", all.toString());
    }

    @Test
    void partiallyBufferedBodyUnderTheLimitIsSentWhole() throws Exception {
        HttpResponse<String> r = send(mainPort, "/partial-small", "small");
        assertEquals(200, r.statusCode());
        assertEquals("added=by-processor removed=null body=replaced:small", r.body());
        assertEquals(List.of("headers", "body:small:true"), seen.get("/partial-small"));
    }

    @Test
    void partiallyBufferedBodyOverTheLimitIsCut() throws Exception {
        StringBuilder b = new StringBuilder();
        for (int i = 0; b.length() < BUFFER_LIMIT * 3 / 2; i++) {
            b.append(i).append(',');
        }
        String body = b.toString();
        int first = BUFFER_LIMIT * 5 / 4;
        String response;
        try (java.net.Socket s = new java.net.Socket("127.0.0.1", mainPort)) {
            s.setSoTimeout(10_000);
            var out = s.getOutputStream();
            out.write(("POST /cut HTTP/1.1\r\nhost: x\r\nx-remove-me: secret\r\ncontent-length: " + body.length()
                    + "\r\n\r\n" + body.substring(0, first)).getBytes(StandardCharsets.US_ASCII));
            out.flush();
            // Request headers are skipped, so the processor (not knowing the path) logs under "". The
            // rest is sent only once the part past the limit went to the processor.
            for (int i = 0; i < 500 && seen.getOrDefault("", List.of()).isEmpty(); i++) {
                Thread.sleep(20);
            }
            out.write(body.substring(first).getBytes(StandardCharsets.US_ASCII));
            out.flush();
            response = readResponse(s.getInputStream());
        }
        assertTrue(response.startsWith("HTTP/1.1 200"), response);
        List<String> log = seen.get("");
        assertEquals(1, log.size(), log.toString());
        String[] sent = log.get(0).split(":");
        assertEquals("false", sent[2]);
        int cut = Integer.parseInt(sent[1].replace(" bytes", ""));
        assertTrue(cut > BUFFER_LIMIT && cut <= first, log.toString());
        // The processed part is replaced; the rest goes on unprocessed.
        assertTrue(response.endsWith("added=null removed=secret body=cut:" + body.substring(cut)), response);
    }

    @Test
    void observerIsSentEverythingAndNeverWaitedFor() throws Exception {
        double sent = stat("stream_msgs_sent", "observe", "observe");
        // The processor denies "/deny…" requests: an observer's answers are not applied.
        HttpResponse<String> r = send(observePort, "/deny-observed", "watched");
        assertEquals(200, r.statusCode(), r.body());
        assertEquals("added=null removed=secret body=watched", r.body());
        awaitSeen("/deny-observed", "body:watched:true");
        assertEquals(List.of("headers", "body:watched:true"), seen.get("/deny-observed"));
        // As Envoy's: every message of an observer says so, and none carries the protocol configuration.
        for (ProcessingRequest m : requests.get("/deny-observed")) {
            assertTrue(m.getObservabilityMode(), m.toString());
            assertTrue(!m.hasProtocolConfig(), m.toString());
        }
        assertEquals(sent + 2, stat("stream_msgs_sent", "observe", "observe"));
    }

    @Test
    void attributesGoOncePerDirectionWithTheirValues() throws Exception {
        Curl c = Curl.run("-H", "x-test: v1", "--data-binary", "hello", "http://127.0.0.1:" + attrsPort + "/attrs");
        assertEquals(200, c.status(), c.text());
        List<Map.Entry<String, com.google.protobuf.Struct>> got = attributes.get("/attrs");
        assertEquals(List.of("REQUEST_HEADERS", "REQUEST_BODY", "RESPONSE_HEADERS"),
                got.stream().map(Map.Entry::getKey).toList());
        assertEquals(null, got.get(1).getValue(), "attributes go with the first message only");
        Map<String, com.google.protobuf.Value> request = got.get(0).getValue().getFieldsMap();
        // Failing expressions (an absent header, an unknown attribute) are left out; a repeated one is sent once.
        assertEquals(java.util.Set.of("request.path", "request.method", "request.headers", "request.headers['x-test']",
                "destination.port", "connection.mtls", "request.time"), request.keySet());
        assertEquals("/attrs", request.get("request.path").getStringValue());
        assertEquals("POST", request.get("request.method").getStringValue());
        // Envoy prints what is neither a boolean nor an integer: a map as "map value".
        assertEquals("map value", request.get("request.headers").getStringValue());
        assertEquals("v1", request.get("request.headers['x-test']").getStringValue());
        assertEquals(attrsPort, request.get("destination.port").getNumberValue());
        assertEquals(false, request.get("connection.mtls").getBoolValue());
        assertEquals(com.google.protobuf.Value.KindCase.BOOL_VALUE, request.get("connection.mtls").getKindCase());
        String time = request.get("request.time").getStringValue();
        assertTrue(time.matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d(\\.\\d+)?\\+00:00"), time);
        Map<String, com.google.protobuf.Value> response = got.get(2).getValue().getFieldsMap();
        assertEquals(java.util.Set.of("response.code", "response.headers[':status']", "request.path"),
                response.keySet());
        assertEquals(200, response.get("response.code").getNumberValue());
        assertEquals("200", response.get("response.headers[':status']").getStringValue());
        assertEquals("/attrs", response.get("request.path").getStringValue());
    }

    @Test
    void attributesGoWithTheBodyWhenHeadersAreSkipped() throws Exception {
        HttpResponse<String> r = send(attrsPort, "/attrs-noheaders", "payload");
        assertEquals(200, r.statusCode(), r.body());
        List<Map.Entry<String, com.google.protobuf.Struct>> got = attributes.get("/attrs-noheaders");
        assertEquals(1, got.size(), got.toString());
        assertEquals("REQUEST_BODY", got.get(0).getKey());
        assertEquals("POST", got.get(0).getValue().getFieldsOrThrow("request.method").getStringValue());
    }

    @Test
    void continueAndReplaceReplacesTheRequestBody() throws Exception {
        HttpResponse<String> r = send(mainPort, "/replace-request", "original");
        assertEquals(200, r.statusCode(), r.body());
        assertEquals("added=replaced removed=null body=new body", r.body());
        // The body (BUFFERED) is not sent to the processor once the headers answer replaced it.
        assertEquals(List.of("headers", "response_headers:200"), seen.get("/replace-request"));
    }

    @Test
    void continueAndReplaceGivesAHeadersOnlyRequestABody() throws Exception {
        HttpResponse<String> r = send(mainPort, "/replace-get", null);
        assertEquals(200, r.statusCode(), r.body());
        assertEquals("added=replaced removed=null body=new body", r.body());
        assertEquals(List.of("headers", "response_headers:200"), seen.get("/replace-get"));
    }

    @Test
    void continueAndReplaceReplacesTheResponseBody() throws Exception {
        Curl c = Curl.get(mainPort, "/replace-response");
        assertEquals(200, c.status(), c.text());
        assertEquals("response replaced", c.text());
        assertEquals(List.of("headers", "response_headers:200"), seen.get("/replace-response"));
    }

    @Test
    void fullDuplexRequestChunksGoWithoutWaitingAndComeBackStreamed() throws Exception {
        // The processor answers no chunk before the body ended: each goes out all the same.
        String response = postInThreeChunks("/duplex", "duplex");
        // The upstream got what the processor streamed back ("ONE", then "TWOTHREE" with end_of_stream).
        assertTrue(response.endsWith("added=by-processor removed=null body=ONETWOTHREE"), response);
        assertThreeChunksSent("/duplex", "duplex");
    }

    @Test
    void fullDuplexResponseIsWhatTheProcessorStreamsBack() throws Exception {
        Curl c = Curl.get(mainPort, "/respduplex");
        assertEquals(200, c.status(), c.text());
        assertEquals("ALPHABETAGAMMA", c.text());
        assertEquals("response", c.header("x-processed"));
        List<String> log = seen.get("/respduplex");
        assertEquals(List.of("headers", "response_headers:200"), log.subList(0, 2));
        StringBuilder all = new StringBuilder();
        for (String e : log.subList(2, log.size())) {
            all.append(e.split(":", -1)[1]);
        }
        assertEquals("alphabetagamma", all.toString());
        assertTrue(log.get(log.size() - 1).endsWith(":true"), log.toString());
    }

    @Test
    void fullDuplexFailsOpenOnlyUntilAChunkWentToTheProcessor() throws Exception {
        double allowed = stat("failure_mode_allowed", "duplex_open", "duplex_open");
        double failed = stat("streams_failed", "duplex_open", "duplex_open");
        // Only the headers went: the request goes on unprocessed.
        HttpResponse<String> r = send(duplexOpenPort, "/failearly", null);
        assertEquals(200, r.statusCode(), r.body());
        assertEquals("added=null removed=secret body=", r.body());
        assertEquals(allowed + 1, stat("failure_mode_allowed", "duplex_open", "duplex_open"));

        // A chunk went and only the processor had it: fail closed despite failure_mode_allow.
        r = send(duplexOpenPort, "/faillate", "gone");
        assertEquals(500, r.statusCode(), r.body());
        assertEquals(List.of("headers", "body"), seen.get("/faillate"));
        assertEquals(allowed + 1, stat("failure_mode_allowed", "duplex_open", "duplex_open"));
        assertEquals(failed + 2, stat("streams_failed", "duplex_open", "duplex_open"));
    }

    static void awaitSeen(String path, String entry) throws InterruptedException {
        for (int i = 0; i < 500 && !seen.getOrDefault(path, List.of()).contains(entry); i++) {
            Thread.sleep(20);
        }
        assertTrue(seen.getOrDefault(path, List.of()).contains(entry), path + ": " + seen.get(path));
    }

    /** Reads one HTTP/1.1 response with a content-length body. */
    static String readResponse(java.io.InputStream in) throws java.io.IOException {
        StringBuilder head = new StringBuilder();
        while (!head.toString().endsWith("\r\n\r\n")) {
            int c = in.read();
            if (c < 0) {
                break;
            }
            head.append((char) c);
        }
        int length = 0;
        for (String line : head.toString().split("\r\n")) {
            if (line.toLowerCase(java.util.Locale.ROOT).startsWith("content-length:")) {
                length = Integer.parseInt(line.substring(15).trim());
            }
        }
        return head + new String(in.readNBytes(length), StandardCharsets.UTF_8);
    }
}
