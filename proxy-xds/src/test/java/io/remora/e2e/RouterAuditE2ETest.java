package io.remora.e2e;

import io.remora.testing.HttpHeads;
import io.remora.testing.TempPaths;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Router cases pinned by Envoy's integration tests (protocol_integration_test.cc,
 * http_timeout_integration_test.cc, redirect_integration_test.cc), observed on one real proxy
 * with real upstreams: what reaches the upstream, what the client gets, the access log and stats.
 */
class RouterAuditE2ETest {

    private static final ScheduledExecutorService LATER = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "router-audit-later");
        t.setDaemon(true);
        return t;
    });

    /** Request headers each upstream request carried, by the request's path and attempt (path#n). */
    private static final Map<String, Map<String, String>> SEEN = new ConcurrentHashMap<>();
    private static TestUpstream up;
    /** Answers 503 as soon as a request's head arrives, without reading its body. */
    private static ServerSocket early;
    private static ProxyProcess proxy;
    private static Path log;
    private static int port;

    @BeforeAll
    static void start() throws Exception {
        Map<String, java.util.concurrent.atomic.AtomicInteger> tries = new ConcurrentHashMap<>();
        up = TestUpstream.start((ctx, req, n) -> {
            String path = req.uri();
            int attempt = tries.computeIfAbsent(path, k -> new java.util.concurrent.atomic.AtomicInteger()).incrementAndGet();
            Map<String, String> h = new java.util.HashMap<>();
            req.headers().forEach(e -> h.put(e.getKey().toLowerCase(java.util.Locale.ROOT), e.getValue()));
            SEEN.put(path + "#" + attempt, h);
            if (path.startsWith("/expected") && attempt == 1) {
                // The first try fails late: the retry's deadline is what is left of the route's.
                req.retain();
                LATER.schedule(() -> {
                    TestUpstream.send(ctx, req, 503, "late");
                    req.release();
                }, 600, TimeUnit.MILLISECONDS);
                return;
            }
            if (path.startsWith("/timeout") || path.startsWith("/idle") || path.startsWith("/slow")) {
                return; // never answered
            }
            if (path.startsWith("/succ")) {
                TestUpstream.send(ctx, req, attempt == 1 ? 503 : 500, "try " + attempt);
                return;
            }
            if (path.startsWith("/breaker")) {
                TestUpstream.send(ctx, req, 503, "busy");
                return;
            }
            if (path.startsWith("/ratelimited")) {
                TestUpstream.send(ctx, req, 503, "limited", Map.of("x-envoy-ratelimited", "true"));
                return;
            }
            TestUpstream.send(ctx, req, path.startsWith("/consume") && attempt == 1 ? 503 : 200, "ok");
        });
        early = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        io.remora.testing.SocketServers.acceptEach(early, "early-503", s -> {
            try (s) {
                HttpHeads.read(s.getInputStream());
                s.getOutputStream().write("HTTP/1.1 503 Service Unavailable\r\ncontent-length: 0\r\nconnection: close\r\n\r\n"
                        .getBytes(StandardCharsets.ISO_8859_1));
                s.getOutputStream().flush();
                Thread.sleep(200);
            } catch (Exception ignored) {
                // the proxy went away first
            }
        });
        int admin = ProxyProcess.freePort();
        port = ProxyProcess.freePort();
        log = TempPaths.file("access", ".log");
        String routes = """
                - match: { prefix: "/direct" }
                  direct_response: { status: 302, body: { inline_string: "moved" } }
                - match: { prefix: "/created" }
                  direct_response: { status: 201 }
                - match: { prefix: "/plain" }
                  direct_response: { status: 200, body: { inline_string: "plain" } }
                - match: { prefix: "/expected" }
                  route:
                    cluster: up
                    timeout: 3s
                    retry_policy: { retry_on: 5xx, num_retries: 1 }
                - match: { prefix: "/overflow" }
                  per_request_buffer_limit_bytes: 1024
                  route:
                    cluster: early
                    retry_policy:
                      retry_on: 5xx
                      retry_back_off: { base_interval: 100000s, max_interval: 100000s }
                - match: { prefix: "/ratelimited" }
                  route:
                    cluster: up
                    retry_policy: { retry_on: 5xx, num_retries: 1 }
                - match: { prefix: "/succ" }
                  route:
                    cluster: succ
                    retry_policy: { retry_on: retriable-status-codes, retriable_status_codes: [503], num_retries: 2 }
                - match: { prefix: "/idle" }
                  route:
                    cluster: idle
                    retry_policy: { retry_on: retriable-4xx, per_try_idle_timeout: 0.2s }
                - match: { prefix: "/breaker" }
                  route:
                    cluster: breaker
                    retry_policy: { retry_on: 5xx, num_retries: 1 }
                - match: { prefix: "/timeout" }
                  route: { cluster: up, timeout: 0.3s }
                - match: { prefix: "/dead" }
                  route:
                    cluster: dead
                    retry_policy: { retry_on: connect-failure, num_retries: 1 }
                - match: { prefix: "/" }
                  route: { cluster: up }
                """;
        String clusters = Bootstraps.cluster("up", false, null, up.port())
                + Bootstraps.cluster("early", false, null, early.getLocalPort())
                + Bootstraps.cluster("dead", false, null, ProxyProcess.freePort())
                + Bootstraps.cluster("succ", false, null, up.port())
                + Bootstraps.cluster("idle", false, null, up.port())
                + Bootstraps.cluster("breaker", false, "  circuit_breakers: { thresholds: [{ max_retries: 0 }] }\n",
                        up.port());
        String yaml = Bootstraps.logFormat(Bootstraps.http(admin, port, log.toString(), routes, clusters), log,
                "%REQ(:PATH)% %RESPONSE_CODE% %RESPONSE_FLAGS% %RESPONSE_CODE_DETAILS%");
        int at = yaml.indexOf("domains: [\"*\"]");
        String indent = " ".repeat(at - yaml.lastIndexOf('\n', at) - 1);
        yaml = yaml.replace("domains: [\"*\"]\n", "domains: [\"*\"]\n" + indent + "include_attempt_count_in_response: true\n");
        // The tests' x-forwarded-for 10.0.0.1 makes a client internal, whose x-envoy-* headers stay.
        yaml = yaml.replace("stat_prefix: ingress\n", "stat_prefix: ingress\n" + indent.substring(4) + "internal_address_config: {}\n");
        proxy = ProxyProcess.start(yaml, admin);
    }

    @AfterAll
    static void stop() throws Exception {
        if (proxy != null) {
            proxy.close();
        }
        if (up != null) {
            up.close();
        }
        if (early != null) {
            early.close();
        }
    }

    private static HttpResponse<String> get(String path, String... headers) throws Exception {
        // As Envoy's integration tests: an internal client (RFC 1918 x-forwarded-for), whose
        // x-envoy-* request headers the connection manager keeps for the router.
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .timeout(java.time.Duration.ofSeconds(20)).header("x-forwarded-for", "10.0.0.1");
        if (headers.length > 0) {
            b.headers(headers);
        }
        return HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER).build()
                .send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    /** protocol_integration_test's retries: Envoy consumes every retry header (RetryStateImpl::create). */
    @Test
    void retryHeadersAreConsumedNotForwarded() throws Exception {
        HttpResponse<String> r = get("/consume", "x-envoy-retry-on", "5xx", "x-envoy-retry-grpc-on", "cancelled",
                "x-envoy-max-retries", "2", "x-envoy-retriable-status-codes", "418",
                "x-envoy-retriable-header-names", "x-oops", "x-envoy-upstream-rq-per-try-timeout-ms", "1000");
        assertEquals(200, r.statusCode(), "x-envoy-retry-on retried the 503");
        for (String attempt : new String[] {"/consume#1", "/consume#2"}) {
            Map<String, String> seen = SEEN.get(attempt);
            for (String name : new String[] {"x-envoy-retry-on", "x-envoy-retry-grpc-on", "x-envoy-max-retries",
                    "x-envoy-retriable-status-codes", "x-envoy-retriable-header-names",
                    "x-envoy-upstream-rq-per-try-timeout-ms"}) {
                assertNull(seen.get(name), name + " reached the upstream: " + seen);
            }
        }
        assertEquals("1000", SEEN.get("/consume#1").get("x-envoy-expected-rq-timeout-ms"),
                "the per-try timeout is the upstream's deadline");
    }

    /**
     * Envoy's doRetry calls setTimeoutHeaders with the time elapsed since the request ended: a
     * retry's x-envoy-expected-rq-timeout-ms is what is left of the route timeout.
     */
    @Test
    void aRetryExpectsWhatIsLeftOfTheRouteTimeout() throws Exception {
        HttpResponse<String> r = get("/expected");
        assertEquals(200, r.statusCode());
        assertEquals("3000", SEEN.get("/expected#1").get("x-envoy-expected-rq-timeout-ms"));
        long second = Long.parseLong(SEEN.get("/expected#2").get("x-envoy-expected-rq-timeout-ms"));
        assertTrue(second > 0 && second <= 2400, "the retry's deadline is the route's less the 600 ms spent: " + second);
    }

    /**
     * protocol_integration_test RetryStreamingCancelDueToBufferOverflow: the first try failed, the
     * retry waits for its back-off with no try running, and the body outgrows the retry buffer: 507.
     */
    @Test
    void bodyOutgrowingTheRetryBufferDuringBackOffIs507() throws Exception {
        double abandoned = proxy.metric("envoy_cluster_retry_or_shadow_abandoned{envoy_cluster_name=\"early\"}");
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
            s.setSoTimeout(10_000);
            OutputStream out = s.getOutputStream();
            out.write(("POST /overflow HTTP/1.1\r\nhost: audit\r\nx-forwarded-for: 10.0.0.1\r\n"
                    + "transfer-encoding: chunked\r\n\r\n40\r\n"
                    + "a".repeat(64) + "\r\n").getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            // The upstream's 503 arrived and the retry waits for its back-off once it is counted.
            String retries = "envoy_cluster_upstream_rq_retry{envoy_cluster_name=\"early\"}";
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (proxy.metric(retries) < 1 && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            assertEquals(1.0, proxy.metric(retries));
            out.write(("800\r\n" + "b".repeat(2048) + "\r\n").getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            InputStream in = s.getInputStream();
            String head = HttpHeads.read(in);
            assertTrue(head.startsWith("HTTP/1.1 507"), head);
        }
        String line = HttpProxyE2ETest.awaitLogLine(log, "/overflow");
        assertTrue(line.contains("507 - request_payload_exceeded_retry_buffer_limit"), line);
        assertEquals(abandoned + 1,
                proxy.metric("envoy_cluster_retry_or_shadow_abandoned{envoy_cluster_name=\"early\"}"));
    }

    /**
     * Envoy's wouldRetryFromHeaders: a response carrying x-envoy-ratelimited (an upstream Envoy's
     * rate limit) is retried under envoy-ratelimited only, not as a 5xx.
     */
    @Test
    void anUpstreamEnvoysRateLimitIsNotRetriedAs5xx() throws Exception {
        HttpResponse<String> r = get("/ratelimited");
        assertEquals(503, r.statusCode());
        assertEquals("limited", r.body());
        assertTrue(SEEN.containsKey("/ratelimited#1"));
        Thread.sleep(200);
        assertNull(SEEN.get("/ratelimited#2"), "no retry");
        assertEquals("1", r.headers().firstValue("x-envoy-attempt-count").orElse(null));
    }

    /**
     * Envoy's onUpstreamAbort answers through modify_headers_: a timeout or a reset the router
     * answers itself carries x-envoy-attempt-count too when the virtual host asks for it.
     */
    @Test
    void localRepliesAfterATryCarryTheAttemptCount() throws Exception {
        HttpResponse<String> timeout = get("/timeout");
        assertEquals(504, timeout.statusCode());
        assertEquals("1", timeout.headers().firstValue("x-envoy-attempt-count").orElse(null));
        HttpResponse<String> dead = get("/dead");
        assertEquals(503, dead.statusCode());
        assertEquals("2", dead.headers().firstValue("x-envoy-attempt-count").orElse(null), "one try, one retry");
        // Envoy's onUpstreamReset: the body says a retry was made, and (1.39) not the transport
        // failure, which the details carry after the reason, without spaces.
        assertEquals("upstream connect error or disconnect/reset before headers. retried and the"
                + " latest reset reason: remote connection failure", dead.body());
        String line = HttpProxyE2ETest.awaitLogLine(log, "/dead");
        assertTrue(line.contains("URX"), line);
        String details = line.substring(line.indexOf("upstream_reset_before_response_started{"));
        assertTrue(details.startsWith("upstream_reset_before_response_started{remote_connection_failure|")
                && details.endsWith("}") && !details.contains(" "), line);
    }

    /**
     * Envoy's router (onUpstreamHeaders, maybeRetryReset): a retry the max_retries circuit breaker
     * turns away leaves the response as it came, flagged UO, and counts upstream_rq_retry_overflow.
     */
    @Test
    void aRetryTheBreakerTurnsAwayIsFlaggedUo() throws Exception {
        HttpResponse<String> r = get("/breaker");
        assertEquals(503, r.statusCode());
        assertEquals("busy", r.body());
        String line = HttpProxyE2ETest.awaitLogLine(log, "/breaker");
        assertTrue(line.contains("503 UO via_upstream"), line);
        assertEquals(1.0, proxy.metric("envoy_cluster_upstream_rq_retry_overflow{envoy_cluster_name=\"breaker\"}"));
    }

    /**
     * Envoy's RetryStateImpl::shouldRetry: a retry succeeded when the next try's outcome is not
     * retried, whatever its status (here a 500 the policy does not retry).
     */
    @Test
    void aRetryWhoseAnswerIsNotRetriedCountsAsASuccess() throws Exception {
        HttpResponse<String> r = get("/succ");
        assertEquals(500, r.statusCode());
        assertEquals("try 2", r.body());
        assertEquals(1.0, proxy.metric("envoy_cluster_upstream_rq_retry{envoy_cluster_name=\"succ\"}"));
        assertEquals(1.0, proxy.metric("envoy_cluster_upstream_rq_retry_success{envoy_cluster_name=\"succ\"}"));
    }

    /** Envoy's onPerTryIdleTimeout: 504 UT, its own details and its own counter, not the per-try timeout's. */
    @Test
    void aPerTryIdleTimeoutCountsAsItself() throws Exception {
        HttpResponse<String> r = get("/idle");
        assertEquals(504, r.statusCode());
        String line = HttpProxyE2ETest.awaitLogLine(log, "/idle");
        assertTrue(line.contains("504 UT upstream_per_try_idle_timeout"), line);
        assertEquals(1.0, proxy.metric("envoy_cluster_upstream_rq_per_try_idle_timeout{envoy_cluster_name=\"idle\"}"));
        assertEquals(0.0, proxy.metric("envoy_cluster_upstream_rq_per_try_timeout{envoy_cluster_name=\"idle\"}"));
    }

    /**
     * Envoy's router: x-envoy-upstream-stream-duration-ms is consumed and bounds each try's stream
     * as the cluster's max_stream_duration would (UpstreamRequest::onPoolReady).
     */
    @Test
    void theRequestsStreamDurationHeaderBoundsTheTry() throws Exception {
        HttpResponse<String> r = get("/slow", "x-envoy-upstream-stream-duration-ms", "300");
        assertEquals(504, r.statusCode());
        assertEquals("upstream max stream duration reached", r.body());
        String line = HttpProxyE2ETest.awaitLogLine(log, "/slow");
        assertTrue(line.contains("504 UMSDR upstream_max_stream_duration_reached"), line);
        assertNull(SEEN.get("/slow#1").get("x-envoy-upstream-stream-duration-ms"), "consumed");
    }

    /** Envoy's router: a direct response of 201 or 3xx carries the request's URL as its Location. */
    @Test
    void directResponseRedirectCarriesTheRequestUrl() throws Exception {
        HttpResponse<String> r = get("/direct/a?x=1");
        assertEquals(302, r.statusCode());
        assertEquals("moved", r.body());
        assertEquals("http://127.0.0.1:" + port + "/direct/a?x=1", r.headers().firstValue("location").orElse(null));
        HttpResponse<String> created = get("/created");
        assertEquals(201, created.statusCode());
        assertEquals("http://127.0.0.1:" + port + "/created", created.headers().firstValue("location").orElse(null));
        assertTrue(get("/plain").headers().firstValue("location").isEmpty(), "a 200 has no Location");
    }
}
