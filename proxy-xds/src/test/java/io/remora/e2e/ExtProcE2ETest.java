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
 * slow for message_timeout, and the filter's stats.
 */
class ExtProcE2ETest {

    static TestUpstream backend;
    static Server processor;
    static ProxyProcess proxy;
    static int mainPort;
    static int downPort;
    static int downOpenPort;
    /** Which messages the processor saw, per request path: "headers", "body", "response_headers". */
    static final Map<String, List<String>> seen = new ConcurrentHashMap<>();
    static final AtomicInteger streams = new AtomicInteger();
    static final HttpClient CLIENT = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @BeforeAll
    static void start() throws Exception {
        backend = TestUpstream.start((ctx, req, n) -> TestUpstream.send(ctx, req, 200,
                "added=" + req.headers().get("x-added") + " removed=" + req.headers().get("x-remove-me")
                        + " body=" + req.content().toString(StandardCharsets.UTF_8)));
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
        int deadPort = ProxyProcess.freePort();
        String filter = """
                - name: envoy.filters.http.ext_proc
                  typed_config:
                    "@type": type.googleapis.com/envoy.extensions.filters.http.ext_proc.v3.ExternalProcessor
                    grpc_service: { envoy_grpc: { cluster_name: %s } }
                    failure_mode_allow: %s
                    message_timeout: 2s
                    max_message_timeout: 10s
                    allow_mode_override: true
                    stat_prefix: %s
                    processing_mode: { request_body_mode: BUFFERED }
                """;
        String routes = """
                - match: { prefix: /skip }
                  route: { cluster: backend }
                  typed_per_filter_config:
                    envoy.filters.http.ext_proc:
                      "@type": type.googleapis.com/envoy.extensions.filters.http.ext_proc.v3.ExtProcPerRoute
                      overrides: { processing_mode: { response_header_mode: SKIP } }
                - match: { prefix: /respbody }
                  route: { cluster: backend }
                  typed_per_filter_config:
                    envoy.filters.http.ext_proc:
                      "@type": type.googleapis.com/envoy.extensions.filters.http.ext_proc.v3.ExtProcPerRoute
                      overrides: { processing_mode: { response_header_mode: SKIP, response_body_mode: BUFFERED } }
                - match: { prefix: /off }
                  route: { cluster: backend }
                  typed_per_filter_config:
                    envoy.filters.http.ext_proc:
                      "@type": type.googleapis.com/envoy.extensions.filters.http.ext_proc.v3.ExtProcPerRoute
                      disabled: true
                - match: { prefix: / }
                  route: { cluster: backend }
                """;
        String listeners = String.join("\n",
                Bootstraps.httpListenerWithFilters("main", filter.formatted("processor", false, "main"), routes),
                Bootstraps.httpListenerWithFilters("down", filter.formatted("dead", false, "down"), routes),
                Bootstraps.httpListenerWithFilters("down_open", filter.formatted("dead", true, "open"), routes));
        String clusters = String.join("\n",
                Bootstraps.cluster("backend", false, null, backend.port()),
                Bootstraps.cluster("processor", true, null, processor.getPort()),
                Bootstraps.cluster("dead", true, null, deadPort));
        String yaml = Bootstraps.listeners(admin, listeners, clusters,
                Map.of("main", mainPort, "down", downPort, "down_open", downOpenPort));
        // Fails here, with the field path, if the config does not translate.
        new io.remora.xds.bootstrap.BootstrapLoader().loadString(yaml, "ext_proc.yaml");
        proxy = ProxyProcess.start(yaml, admin, List.of("-Xmx256m", "-XX:TieredStopAtLevel=1"));
    }

    /** Answers by the request's path; "/slow" answers its headers after the message timeout. */
    static final class Processor implements StreamObserver<ProcessingRequest> {
        private final StreamObserver<ProcessingResponse> out;
        private String path = "";

        Processor(StreamObserver<ProcessingResponse> out) {
            this.out = out;
        }

        @Override
        public void onNext(ProcessingRequest r) {
            if (r.hasRequestHeaders()) {
                path = header(r.getRequestHeaders(), ":path");
            }
            List<String> log = seen.computeIfAbsent(path, p -> new java.util.concurrent.CopyOnWriteArrayList<>());
            switch (r.getRequestCase()) {
                case REQUEST_HEADERS -> {
                    log.add("headers");
                    if (path.startsWith("/deny")) {
                        out.onNext(ProcessingResponse.newBuilder().setImmediateResponse(ImmediateResponse.newBuilder()
                                .setStatus(HttpStatus.newBuilder().setCode(StatusCode.Forbidden))
                                .setBody(ByteString.copyFromUtf8("denied by processor"))
                                .setHeaders(HeaderMutation.newBuilder().addSetHeaders(set("x-deny", "yes")))
                                .setDetails("denied by test")).build());
                        return;
                    }
                    if (path.startsWith("/slow")) {
                        sleep(3500);
                    }
                    if (path.startsWith("/extend")) {
                        out.onNext(ProcessingResponse.newBuilder().setOverrideMessageTimeout(
                                com.google.protobuf.Duration.newBuilder().setSeconds(8)).build());
                        sleep(3000);
                    }
                    ProcessingResponse.Builder answer = ProcessingResponse.newBuilder();
                    if (path.startsWith("/modeoverride")) {
                        answer.setModeOverride(ProcessingMode.newBuilder()
                                .setResponseHeaderMode(ProcessingMode.HeaderSendMode.SKIP));
                    }
                    out.onNext(answer.setRequestHeaders(HeadersResponse.newBuilder()
                            .setResponse(CommonResponse.newBuilder().setHeaderMutation(HeaderMutation.newBuilder()
                                    .addSetHeaders(set("x-added", "by-processor"))
                                    .addRemoveHeaders("x-remove-me")
                                    // The default mutation rules keep the processor off routing headers.
                                    .addSetHeaders(set(":authority", "elsewhere"))))).build());
                }
                case REQUEST_BODY -> {
                    log.add("body:" + r.getRequestBody().getBody().toStringUtf8() + ":" + r.getRequestBody().getEndOfStream());
                    out.onNext(ProcessingResponse.newBuilder().setRequestBody(BodyResponse.newBuilder()
                            .setResponse(CommonResponse.newBuilder().setBodyMutation(BodyMutation.newBuilder()
                                    .setBody(ByteString.copyFromUtf8("replaced:" + r.getRequestBody().getBody()
                                            .toStringUtf8()))))).build());
                }
                case RESPONSE_BODY -> {
                    log.add("response_body");
                    out.onNext(ProcessingResponse.newBuilder().setResponseBody(BodyResponse.newBuilder()
                            .setResponse(CommonResponse.newBuilder().setBodyMutation(BodyMutation.newBuilder()
                                    .setBody(ByteString.copyFromUtf8("processed: " + r.getResponseBody().getBody()
                                            .toStringUtf8()))))).build());
                }
                case RESPONSE_HEADERS -> {
                    log.add("response_headers:" + header(r.getResponseHeaders(), ":status"));
                    out.onNext(ProcessingResponse.newBuilder().setResponseHeaders(HeadersResponse.newBuilder()
                            .setResponse(CommonResponse.newBuilder().setHeaderMutation(HeaderMutation.newBuilder()
                                    .addSetHeaders(set("x-processed", "response"))))).build());
                }
                default -> log.add("unexpected:" + r.getRequestCase());
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

    static String header(HttpHeaders h, String name) {
        for (HeaderValue v : h.getHeaders().getHeadersList()) {
            if (v.getKey().equals(name)) {
                return v.getRawValue().isEmpty() ? v.getValue() : v.getRawValue().toStringUtf8();
            }
        }
        return null;
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
}
