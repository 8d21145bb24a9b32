package io.remora.e2e;

import com.google.rpc.Code;
import io.envoyproxy.envoy.service.auth.v3.AuthorizationGrpc;
import io.envoyproxy.envoy.service.auth.v3.CheckRequest;
import io.envoyproxy.envoy.service.auth.v3.CheckResponse;
import io.envoyproxy.envoy.service.ext_proc.v3.ExternalProcessorGrpc;
import io.envoyproxy.envoy.service.ext_proc.v3.HeadersResponse;
import io.envoyproxy.envoy.service.ext_proc.v3.ProcessingRequest;
import io.envoyproxy.envoy.service.ext_proc.v3.ProcessingResponse;
import io.envoyproxy.envoy.service.ratelimit.v3.RateLimitRequest;
import io.envoyproxy.envoy.service.ratelimit.v3.RateLimitResponse;
import io.envoyproxy.envoy.service.ratelimit.v3.RateLimitServiceGrpc;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;
import io.opentelemetry.proto.collector.logs.v1.ExportLogsServiceRequest;
import io.opentelemetry.proto.collector.logs.v1.ExportLogsServiceResponse;
import io.opentelemetry.proto.collector.logs.v1.LogsServiceGrpc;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * {@code grpc_service.retry_policy} on ext_authz and rate limit calls and ext_proc streams against one grpc-java
 * server, and on OpenTelemetry access log exports (grpc-java), that fails the first N calls of a key (the request's
 * path for ext_authz, ext_proc and the logged record, its x-key header for rate limit) with a gRPC status and then
 * answers: with the policy the request passes once the retries got through
 * (the server counts its calls); without it the filter's failure mode applies at the first failure; retries stop
 * at num_retries; a status the policy's retry_on does not name is not retried; connect failures are retried by
 * connect-failure.
 */
class GrpcServiceRetryE2ETest {

    static TestUpstream backend;
    static Server service;
    static ProxyProcess proxy;
    static final Map<String, Integer> PORTS = new java.util.HashMap<>();
    static final Map<String, AtomicInteger> CALLS = new ConcurrentHashMap<>();

    /** max_interval is the per-try timeout too: at the call's timeout, none is armed (a cold first try is slow). */
    static final String POLICY = """
            retry_policy:
              retry_on: unavailable,cancelled
              num_retries: 3
              retry_back_off: { base_interval: 0.01s, max_interval: 5s }""";

    static String authz(String cluster, String policy) {
        return """
                - name: envoy.filters.http.ext_authz
                  typed_config:
                    "@type": type.googleapis.com/envoy.extensions.filters.http.ext_authz.v3.ExtAuthz
                    transport_api_version: V3
                    grpc_service:
                      envoy_grpc: { cluster_name: %s }
                      timeout: 5s
                """.formatted(cluster) + Bootstraps.indent(policy, 6);
    }

    static String rateLimit(String policy) {
        return """
                - name: envoy.filters.http.ratelimit
                  typed_config:
                    "@type": type.googleapis.com/envoy.extensions.filters.http.ratelimit.v3.RateLimit
                    domain: retries
                    timeout: 5s
                    failure_mode_deny: true
                    rate_limit_service:
                      transport_api_version: V3
                      grpc_service:
                        envoy_grpc: { cluster_name: service }
                """ + Bootstraps.indent(policy, 8);
    }

    static String extProc(String policy) {
        return """
                - name: envoy.filters.http.ext_proc
                  typed_config:
                    "@type": type.googleapis.com/envoy.extensions.filters.http.ext_proc.v3.ExternalProcessor
                    message_timeout: 4s
                    processing_mode: { response_header_mode: SKIP }
                    grpc_service:
                      envoy_grpc: { cluster_name: service }
                """ + Bootstraps.indent(policy, 6);
    }

    /** Connection manager fields: an OpenTelemetry access log of the request's path, sent to cluster "service". */
    static String otelLog(String policy) {
        return """
                access_log:
                - name: envoy.access_loggers.open_telemetry
                  typed_config:
                    "@type": type.googleapis.com/envoy.extensions.access_loggers.open_telemetry.v3.OpenTelemetryAccessLogConfig
                    body: { string_value: "%REQ(:PATH)%" }
                    common_config:
                      log_name: retried
                      transport_api_version: V3
                      buffer_flush_interval: 0.05s
                      grpc_service:
                        envoy_grpc: { cluster_name: service }
                """ + Bootstraps.indent(policy, 8);
    }

    static final String ROUTES = """
            - match: { prefix: / }
              route:
                cluster: backend
                rate_limits: [{ actions: [{ request_headers: { header_name: x-key, descriptor_key: key } }] }]
            """;

    /**
     * A key "N-CODE-name" fails its first N calls with gRPC status CODE (SLOW: answers them 3 s late); calls after
     * that succeed. Each key is counted apart, so every test uses its own.
     */
    static Status failure(String key) {
        int n = CALLS.computeIfAbsent(key, k -> new AtomicInteger()).incrementAndGet();
        String[] parts = key.split("-");
        if (n > Integer.parseInt(parts[0])) {
            return null;
        }
        if (parts[1].equals("SLOW")) {
            try {
                Thread.sleep(3000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return null;
        }
        return Status.fromCode(Status.Code.valueOf(parts[1]));
    }

    @BeforeAll
    static void start() throws Exception {
        backend = TestUpstream.start((ctx, req, n) -> TestUpstream.send(ctx, req, 200, "backend"));
        service = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
                .addService(new AuthorizationGrpc.AuthorizationImplBase() {
                    @Override
                    public void check(CheckRequest request, StreamObserver<CheckResponse> out) {
                        Status s = failure(request.getAttributes().getRequest().getHttp().getPath().substring(1));
                        if (s != null) {
                            out.onError(s.asRuntimeException());
                            return;
                        }
                        out.onNext(CheckResponse.newBuilder().setStatus(com.google.rpc.Status.newBuilder()
                                .setCode(Code.OK_VALUE)).build());
                        out.onCompleted();
                    }
                })
                .addService(new ExternalProcessorGrpc.ExternalProcessorImplBase() {
                    @Override
                    public StreamObserver<ProcessingRequest> process(StreamObserver<ProcessingResponse> out) {
                        return new StreamObserver<>() {
                            @Override
                            public void onNext(ProcessingRequest r) {
                                Status s = failure(ExtProcE2ETest.header(r.getRequestHeaders(), ":path").substring(1));
                                if (s != null) {
                                    out.onError(s.asRuntimeException());
                                    return;
                                }
                                out.onNext(ProcessingResponse.newBuilder()
                                        .setRequestHeaders(HeadersResponse.getDefaultInstance()).build());
                            }

                            @Override
                            public void onError(Throwable t) {
                            }

                            @Override
                            public void onCompleted() {
                                out.onCompleted();
                            }
                        };
                    }
                })
                .addService(new LogsServiceGrpc.LogsServiceImplBase() {
                    @Override
                    public void export(ExportLogsServiceRequest request,
                                       StreamObserver<ExportLogsServiceResponse> out) {
                        Status s = failure(request.getResourceLogs(0).getScopeLogs(0).getLogRecords(0).getBody()
                                .getStringValue().substring(1));
                        if (s != null) {
                            out.onError(s.asRuntimeException());
                            return;
                        }
                        out.onNext(ExportLogsServiceResponse.getDefaultInstance());
                        out.onCompleted();
                    }
                })
                .addService(new RateLimitServiceGrpc.RateLimitServiceImplBase() {
                    @Override
                    public void shouldRateLimit(RateLimitRequest request, StreamObserver<RateLimitResponse> out) {
                        Status s = failure(request.getDescriptors(0).getEntries(0).getValue());
                        if (s != null) {
                            out.onError(s.asRuntimeException());
                            return;
                        }
                        out.onNext(RateLimitResponse.newBuilder().setOverallCode(RateLimitResponse.Code.OK).build());
                        out.onCompleted();
                    }
                }).build().start();
        int admin = ProxyProcess.freePort();
        for (String name : List.of("authz_retry", "authz_once", "authz_plain", "authz_dead", "rls_retry", "rls_plain",
                "proc_retry", "proc_plain", "authz_pertry", "log_retry", "log_plain")) {
            PORTS.put(name, ProxyProcess.freePort());
        }
        String listeners = String.join("\n",
                Bootstraps.httpListenerWithFilters("authz_retry", authz("service", POLICY), ROUTES),
                Bootstraps.httpListenerWithFilters("authz_once", authz("service",
                        "retry_policy: { retry_on: unavailable,"
                                + " retry_back_off: { base_interval: 0.01s, max_interval: 5s } }"), ROUTES),
                Bootstraps.httpListenerWithFilters("authz_plain", authz("service", ""), ROUTES),
                Bootstraps.httpListenerWithFilters("authz_dead", authz("dead",
                        "retry_policy: { retry_on: connect-failure, num_retries: 2,"
                                + " retry_back_off: { base_interval: 0.01s, max_interval: 5s } }"), ROUTES),
                Bootstraps.httpListenerWithFilters("rls_retry", rateLimit(POLICY), ROUTES),
                Bootstraps.httpListenerWithFilters("rls_plain", rateLimit(""), ROUTES),
                Bootstraps.httpListenerWithFilters("proc_retry", extProc(POLICY), ROUTES),
                Bootstraps.httpListenerWithFilters("proc_plain", extProc(""), ROUTES),
                Bootstraps.httpListenerWithFilters("authz_pertry", authz("service", "retry_policy: { retry_on: reset,"
                        + " retry_back_off: { base_interval: 0.01s, max_interval: 1s } }"), ROUTES),
                Bootstraps.httpListenerWithFilters("log_retry", "", otelLog(POLICY), "", Bootstraps.catchAll(ROUTES)),
                Bootstraps.httpListenerWithFilters("log_plain", "", otelLog(""), "", Bootstraps.catchAll(ROUTES)));
        String clusters = Bootstraps.cluster("backend", false, null, backend.port()) + "\n"
                + Bootstraps.cluster("service", true, null, service.getPort()) + "\n"
                + Bootstraps.cluster("dead", true, null, ProxyProcess.freePort());
        String yaml = Bootstraps.listeners(admin, listeners, clusters, PORTS);
        proxy = ProxyProcess.start(yaml, admin, List.of("-Xmx256m", "-XX:TieredStopAtLevel=1"));
    }

    @AfterAll
    static void stop() throws Exception {
        if (proxy != null) {
            proxy.close();
        }
        if (service != null) {
            service.shutdownNow();
        }
        if (backend != null) {
            backend.close();
        }
    }

    static int status(String listener, String path, String key) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + PORTS.get(listener) + path))
                .timeout(Duration.ofSeconds(10));
        if (key != null) {
            b.header("x-key", key);
        }
        return HttpClient.newHttpClient().send(b.build(), HttpResponse.BodyHandlers.ofString()).statusCode();
    }

    static int calls(String key) {
        AtomicInteger n = CALLS.get(key);
        return n == null ? 0 : n.get();
    }

    @Test
    void theCheckPassesOnceTheRetriesGetThrough() throws Exception {
        assertEquals(200, status("authz_retry", "/2-UNAVAILABLE-pass", null));
        assertEquals(3, calls("2-UNAVAILABLE-pass"), "two failed tries, then the answer");
        assertEquals(200, status("authz_retry", "/1-CANCELLED-pass", null), "cancelled is in retry_on too");
        assertEquals(2, calls("1-CANCELLED-pass"));
    }

    @Test
    void withoutThePolicyTheFirstFailureIsTheFilterError() throws Exception {
        assertEquals(403, status("authz_plain", "/1-UNAVAILABLE-plain", null), "ext_authz's error status");
        assertEquals(1, calls("1-UNAVAILABLE-plain"));
    }

    @Test
    void retriesStopAtNumRetries() throws Exception {
        assertEquals(403, status("authz_retry", "/9-UNAVAILABLE-exhaust", null));
        assertEquals(4, calls("9-UNAVAILABLE-exhaust"), "the try and num_retries 3 retries");
        assertEquals(403, status("authz_once", "/9-UNAVAILABLE-once", null));
        assertEquals(2, calls("9-UNAVAILABLE-once"), "num_retries defaults to 1");
    }

    @Test
    void aStatusRetryOnDoesNotNameIsNotRetried() throws Exception {
        assertEquals(403, status("authz_retry", "/1-INTERNAL-other", null));
        assertEquals(1, calls("1-INTERNAL-other"));
    }

    @Test
    void connectFailuresAreRetriedByConnectFailure() throws Exception {
        assertEquals(403, status("authz_dead", "/x", null));
        assertEquals(2.0, proxy.stat("cluster.dead.upstream_rq_retry"), "num_retries 2, every try refused");
        assertEquals(3.0, proxy.stat("cluster.dead.upstream_cx_connect_fail"));
    }

    @Test
    void rateLimitCallsAreRetriedToo() throws Exception {
        assertEquals(200, status("rls_retry", "/r", "2-UNAVAILABLE-rls"));
        assertEquals(3, calls("2-UNAVAILABLE-rls"));
        assertEquals(500, status("rls_plain", "/r", "1-UNAVAILABLE-rlsplain"), "failure_mode_deny without retries");
        assertEquals(1, calls("1-UNAVAILABLE-rlsplain"));
    }

    @Test
    void extProcStreamsAreOpenedAgainBeforeTheirAnswerStarts() throws Exception {
        assertEquals(200, status("proc_retry", "/2-UNAVAILABLE-proc", null));
        assertEquals(3, calls("2-UNAVAILABLE-proc"), "two streams failed trailers-only, the third was answered");
        assertEquals(500, status("proc_plain", "/1-UNAVAILABLE-procplain", null), "ext_proc fails closed");
        assertEquals(1, calls("1-UNAVAILABLE-procplain"));
        assertEquals(500, status("proc_retry", "/1-INTERNAL-procother", null));
        assertEquals(1, calls("1-INTERNAL-procother"), "internal is not in retry_on");
    }

    @Test
    void aTryOverThePerTryTimeoutIsRetriedByReset() throws Exception {
        // max_interval 1 s is the per-try timeout; a timed-out try counts as a reset, which retry_on names.
        assertEquals(200, status("authz_pertry", "/1-SLOW-pertry", null));
        assertEquals(2, calls("1-SLOW-pertry"));
        // Without a per-try timeout below the call's 5 s, the slow answer is waited for.
        assertEquals(200, status("authz_retry", "/1-SLOW-nopertry", null));
        assertEquals(1, calls("1-SLOW-nopertry"));
    }

    /** Waits up to 10 s for the key's calls to reach {@code n}, then for a further moment in which none may come. */
    static int callsReaching(String key, int n) throws InterruptedException {
        long deadline = System.currentTimeMillis() + 10_000;
        while (calls(key) < n && System.currentTimeMillis() < deadline) {
            Thread.sleep(50);
        }
        Thread.sleep(500);
        return calls(key);
    }

    @Test
    void openTelemetryLogExportsAreRetriedByGrpcStatus() throws Exception {
        assertEquals(200, status("log_retry", "/2-UNAVAILABLE-log", null));
        assertEquals(3, callsReaching("2-UNAVAILABLE-log", 3), "the export, retried twice");
        assertEquals(1.0, proxy.stat("access_logs.open_telemetry_access_log.logs_written"));
        assertEquals(200, status("log_plain", "/1-UNAVAILABLE-logplain", null));
        assertEquals(1, callsReaching("1-UNAVAILABLE-logplain", 1), "without the policy, one export");
    }
}
