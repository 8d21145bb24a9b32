package io.remora.http.router;

import io.netty.handler.codec.http2.DefaultHttp2ResetFrame;
import io.netty.handler.codec.http2.Http2Error;
import io.remora.accesslog.ResponseFlag;
import io.remora.config.ClusterConfig;
import io.remora.config.ClusterConfig.UpstreamProtocol;
import io.remora.config.RetryPolicy;
import io.remora.config.RetryPolicy.RetryOn;
import io.remora.config.RouterFilterConfig;
import io.remora.http.testing.FixedCluster;
import io.remora.http.testing.H1Upstream;
import io.remora.http.testing.H2Upstream;
import io.remora.http.testing.LeakCheck;
import io.remora.http.testing.OneWorkerLoop;
import io.remora.http.testing.TestRoute;
import io.remora.http.testing.TestServerContext;
import io.remora.http.testing.TestStream;
import io.remora.server.Transport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.net.InetSocketAddress;
import java.util.List;

import static io.remora.http.testing.Conditions.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What counts as an attempt, and what a try's reset leaves for the next (Envoy's doRetry and
 * maybeRetryReset), against real upstream sockets.
 */
class RouterAttemptsTest {
    static {
        LeakCheck.install();
    }

    private static final Transport TRANSPORT = Transport.detect();
    private static final RouterFilterConfig CONFIG = new RouterFilterConfig(false);
    @RegisterExtension
    static final OneWorkerLoop WORKER = new OneWorkerLoop();
    private static int seq;

    private static FixedCluster cluster(TestServerContext ctx, String name, UpstreamProtocol protocol,
                                        ClusterConfig.CircuitBreakers cb, InetSocketAddress... hosts) {
        FixedCluster c = new FixedCluster(FixedCluster.config(name, protocol, cb, 0), ctx.stats, FixedCluster.hosts(hosts));
        ctx.add(c);
        return c;
    }

    @Test
    void resetBeforeRequestIsNotRetriedOnceAnEarlierTryHadSentItsRequest() throws Exception {
        // Round robin: the first try goes to the HTTP/2 upstream, which refuses the stream it was
        // sent; the retry (refused-stream) goes to a closed port, a reset before any request byte.
        try (H2Upstream up = new H2Upstream(TRANSPORT, 100, (ctx, h, body, tr, n) -> {
            if (n == 1) {
                ctx.writeAndFlush(new DefaultHttp2ResetFrame(Http2Error.REFUSED_STREAM));
            } else {
                H2Upstream.respond(ctx, 200, "third");
            }
        })) {
            String c = "rbr" + (++seq);
            TestServerContext ctx = new TestServerContext(TRANSPORT);
            cluster(ctx, c, UpstreamProtocol.HTTP2, ClusterConfig.CircuitBreakers.DEFAULT, up.address(),
                    new InetSocketAddress("127.0.0.1", RouterFilterTest.closedPort()));
            RetryPolicy rp = TestRoute.retry(3, null, RetryOn.RESET_BEFORE_REQUEST, RetryOn.REFUSED_STREAM);
            TestStream s = new TestStream(WORKER.loop(), ctx, new TestRoute(TestRoute.action(c, null, rp, null), false), "HTTP/1.1");
            s.start(new RouterFilter(CONFIG), TestStream.get("/"), true).await();
            // Envoy's upstream_request_started_ stays set once a reset try had sent its request.
            assertEquals(503, s.status(), "the connect failure is not retried under reset-before-request");
            assertTrue(s.info.hasFlag(ResponseFlag.UPSTREAM_CONNECTION_FAILURE));
            assertEquals(1, up.requests.get());
            assertEquals(1.0, ctx.stats.cluster(c).upstreamRqRetry.count());
            assertEquals(2, s.info.attemptCount);
        }
    }

    @Test
    void aRetryThatFindsNoHostCountsAsAnAttempt() throws Exception {
        FixedCluster[] target = new FixedCluster[1];
        try (H1Upstream up = new H1Upstream(TRANSPORT, (ctx, req, n) -> {
            // The endpoint leaves the cluster (an EDS update) before the retry picks a host.
            target[0].hosts(List.of());
            ctx.writeAndFlush(H1Upstream.text(503, "busy"));
        })) {
            String c = "nohost" + (++seq);
            TestServerContext ctx = new TestServerContext(TRANSPORT);
            target[0] = cluster(ctx, c, UpstreamProtocol.HTTP1, ClusterConfig.CircuitBreakers.DEFAULT, up.address());
            RetryPolicy rp = TestRoute.retry(2, null, RetryOn.FIVE_XX);
            TestStream s = new TestStream(WORKER.loop(), ctx, TestRoute.countingAttempts(TestRoute.action(c, null, rp, null)),
                    "HTTP/1.1");
            s.start(new RouterFilter(CONFIG), TestStream.get("/"), true).await();
            assertEquals(503, s.status());
            assertEquals("no healthy upstream", s.localReplyBody);
            assertTrue(s.info.hasFlag(ResponseFlag.NO_HEALTHY_UPSTREAM));
            // As Envoy's doRetry: the attempt count goes up before the retry looks for a host.
            assertEquals("2", String.valueOf(s.responseHeaders.get("x-envoy-attempt-count")));
            assertEquals(2, s.info.attemptCount, "%UPSTREAM_REQUEST_ATTEMPT_COUNT%");
            assertEquals(1.0, ctx.stats.cluster(c).upstreamRqRetry.count());
            assertEquals(1, up.requests.get());
        }
    }

    @Test
    void theFirstTryCountsOnceItHasAHost() throws Exception {
        String c = "first" + (++seq);
        TestServerContext ctx = new TestServerContext(TRANSPORT);
        cluster(ctx, c, UpstreamProtocol.HTTP1, ClusterConfig.CircuitBreakers.DEFAULT);
        TestStream none = new TestStream(WORKER.loop(), ctx, TestRoute.countingAttempts(TestRoute.action(c, null, null, null)),
                "HTTP/1.1");
        none.start(new RouterFilter(CONFIG), TestStream.get("/"), true).await();
        assertEquals(503, none.status());
        // Envoy answers no host from decodeHeaders, before it counts the first attempt.
        assertNull(none.responseHeaders.get("x-envoy-attempt-count"));
        assertEquals(0, none.info.attemptCount);

        try (H1Upstream up = new H1Upstream(TRANSPORT, (cx, req, n) -> cx.writeAndFlush(H1Upstream.text(200, "ok")))) {
            String full = "full" + (++seq);
            cluster(ctx, full, UpstreamProtocol.HTTP1, new ClusterConfig.CircuitBreakers(1024, 1024, 0, 3), up.address());
            TestStream overflow = new TestStream(WORKER.loop(), ctx,
                    TestRoute.countingAttempts(TestRoute.action(full, null, null, null)), "HTTP/1.1");
            overflow.start(new RouterFilter(CONFIG), TestStream.get("/"), true).await();
            assertOverflowCountsAnAttempt(ctx, full, overflow);
            // The pool's breaker: the request waited for a connection, which it then could not take.
            assertEquals(1.0, ctx.stats.cluster(full).upstreamCxTotal.count());
            assertEquals(0.0, ctx.stats.cluster(full).upstreamRqTotal.count());
            assertEquals(0, up.requests.get());
        }
    }

    private static void assertOverflowCountsAnAttempt(TestServerContext ctx, String full, TestStream overflow) {
        assertEquals(503, overflow.status());
        assertTrue(overflow.info.hasFlag(ResponseFlag.UPSTREAM_OVERFLOW));
        assertEquals("upstream connect error or disconnect/reset before headers. reset reason: overflow",
                overflow.localReplyBody);
        // The max_requests breaker fails an attempt that counts (Envoy's pool overflow), under
        // Envoy 1.38's counter for it.
        assertEquals("1", String.valueOf(overflow.responseHeaders.get("x-envoy-attempt-count")));
        assertEquals(1, overflow.info.attemptCount);
        assertEquals(1.0, ctx.stats.cluster(full).upstreamRqActiveOverflow.count());
        assertEquals(0.0, ctx.stats.cluster(full).upstreamRqPendingOverflow.count());
    }

    @Test
    void aHedgedRetryTurnedAwayByMaxRequestsLeavesTheFirstTryToAnswer() throws Exception {
        try (H1Upstream up = answeringAfter400Ms(200, "slow")) {
            String c = "hedge" + (++seq);
            TestServerContext ctx = new TestServerContext(TRANSPORT);
            cluster(ctx, c, UpstreamProtocol.HTTP1, new ClusterConfig.CircuitBreakers(1024, 1024, 1, 3), up.address());
            RetryPolicy rp = TestRoute.retry(1, java.time.Duration.ofMillis(100), RetryOn.FIVE_XX);
            TestStream s = new TestStream(WORKER.loop(), ctx,
                    TestRoute.countingAttempts(TestRoute.action(c, java.time.Duration.ofSeconds(5), rp, null)), "HTTP/1.1");
            s.start(new RouterFilter(CONFIG), TestStream.get("/").set("x-envoy-hedge-on-per-try-timeout", "true"),
                    true).await();
            // Envoy's pool overflow reaches onUpstreamReset, which waits for the try still awaiting headers.
            assertEquals(200, s.status());
            assertEquals("slow", s.body());
            assertEquals(1, up.requests.get());
            assertEquals(1.0, ctx.stats.cluster(c).upstreamRqActiveOverflow.count());
            assertEquals(1.0, ctx.stats.cluster(c).upstreamRqRetry.count());
            assertEquals(1.0, ctx.stats.cluster(c).upstreamRqRetrySuccess.count(), "shouldRetry(NoRetry) after a retry");
        }
    }

    @Test
    void theRouteTimeoutReportsToOutlierDetectionOnlyATryStillAwaitingHeaders() throws Exception {
        // The first request's response starts and stalls; the second's never starts.
        try (H1Upstream up = new H1Upstream(TRANSPORT, (ctx, req, n) -> {
            if (n == 1) {
                io.netty.handler.codec.http.DefaultHttpResponse head = new io.netty.handler.codec.http.DefaultHttpResponse(
                        io.netty.handler.codec.http.HttpVersion.HTTP_1_1, io.netty.handler.codec.http.HttpResponseStatus.OK);
                head.headers().set("transfer-encoding", "chunked");
                ctx.write(head);
                ctx.writeAndFlush(new io.netty.handler.codec.http.DefaultHttpContent(io.netty.buffer.Unpooled.copiedBuffer(
                        "hello", java.nio.charset.StandardCharsets.US_ASCII)));
            }
        })) {
            String c = "gto" + (++seq);
            TestServerContext ctx = new TestServerContext(TRANSPORT);
            FixedCluster cl = cluster(ctx, c, UpstreamProtocol.HTTP1, ClusterConfig.CircuitBreakers.DEFAULT, up.address());
            List<io.remora.upstream.OutlierMonitor.LocalOriginEvent> events = new java.util.concurrent.CopyOnWriteArrayList<>();
            io.remora.upstream.Host host = cl.hosts().get(0);
            host.outlier(new io.remora.upstream.OutlierMonitor() {
                @Override
                public void reportResult(int httpStatus) {
                }

                @Override
                public void reportLocalOrigin(LocalOriginEvent event) {
                    events.add(event);
                }
            });
            TestRoute route = new TestRoute(TestRoute.action(c, java.time.Duration.ofMillis(200), null, null), false);
            TestStream started = new TestStream(WORKER.loop(), ctx, route, "HTTP/1.1");
            started.start(new RouterFilter(CONFIG), TestStream.get("/"), true).await();
            assertTrue(started.reset, "a started response is reset");
            assertEquals(1.0, ctx.stats.cluster(c).upstreamRqTimeout.count());
            assertEquals(1L, host.stats.rqTimeout.sum());
            // Envoy's onResponseTimeout: `if (upstream_request->awaitingHeaders())` guards the report.
            assertTrue(!events.contains(io.remora.upstream.OutlierMonitor.LocalOriginEvent.TIMEOUT), events.toString());
            // Envoy's host stats: rq_success at the response's headers, no rq_error for a reset once it started.
            assertEquals(1L, host.stats.rqSuccess.sum());
            assertEquals(0L, host.stats.rqError.sum());

            TestStream waiting = new TestStream(WORKER.loop(), ctx, route, "HTTP/1.1");
            waiting.start(new RouterFilter(CONFIG), TestStream.get("/"), true).await();
            assertEquals(504, waiting.status());
            assertEquals(2L, host.stats.rqTimeout.sum());
            assertEquals(1, java.util.Collections.frequency(events, io.remora.upstream.OutlierMonitor.LocalOriginEvent.TIMEOUT));
            // chargeUpstreamAbort(504): the host's rq_error.
            assertEquals(1L, host.stats.rqError.sum());
        }
    }

    @Test
    void aRetryTheMaxRetriesBreakerTurnsAwayStillUsesARetry() throws Exception {
        try (H1Upstream up = answeringAfter400Ms(503, "late")) {
            String c = "rof" + (++seq);
            TestServerContext ctx = new TestServerContext(TRANSPORT);
            // max_retries 0: the breaker turns every retry away.
            cluster(ctx, c, UpstreamProtocol.HTTP1, new ClusterConfig.CircuitBreakers(1024, 1024, 1024, 0), up.address());
            RetryPolicy rp = TestRoute.retry(1, java.time.Duration.ofMillis(100), RetryOn.FIVE_XX);
            TestStream s = new TestStream(WORKER.loop(), ctx,
                    new TestRoute(TestRoute.action(c, java.time.Duration.ofSeconds(5), rp, null), false), "HTTP/1.1");
            s.start(new RouterFilter(CONFIG), TestStream.get("/").set("x-envoy-hedge-on-per-try-timeout", "true"),
                    true).await();
            assertEquals(503, s.status());
            assertEquals("late", s.body());
            // Envoy's shouldRetry takes retries_remaining_ down before it asks the breaker: the
            // hedge's overflow used the one retry, so the 503 finds none left.
            assertEquals(1.0, ctx.stats.cluster(c).upstreamRqRetryOverflow.count());
            assertEquals(1.0, ctx.stats.cluster(c).upstreamRqRetryLimitExceeded.count());
            assertTrue(s.info.hasFlag(ResponseFlag.UPSTREAM_OVERFLOW));
            assertTrue(s.info.hasFlag(ResponseFlag.UPSTREAM_RETRY_LIMIT_EXCEEDED));
            assertEquals(0.0, ctx.stats.cluster(c).upstreamRqRetry.count());
        }
    }

    @Test
    void theFirstTryPicksItsHostFromTheRequestAsItCameARetryAsTheRouteLeftIt() throws Exception {
        try (H1Upstream a = new H1Upstream(TRANSPORT, (ctx, req, n) -> ctx.writeAndFlush(H1Upstream.text(503, "a")));
             H1Upstream b = new H1Upstream(TRANSPORT, (ctx, req, n) -> ctx.writeAndFlush(H1Upstream.text(200, "b")))) {
            String c = "odh" + (++seq);
            String header = "x-envoy-original-dst-host";
            TestServerContext ctx = new TestServerContext(TRANSPORT);
            cluster(ctx, c, UpstreamProtocol.HTTP1, ClusterConfig.CircuitBreakers.DEFAULT, a.address(), b.address())
                    .pickByHeader(header);
            RetryPolicy rp = TestRoute.retry(1, null, RetryOn.FIVE_XX);
            // The route's request_headers_to_add names b; the request names a.
            TestRoute route = new TestRoute(TestRoute.action(c, null, rp, null), false)
                    .requestHeader(header, "127.0.0.1:" + b.address().getPort());
            TestStream s = new TestStream(WORKER.loop(), ctx, route, "HTTP/1.1");
            s.start(new RouterFilter(CONFIG), TestStream.get("/").set(header, "127.0.0.1:" + a.address().getPort()),
                    true).await();
            // Envoy's decodeHeaders chooses the host before finalizeRequestHeaders; doRetry chooses
            // from the downstream headers that call rewrote in place.
            assertEquals(1, a.requests.get(), "the first try: the request as it came");
            assertEquals(1, b.requests.get(), "the retry: the request as the route left it");
            assertEquals(200, s.status());
            assertEquals("b", s.body());
        }
    }

    @Test
    void aPerTryTimeoutIsAnErrorOfItsHost() throws Exception {
        try (H1Upstream up = new H1Upstream(TRANSPORT, (ctx, req, n) -> new Thread(() -> {
            try {
                Thread.sleep(n == 1 ? 400 : 0); // the first try outlives its 100 ms per-try timeout
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            ctx.writeAndFlush(H1Upstream.text(200, "n" + n));
        }).start())) {
            String c = "ptto" + (++seq);
            TestServerContext ctx = new TestServerContext(TRANSPORT);
            FixedCluster cl = cluster(ctx, c, UpstreamProtocol.HTTP1, ClusterConfig.CircuitBreakers.DEFAULT, up.address());
            io.remora.upstream.Host host = cl.hosts().get(0);
            RetryPolicy rp = TestRoute.retry(1, java.time.Duration.ofMillis(100), RetryOn.FIVE_XX);
            TestStream s = new TestStream(WORKER.loop(), ctx,
                    new TestRoute(TestRoute.action(c, java.time.Duration.ofSeconds(5), rp, null), false), "HTTP/1.1");
            s.start(new RouterFilter(CONFIG), TestStream.get("/"), true).await();
            assertEquals(200, s.status());
            assertEquals("n2", s.body());
            // Envoy's onPerTryTimeoutCommon counts rq_timeout, its maybeRetryReset rq_error.
            assertEquals(1L, host.stats.rqTimeout.sum());
            assertEquals(1L, host.stats.rqError.sum());
            assertEquals(1L, host.stats.rqSuccess.sum());
        }
    }

    @Test
    void aMirrorTheMaxRequestsBreakerTurnsAwayCountsAnOverflowAndItsCodeOnly() throws Exception {
        try (H1Upstream main = new H1Upstream(TRANSPORT, (ctx, req, n) -> ctx.writeAndFlush(H1Upstream.text(200, "main")));
             H1Upstream shadow = new H1Upstream(TRANSPORT, (ctx, req, n) -> ctx.writeAndFlush(H1Upstream.text(200, "copy")))) {
            String c = "mm" + (++seq);
            String m = "mirror" + seq;
            TestServerContext ctx = new TestServerContext(TRANSPORT);
            cluster(ctx, c, UpstreamProtocol.HTTP1, ClusterConfig.CircuitBreakers.DEFAULT, main.address());
            // max_requests 0 on the mirror's cluster: every copy is turned away.
            cluster(ctx, m, UpstreamProtocol.HTTP1, new ClusterConfig.CircuitBreakers(1024, 1024, 0, 3), shadow.address());
            List<io.remora.config.ForwardAction.MirrorPolicy> mirrors =
                    List.of(new io.remora.config.ForwardAction.MirrorPolicy(m, null, null, false));
            TestStream s = new TestStream(WORKER.loop(), ctx,
                    new TestRoute(TestRoute.action(c, null, null, mirrors), false), "HTTP/1.1");
            s.start(new RouterFilter(CONFIG), TestStream.get("/"), true).await();
            assertEquals(200, s.status());
            assertEquals("main", s.body());
            // The copy is turned away once its connection is up, which may come after the main
            // response; the 503 is its last count.
            await(() -> ctx.stats.cluster(m).upstreamRqCompleted.count() > 0, "the copy's 503");
            // Envoy's shadow is an async client's router: its pool overflow is charged as a 503
            // (upstream_rq_completed) on the mirror cluster, which counts no request.
            assertEquals(1.0, ctx.stats.cluster(m).upstreamRqActiveOverflow.count());
            assertEquals(1.0, ctx.stats.cluster(m).upstreamRqCompleted.count());
            assertEquals(0.0, ctx.stats.cluster(m).upstreamRqTotal.count());
            assertEquals(0.0, ctx.stats.cluster(c).upstreamRqActiveOverflow.count());
            assertEquals(0, shadow.requests.get());
        }
    }

    @Test
    void onlyTheResponseThatGoesDownstreamIsChargedItsCode() throws Exception {
        try (H1Upstream up = new H1Upstream(TRANSPORT, (ctx, req, n) ->
                ctx.writeAndFlush(n == 1 ? H1Upstream.text(503, "busy") : H1Upstream.text(200, "ok")))) {
            String c = "charge" + (++seq);
            TestServerContext ctx = new TestServerContext(TRANSPORT);
            cluster(ctx, c, UpstreamProtocol.HTTP1, ClusterConfig.CircuitBreakers.DEFAULT, up.address());
            RetryPolicy rp = TestRoute.retry(1, null, RetryOn.FIVE_XX);
            TestStream s = new TestStream(WORKER.loop(), ctx, new TestRoute(TestRoute.action(c, null, rp, null), false),
                    "HTTP/1.1");
            s.start(new RouterFilter(CONFIG), TestStream.get("/"), true).await();
            assertEquals(200, s.status());
            // Envoy's onUpstreamHeaders returns for a retried response before chargeUpstreamCode:
            // the 503 counts only under retry. (chargeBasicResponseStat).
            assertEquals(1.0, ctx.stats.cluster(c).upstreamRqCompleted.count());
            assertEquals(2, up.requests.get());
        }
    }

    /** An upstream that answers each request 400 ms late: past a 100 ms per-try timeout, so a hedged retry is asked for. */
    /**
     * Envoy's shadow is an async client's stream, whose router (dynamic stats on) charges a copy its
     * timeout reply, the 504, as onResponseTimeout's chargeUpstreamAbort, with the host's rq_timeout
     * and rq_error.
     */
    @Test
    void aMirrorTimingOutBeforeItsResponseIsChargedA504() throws Exception {
        try (H1Upstream main = new H1Upstream(TRANSPORT, (ctx, req, n) -> ctx.writeAndFlush(H1Upstream.text(200, "main")));
             H1Upstream shadow = new H1Upstream(TRANSPORT, (ctx, req, n) -> {
             })) {
            String c = "mt" + (++seq);
            String m = "mirrort" + seq;
            TestServerContext ctx = new TestServerContext(TRANSPORT);
            cluster(ctx, c, UpstreamProtocol.HTTP1, ClusterConfig.CircuitBreakers.DEFAULT, main.address());
            FixedCluster mirror = cluster(ctx, m, UpstreamProtocol.HTTP1, ClusterConfig.CircuitBreakers.DEFAULT,
                    shadow.address());
            List<io.remora.config.ForwardAction.MirrorPolicy> mirrors =
                    List.of(new io.remora.config.ForwardAction.MirrorPolicy(m, null, null, false));
            TestStream s = new TestStream(WORKER.loop(), ctx, new TestRoute(TestRoute.action(c,
                    java.time.Duration.ofMillis(1500), null, mirrors), false), "HTTP/1.1");
            s.start(new RouterFilter(CONFIG), TestStream.get("/"), true).await();
            assertEquals("main", s.body());
            // The copy's stream reset is the timeout's last step.
            await(() -> ctx.stats.cluster(m).upstreamRqTxReset.count() > 0, "the copy's timeout");
            assertEquals(1.0, ctx.stats.cluster(m).upstreamRqTimeout.count());
            assertEquals(1.0, ctx.stats.cluster(m).upstreamRqCompleted.count(), "the 504 charged");
            io.remora.upstream.Host h = mirror.hosts().get(0);
            assertEquals(1, h.stats.rqTimeout.sum());
            assertEquals(1, h.stats.rqError.sum());
            assertEquals(1, shadow.requests.get());
            // As shadow_policy_integration_test's ShadowOnlyTimeout: the copy's stream is reset locally.
            assertEquals(1.0, ctx.stats.cluster(m).upstreamRqTxReset.count());
        }
    }

    /**
     * shadow_policy_integration_test's RequestMirrorPolicyWithShadowUpstreamReset: the mirror's
     * upstream resets the copy before answering; the mirror cluster counts upstream_rq_rx_reset and,
     * as the shadow's router's chargeUpstreamAbort, the 503 (upstream_rq_completed).
     */
    @Test
    void aMirrorTheUpstreamResetsCountsTheResetAndA503() throws Exception {
        try (H1Upstream main = new H1Upstream(TRANSPORT, (ctx, req, n) -> ctx.writeAndFlush(H1Upstream.text(200, "main")));
             H2Upstream shadow = new H2Upstream(TRANSPORT, 100,
                     (ctx, h, body, tr, n) -> ctx.writeAndFlush(new DefaultHttp2ResetFrame(Http2Error.INTERNAL_ERROR)))) {
            String c = "mr" + (++seq);
            String m = "mirrorr" + seq;
            TestServerContext ctx = new TestServerContext(TRANSPORT);
            cluster(ctx, c, UpstreamProtocol.HTTP1, ClusterConfig.CircuitBreakers.DEFAULT, main.address());
            cluster(ctx, m, UpstreamProtocol.HTTP2, ClusterConfig.CircuitBreakers.DEFAULT, shadow.address());
            List<io.remora.config.ForwardAction.MirrorPolicy> mirrors =
                    List.of(new io.remora.config.ForwardAction.MirrorPolicy(m, null, null, false));
            TestStream s = new TestStream(WORKER.loop(), ctx,
                    new TestRoute(TestRoute.action(c, null, null, mirrors), false), "HTTP/1.1");
            s.start(new RouterFilter(CONFIG), TestStream.get("/"), true).await();
            assertEquals("main", s.body());
            // The 503 is the reset's last count.
            await(() -> ctx.stats.cluster(m).upstreamRqCompleted.count() > 0, "the copy's reset");
            assertEquals(1.0, ctx.stats.cluster(m).upstreamRqRxReset.count());
            assertEquals(1.0, ctx.stats.cluster(m).upstreamRqCompleted.count(), "the 503 charged");
            assertEquals(0.0, ctx.stats.cluster(m).upstreamRqTxReset.count());
        }
    }

    /**
     * As Envoy's router (handleNon5xxResponseHeaders, chargeUpstreamAbort): a non-gRPC response
     * counts the host's rq_success when its headers go downstream, and the connection closing under
     * its body is no rq_error of the host.
     */
    @Test
    void aResponseCutShortCountsTheHostsSuccessOnly() throws Exception {
        try (H1Upstream up = new H1Upstream(TRANSPORT, (ctx, req, n) -> {
            io.netty.handler.codec.http.DefaultHttpResponse head = new io.netty.handler.codec.http.DefaultHttpResponse(
                    io.netty.handler.codec.http.HttpVersion.HTTP_1_1, io.netty.handler.codec.http.HttpResponseStatus.OK);
            head.headers().set("content-length", 10);
            ctx.write(head);
            ctx.writeAndFlush(new io.netty.handler.codec.http.DefaultHttpContent(
                    io.netty.buffer.Unpooled.copiedBuffer("abc", java.nio.charset.StandardCharsets.US_ASCII)))
                    .addListener(io.netty.channel.ChannelFutureListener.CLOSE);
        })) {
            String c = "cut" + (++seq);
            TestServerContext ctx = new TestServerContext(TRANSPORT);
            FixedCluster cluster = cluster(ctx, c, UpstreamProtocol.HTTP1, ClusterConfig.CircuitBreakers.DEFAULT,
                    up.address());
            TestStream s = new TestStream(WORKER.loop(), ctx, new TestRoute(TestRoute.action(c, null, null, null), false),
                    "HTTP/1.1");
            s.start(new RouterFilter(CONFIG), TestStream.get("/"), true).await();
            assertEquals(200, s.status());
            assertTrue(s.reset, "the response was cut short");
            io.remora.upstream.Host h = cluster.hosts().get(0);
            assertEquals(1, h.stats.rqSuccess.sum());
            assertEquals(0, h.stats.rqError.sum());
        }
    }

    private static H1Upstream answeringAfter400Ms(int status, String body) throws Exception {
        return new H1Upstream(TRANSPORT, (ctx, req, n) -> new Thread(() -> {
            try {
                Thread.sleep(400);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            ctx.writeAndFlush(H1Upstream.text(status, body));
        }).start());
    }
}
