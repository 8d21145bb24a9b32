package io.remora.e2e;

import io.remora.testing.TempPaths;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The router's own options with curl and a real upstream: {@code upstream_log} (a line per try
 * when it ends, and when its stream is ready with {@code flush_upstream_log_on_upstream_stream}),
 * {@code strict_check_headers}, {@code respect_expected_rq_timeout}, {@code dynamic_stats} and
 * {@code suppress_grpc_request_failure_code_stats}. Requests carry x-forwarded-for 10.0.0.1 so the
 * connection manager trusts them as internal and keeps their x-envoy-* headers, as Envoy does.
 */
class RouterOptionsE2ETest {

    @RegisterExtension
    static final E2EStack stack = new E2EStack();
    static TestUpstream upstream;
    static ProxyProcess proxy;
    static Path tries;
    static final Map<String, Integer> PORTS = new HashMap<>();
    static final String INTERNAL = "x-forwarded-for: 10.0.0.1";
    static final String ROUTER = "{ \"@type\": type.googleapis.com/envoy.extensions.filters.http.router.v3.Router }";

    /** An HTTP listener named {@code name} whose router has these extra fields (YAML flow, without braces). */
    static String listener(String name, String routerFields, String routes) {
        return Bootstraps.httpListener(name, "", "internal_address_config: {}", routes).replace(ROUTER,
                "{ \"@type\": type.googleapis.com/envoy.extensions.filters.http.router.v3.Router, " + routerFields + " }");
    }

    @BeforeAll
    static void start() throws Exception {
        upstream = stack.upstream((ctx, req, n) -> {
            if (req.uri().startsWith("/fail")) {
                TestUpstream.send(ctx, req, 503, "down");
            } else if (req.uri().startsWith("/slow")) {
                req.retain();
                ctx.executor().schedule(() -> {
                    TestUpstream.send(ctx, req, 200, "slow");
                    req.release();
                }, 1200, TimeUnit.MILLISECONDS);
            } else {
                TestUpstream.send(ctx, req, 200, "hello");
            }
        });
        tries = TempPaths.file("tries", ".log");
        for (String p : List.of("logged", "strict", "respect", "plain", "quiet", "grpc")) {
            PORTS.put(p, ProxyProcess.freePort());
        }
        int closed = ProxyProcess.freePort();
        String log = "upstream_log: [{ name: envoy.access_loggers.file, typed_config: {"
                + " \"@type\": type.googleapis.com/envoy.extensions.access_loggers.file.v3.FileAccessLog,"
                + " path: " + tries + ", log_format: { text_format_source: { inline_string:"
                + " \"%ACCESS_LOG_TYPE% %RESPONSE_CODE% %UPSTREAM_CLUSTER% %BYTES_SENT% %BYTES_RECEIVED%"
                + " %RESPONSE_FLAGS% %REQ(:PATH)%\\n\" } } } }],"
                + " upstream_log_options: { flush_upstream_log_on_upstream_stream: true }";
        String listeners = listener("logged", log, """
                - match: { prefix: "/dead" }
                  route: { cluster: dead }
                - match: { prefix: "/" }
                  route: { cluster: web, retry_policy: { retry_on: 5xx, num_retries: 1 } }
                """)
                + listener("strict", "strict_check_headers: [x-envoy-max-retries, x-envoy-retry-on,"
                        + " x-envoy-upstream-rq-timeout-ms]", "- match: { prefix: \"/\" }\n  route: { cluster: web }\n")
                + listener("respect", "respect_expected_rq_timeout: true",
                        "- match: { prefix: \"/\" }\n  route: { cluster: web }\n")
                + listener("plain", "suppress_envoy_headers: false",
                        "- match: { prefix: \"/\" }\n  route: { cluster: web }\n")
                + listener("quiet", "dynamic_stats: false", "- match: { prefix: \"/\" }\n  route: { cluster: quiet }\n")
                + listener("grpc", "suppress_grpc_request_failure_code_stats: true",
                        "- match: { prefix: \"/\" }\n  route: { cluster: grpcq }\n");
        String clusters = Bootstraps.cluster("web", false, null, upstream.port())
                + Bootstraps.cluster("dead", false, null, closed)
                + Bootstraps.cluster("quiet", false, null, upstream.port())
                + Bootstraps.cluster("grpcq", false, null, upstream.port());
        proxy = stack.start(Bootstraps.listeners(stack.adminPort, listeners, clusters, PORTS), List.of());
    }

    @Test
    void everyTryIsLoggedWithItsOwnResponseAndBytes() throws Exception {
        Curl r = Curl.run("-d", "12345", "http://127.0.0.1:" + PORTS.get("logged") + "/fail");
        assertEquals(503, r.status());
        List<String> lines = LogFiles.await(tries, l -> l.stream().filter(x -> x.endsWith("/fail")
                && x.startsWith("UpstreamEnd")).count() == 2);
        List<String> fail = lines.stream().filter(x -> x.endsWith("/fail")).toList();
        // Two tries (the retry too), each logged when its stream is ready and when it ends: the 5
        // body bytes went up each time; the first try was reset once its 503 was to be retried, the
        // second's "down" (4 bytes) came back.
        assertEquals(List.of("UpstreamPoolReady 0 web 0 0 - /fail", "UpstreamEnd 503 web 5 0 - /fail",
                "UpstreamPoolReady 0 web 0 0 - /fail", "UpstreamEnd 503 web 5 4 - /fail"), fail);
    }

    @Test
    void aTryThatCannotConnectIsLoggedWithItsFlag() throws Exception {
        Curl r = Curl.get(PORTS.get("logged"), "/dead");
        assertEquals(503, r.status());
        List<String> lines = LogFiles.await(tries, l -> l.stream().anyMatch(x -> x.endsWith("/dead")));
        assertEquals(List.of("UpstreamEnd 0 dead 0 0 UF /dead"),
                lines.stream().filter(x -> x.endsWith("/dead")).toList(), "no stream was ever ready");
    }

    @Test
    void strictlyCheckedHeadersMustParse() throws Exception {
        int port = PORTS.get("strict");
        assertEquals(200, Curl.get(port, "/", INTERNAL, "x-envoy-max-retries: 3", "x-envoy-retry-on: 5xx, reset").status());
        Curl bad = Curl.get(port, "/", INTERNAL, "x-envoy-max-retries: three");
        assertEquals(400, bad.status());
        assertEquals("invalid header 'x-envoy-max-retries' with value 'three'", bad.text());
        Curl grpcToken = Curl.get(port, "/", INTERNAL, "x-envoy-retry-on: 5xx,cancelled");
        assertEquals(400, grpcToken.status(), "a gRPC condition belongs in x-envoy-retry-grpc-on");
        assertEquals(400, Curl.get(port, "/", INTERNAL, "x-envoy-upstream-rq-timeout-ms: -5").status());
        // Not named: not checked.
        assertEquals(200, Curl.get(port, "/", INTERNAL, "x-envoy-upstream-rq-per-try-timeout-ms: soon").status());
        // Without the trust that keeps x-envoy-* headers, they are gone before the router sees them.
        assertEquals(200, Curl.get(port, "/", "x-envoy-max-retries: three").status());
    }

    @Test
    void theEgressDeadlineIsTheRouteTimeoutWhenRespected() throws Exception {
        Curl cut = Curl.get(PORTS.get("respect"), "/slow", INTERNAL, "x-envoy-expected-rq-timeout-ms: 200");
        assertEquals(504, cut.status());
        Curl ignored = Curl.get(PORTS.get("plain"), "/slow", INTERNAL, "x-envoy-expected-rq-timeout-ms: 200");
        assertEquals(200, ignored.status(), "without the option the header is only rewritten");
    }

    @Test
    void dynamicStatsOffLeavesTheCodeCountersAlone() throws Exception {
        assertEquals(200, Curl.get(PORTS.get("quiet"), "/").status());
        assertEquals(200, Curl.get(PORTS.get("strict"), "/").status());
        assertTrue(proxy.stat("cluster.web.upstream_rq_completed") >= 1);
        assertTrue(proxy.stat("cluster.web.upstream_rq_200") >= 1);
        assertEquals(0, proxy.stat("cluster.quiet.upstream_rq_completed"));
        assertEquals(0, proxy.stat("cluster.quiet.upstream_rq_200"));
        assertEquals(1, proxy.stat("cluster.quiet.upstream_rq_total"), "the try itself is still counted");
    }

    @Test
    void grpcRequestsCountCompletedButNotTheirCodes() throws Exception {
        assertEquals(200, Curl.get(PORTS.get("grpc"), "/", "content-type: application/grpc").status());
        assertEquals(200, Curl.get(PORTS.get("grpc"), "/").status());
        assertEquals(2, proxy.stat("cluster.grpcq.upstream_rq_completed"));
        assertEquals(1, proxy.stat("cluster.grpcq.upstream_rq_200"), "only the plain request's code");
    }
}
