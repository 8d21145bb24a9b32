package io.remora.e2e;

import io.remora.testing.TempPaths;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

/**
 * Which of a route's timeouts the router enforces, as Envoy's finalTimeout decides: none of the
 * route's own under max_stream_duration (the connection manager bounds the stream instead), and
 * the retry policy's per-try timeouts whether or not the policy names a retry condition.
 */
class RouterTimeoutE2ETest {

    @RegisterExtension
    static final E2EStack stack = new E2EStack();
    static Path log;
    static TestUpstream up;
    static ProxyProcess proxy;

    /** Answers a path containing "slow" after 0.6 s, anything else at once. */
    @BeforeAll
    static void start() throws Exception {
        log = TempPaths.file("access", ".log");
        up = stack.upstream((ctx, req, n) -> {
            if (req.uri().startsWith("/backoff/")) {
                TestUpstream.send(ctx, req, 503, "busy");
                return;
            }
            if (!req.uri().contains("slow")) {
                TestUpstream.send(ctx, req, 200, "fast");
                return;
            }
            req.retain();
            ctx.executor().schedule(() -> {
                TestUpstream.send(ctx, req, 200, "late");
                req.release();
            }, 600, TimeUnit.MILLISECONDS);
        });
        String routes = """
                - match: { prefix: "/msd/" }
                  route: { cluster: up, timeout: 0.2s, max_stream_duration: { max_stream_duration: 5s } }
                - match: { prefix: "/pertry/" }
                  route: { cluster: up, retry_policy: { per_try_timeout: 0.2s } }
                - match: { prefix: "/pertryidle/" }
                  route: { cluster: up, retry_policy: { per_try_idle_timeout: 0.2s } }
                - match: { prefix: "/backoff/" }
                  route:
                    cluster: backoff
                    timeout: 0.3s
                    retry_policy: { retry_on: 5xx, retry_back_off: { base_interval: 1000s } }
                """;
        proxy = stack.start(Bootstraps.logFormat(stack.http(log.toString(), routes,
                        Bootstraps.cluster("up", false, null, up.port())
                                + Bootstraps.cluster("backoff", false, null, up.port())), log,
                "%REQ(:PATH)% %RESPONSE_CODE% %RESPONSE_FLAGS% %RESPONSE_CODE_DETAILS%"));
    }

    private static HttpResponse<String> get(String path) throws Exception {
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(stack.url(path)))
                .timeout(java.time.Duration.ofSeconds(20)).build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void aRouteWithMaxStreamDurationHasNoRouterTimeout() throws Exception {
        HttpResponse<String> r = get("/msd/slow");
        assertEquals(200, r.statusCode(), "the route's 0.2 s timeout is not the router's: " + r.body());
        assertEquals("late", r.body());
        assertNull(up.lastHeaders.get("x-envoy-expected-rq-timeout-ms"), "no router timeout to tell the upstream");
    }

    @Test
    void perTryTimeoutAppliesWithoutRetryConditions() throws Exception {
        HttpResponse<String> r = get("/pertry/slow");
        assertEquals(504, r.statusCode());
        assertEquals("upstream request timeout", r.body());
        assertEquals("/pertry/slow 504 UT upstream_per_try_timeout", HttpProxyE2ETest.awaitLogLine(log, "/pertry/slow"));
        assertEquals("200", up.lastHeaders.get("x-envoy-expected-rq-timeout-ms"), "the per-try timeout is the tighter");
    }

    @Test
    void perTryIdleTimeoutAppliesWithoutRetryConditions() throws Exception {
        HttpResponse<String> r = get("/pertryidle/slow");
        assertEquals(504, r.statusCode());
        assertEquals("/pertryidle/slow 504 UT upstream_per_try_idle_timeout",
                HttpProxyE2ETest.awaitLogLine(log, "/pertryidle/slow"));
    }

    @Test
    void aRouteTimeoutDuringTheBackOffCountsNoTryTimeout() throws Exception {
        // The 503 is retried after a back-off up to 1000 s: the route's 0.3 s timeout comes first.
        HttpResponse<String> r = get("/backoff/x");
        assertEquals(504, r.statusCode());
        assertEquals("upstream request timeout", r.body());
        assertEquals("/backoff/x 504 UT upstream_response_timeout", HttpProxyE2ETest.awaitLogLine(log, "/backoff/x"));
        // As Envoy's onResponseTimeout, which counts and charges the tries still out: there is none.
        assertEquals(0.0, proxy.stat("cluster.backoff.upstream_rq_timeout"));
        assertEquals(0.0, proxy.stat("cluster.backoff.upstream_rq_504"));
        // The retried 503 counts under retry. only: onUpstreamHeaders returns before chargeUpstreamCode.
        assertEquals(0.0, proxy.stat("cluster.backoff.upstream_rq_503"));
        assertEquals(1.0, proxy.stat("cluster.backoff.retry.upstream_rq_503"));
    }
}
