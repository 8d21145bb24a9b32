package io.remora.e2e;

import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.FullHttpRequest;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Envoy's hedge_on_per_try_timeout over real sockets: a try whose per-try timeout fires keeps
 * running beside its retry, and the first response headers of any try win.
 */
class HedgeE2ETest {

    @RegisterExtension
    static final E2EStack stack = new E2EStack();
    static ProxyProcess proxy;
    /** Each test's listener port, by the name of its listener and cluster. */
    static final Map<String, Integer> ports = new HashMap<>();
    /** Each test's upstream, by the same name. */
    static final Map<String, TestUpstream> ups = new HashMap<>();

    /**
     * One proxy for the class, a listener, cluster and upstream per test: each test's tries and
     * cluster stats are its own. It drains for a second at the end: a test's slow tries need not
     * hold up its close.
     */
    @BeforeAll
    static void start() throws Exception {
        StringBuilder listeners = new StringBuilder();
        StringBuilder clusters = new StringBuilder();
        listeners.append(hedged("overtaken", upstream(1500, 0), Bootstraps.catchAll(route("overtaken", HEDGE))));
        // The virtual host's hedge policy applies to a route without one.
        listeners.append(hedged("firstwins", upstream(400, 3000), "- name: all\n  domains: [\"*\"]\n  " + HEDGE
                + "\n  routes:\n" + Bootstraps.indent(route("firstwins", ""), 2)));
        // The first try would answer at 0.4 s, as above, but it is reset at 0.2 s.
        listeners.append(hedged("unhedged", upstream(400, 0), Bootstraps.catchAll(route("unhedged", ""))));
        // The retry answers 503 at once with no retries left; the first try's later 200 is better.
        listeners.append(hedged("retriable", stack.upstream((ctx, req, n) -> {
            if (n == 1) {
                later(ctx, req, 600, 200, "first");
            } else {
                TestUpstream.send(ctx, req, 503, "busy");
            }
        }), Bootstraps.catchAll(route("retriable", HEDGE))));
        listeners.append(hedged("bounded", upstream(5000, 5000), Bootstraps.catchAll(route("bounded", HEDGE + "\ntimeout: 1s"))));
        // A retry state without a condition (Envoy makes one whenever x-envoy-retry-on is present):
        // it retries nothing, but a hedged per-try timeout starts a try from it.
        listeners.append(hedged("unknowntoken", upstream(1500, 0), Bootstraps.catchAll(
                policyRoute("unknowntoken", "num_retries: 1, per_try_timeout: 0.2s") + "\n    " + HEDGE)));
        // retriable_request_headers not matched: Envoy's state stays, with no condition.
        listeners.append(hedged("unmatched", upstream(1500, 0), Bootstraps.catchAll(policyRoute("unmatched",
                "retry_on: 5xx, num_retries: 1, per_try_timeout: 0.2s,"
                        + " retriable_request_headers: [{ name: x-retry-me, present_match: true }]") + "\n    " + HEDGE)));
        // The route hedges, the request says it must not, and there is no retry state.
        listeners.append(hedged("hedgeoff", upstream(1500, 0), Bootstraps.catchAll(
                policyRoute("hedgeoff", "per_try_timeout: 0.2s") + "\n    " + HEDGE)));
        for (Map.Entry<String, TestUpstream> up : ups.entrySet()) {
            clusters.append(Bootstraps.cluster(up.getKey(), false, null, up.getValue().port())).append('\n');
        }
        proxy = stack.start(Bootstraps.listeners(stack.adminPort, listeners.toString(), clusters.toString(), ports),
                List.of("-Xmx256m"), "--drain-time-s", "1");
    }

    /** A listener NAME on a port of its own with these virtual hosts, to cluster NAME of {@code up}. */
    private static String hedged(String name, TestUpstream up, String virtualHosts) {
        ports.put(name, ProxyProcess.freePort());
        ups.put(name, up);
        return Bootstraps.httpListenerWithHosts(name, "", "internal_address_config: {}", virtualHosts);
    }

    /** Answers try {@code n} after {@code delaysMillis[n - 1]} with "try n" and the request body. */
    private static TestUpstream upstream(long... delaysMillis) throws InterruptedException {
        return stack.upstream((ctx, req, n) -> {
            long delay = n <= delaysMillis.length ? delaysMillis[n - 1] : 0;
            String body = "try " + n + ":" + req.content().toString(StandardCharsets.UTF_8);
            if (delay == 0) {
                TestUpstream.send(ctx, req, 200, body);
            } else {
                later(ctx, req, delay, 200, body);
            }
        });
    }

    private static void later(ChannelHandlerContext ctx, FullHttpRequest req, long millis, int status, String body) {
        req.retain();
        ctx.executor().schedule(() -> {
            try {
                TestUpstream.send(ctx, req, status, body);
            } finally {
                req.release();
            }
        }, millis, TimeUnit.MILLISECONDS);
    }

    private static String route(String cluster, String extra) {
        return """
                - match: { prefix: "/" }
                  route:
                    cluster: %s
                    retry_policy: { retry_on: 5xx, num_retries: 1, per_try_timeout: 0.2s }
                %s""".formatted(cluster, Bootstraps.indent(extra, 4));
    }

    private static String policyRoute(String cluster, String policy) {
        return """
                - match: { prefix: "/" }
                  route:
                    cluster: %s
                    retry_policy: { %s }""".formatted(cluster, policy);
    }

    private static final String HEDGE = "hedge_policy: { hedge_on_per_try_timeout: true }";

    private static HttpResponse<String> post(String test, String body, String... headers) throws Exception {
        return post(test, HttpRequest.BodyPublishers.ofString(body), HttpClient.Version.HTTP_2, headers);
    }

    /** As above, the body chunked (no content-length): a try sent without it is a complete empty request. */
    private static HttpResponse<String> postChunked(String test, String body, String... headers) throws Exception {
        return post(test, HttpRequest.BodyPublishers.fromPublisher(HttpRequest.BodyPublishers.ofString(body)),
                HttpClient.Version.HTTP_1_1, headers);
    }

    private static HttpResponse<String> post(String test, HttpRequest.BodyPublisher body, HttpClient.Version version,
                                             String... headers) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + ports.get(test) + "/h"))
                .timeout(java.time.Duration.ofSeconds(20)).version(version).POST(body);
        if (headers.length > 0) {
            // An internal client (RFC 1918 x-forwarded-for), whose x-envoy-* headers the connection
            // manager keeps for the router, as in Envoy's integration tests.
            b.header("x-forwarded-for", "10.0.0.1").headers(headers);
        }
        return HttpClient.newHttpClient().send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static double metric(String cluster, String name) throws Exception {
        return proxy.metric("envoy_cluster_" + name + "{envoy_cluster_name=\"" + cluster + "\"}");
    }

    @Test
    void aSlowFirstTryIsOvertakenByTheHedgedRetry() throws Exception {
        long start = System.nanoTime();
        HttpResponse<String> r = post("overtaken", "payload");
        long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        assertEquals(200, r.statusCode());
        assertEquals("try 2:payload", r.body(), "the retry's answer, with the body replayed");
        assertTrue(millis < 1200, "answered before the first try would have: " + millis + " ms");
        assertEquals(2, ups.get("overtaken").requests.get());
        assertEquals(1.0, metric("overtaken", "upstream_rq_retry"));
        // As Envoy: the per-try timeout of a hedged try is not counted (nothing was reset)...
        assertEquals(0.0, metric("overtaken", "upstream_rq_per_try_timeout"));
        // ...but the losing first try is reset once the second's headers win.
        assertEquals(1.0, metric("overtaken", "upstream_rq_tx_reset"));
    }

    @Test
    void theFirstTryStillWinsWhenItAnswersFirst() throws Exception {
        long start = System.nanoTime();
        HttpResponse<String> r = post("firstwins", "x");
        long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        assertEquals(200, r.statusCode());
        assertEquals("try 1:x", r.body(), "the slow try was not reset at its per-try timeout");
        assertTrue(millis < 2000, millis + " ms");
        assertEquals(2, ups.get("firstwins").requests.get(), "the hedged retry was sent");
        assertEquals(1.0, metric("firstwins", "upstream_rq_tx_reset"), "the retry lost and was reset");
    }

    @Test
    void withoutHedgingTheFirstTryIsResetAtItsPerTryTimeout() throws Exception {
        HttpResponse<String> r = post("unhedged", "x");
        assertEquals(200, r.statusCode());
        assertEquals("try 2:x", r.body());
        assertEquals(1.0, metric("unhedged", "upstream_rq_per_try_timeout"));
        assertEquals(1.0, metric("unhedged", "upstream_rq_tx_reset"));
    }

    @Test
    void aRetriableAnswerWaitsForTheTryStillRunning() throws Exception {
        HttpResponse<String> r = post("retriable", "x");
        assertEquals(200, r.statusCode());
        assertEquals("first", r.body());
        assertEquals(2, ups.get("retriable").requests.get());
    }

    @Test
    void theRouteTimeoutStillBoundsEveryTry() throws Exception {
        long start = System.nanoTime();
        HttpResponse<String> r = post("bounded", "x");
        long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        assertEquals(504, r.statusCode());
        assertTrue(millis >= 900 && millis < 3000, millis + " ms");
        assertEquals(2, ups.get("bounded").requests.get());
        assertEquals(2.0, metric("bounded", "upstream_rq_timeout"), "as Envoy: one per outstanding try");
    }

    /**
     * Envoy's RetryStateImpl::create: x-envoy-retry-on makes a state even when it names nothing Envoy
     * knows. Such a state buffers no body (Envoy's decodeData: retry_state_->enabled() is false), so
     * the hedged try goes without it (doRetry sends what decodingBuffer() holds: nothing).
     */
    @Test
    void aRetryOnHeaderOfUnknownTokensStillLetsTheTryHedge() throws Exception {
        long start = System.nanoTime();
        HttpResponse<String> r = postChunked("unknowntoken", "payload", "x-envoy-retry-on", "no-such-condition");
        long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        assertEquals(200, r.statusCode());
        assertEquals("try 2:", r.body(), "the hedged try's answer, to a request without the body");
        assertTrue(millis < 1200, millis + " ms");
        assertEquals(1.0, metric("unknowntoken", "upstream_rq_retry"));
    }

    /**
     * Envoy's RetryStateImpl: retriable_request_headers not matched leave a state with retry_on_ 0,
     * which hedges, its body not buffered: the hedged try goes without it.
     */
    @Test
    void anUnmatchedRetriableRequestHeaderStillLetsTheTryHedge() throws Exception {
        long start = System.nanoTime();
        HttpResponse<String> r = postChunked("unmatched", "payload");
        long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        assertEquals(200, r.statusCode());
        assertEquals("try 2:", r.body());
        assertTrue(millis < 1200, millis + " ms");
        assertEquals(1.0, metric("unmatched", "upstream_rq_retry"));
    }

    /**
     * Envoy's finalHedgingParams: the request's "false" turns the route's hedging off, retry state
     * or not, so the per-try timeout resets the try and, with nothing to retry, answers 504.
     */
    @Test
    void theRequestTurnsTheRoutesHedgingOffWithoutARetryState() throws Exception {
        long start = System.nanoTime();
        HttpResponse<String> r = post("hedgeoff", "x", "x-envoy-hedge-on-per-try-timeout", "false");
        long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        assertEquals(504, r.statusCode());
        assertTrue(millis < 1200, "the per-try timeout answered: " + millis + " ms");
        assertEquals(1.0, metric("hedgeoff", "upstream_rq_per_try_timeout"));
        assertEquals(1.0, metric("hedgeoff", "upstream_rq_tx_reset"), "the try was reset, not left running");
        assertEquals(0.0, metric("hedgeoff", "upstream_rq_retry"));
    }
}
