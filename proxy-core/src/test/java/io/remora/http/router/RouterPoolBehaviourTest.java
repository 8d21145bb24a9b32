package io.remora.http.router;

import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http2.DefaultHttp2GoAwayFrame;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.DefaultHttp2HeadersFrame;
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
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Pool limits, HTTP/2 connection management, flow control and gRPC retries through the router. */
class RouterPoolBehaviourTest {
    static {
        LeakCheck.install();
    }

    static final Transport TRANSPORT = Transport.detect();
    static final RouterFilterConfig CONFIG = new RouterFilterConfig(false);
    @RegisterExtension
    static final OneWorkerLoop WORKER = new OneWorkerLoop();
    static int seq;

    private static TestServerContext context(ClusterConfig config, InetSocketAddress... hosts) {
        TestServerContext ctx = new TestServerContext(TRANSPORT);
        ctx.add(new FixedCluster(config, ctx.stats, FixedCluster.hosts(hosts)));
        return ctx;
    }

    private static TestStream stream(TestServerContext ctx, String cluster, RetryPolicy retry) {
        return new TestStream(WORKER.loop(), ctx, new TestRoute(TestRoute.action(cluster, null, retry, null), false), "HTTP/1.1");
    }

    @Test
    void maxRequestsPerConnectionOpensANewConnection() throws Exception {
        try (H1Upstream up = new H1Upstream(TRANSPORT, H1Upstream.echoPath())) {
            String c = "mrpc" + (++seq);
            TestServerContext ctx = context(FixedCluster.config(c, UpstreamProtocol.HTTP1,
                    ClusterConfig.CircuitBreakers.DEFAULT, 1), up.address());
            for (int i = 0; i < 2; i++) {
                TestStream s = stream(ctx, c, null).start(new RouterFilter(CONFIG), TestStream.get("/"), true).await();
                assertEquals(200, s.status());
            }
            assertEquals(2, up.accepts.get());
        }
    }

    @Test
    void requestCircuitBreakerOverflowIs503UO() throws Exception {
        try (H1Upstream up = new H1Upstream(TRANSPORT, H1Upstream.echoPath())) {
            String c = "cb" + (++seq);
            TestServerContext ctx = context(FixedCluster.config(c, UpstreamProtocol.HTTP1,
                    new ClusterConfig.CircuitBreakers(1024, 1024, 0, 3), 0), up.address());
            TestStream s = stream(ctx, c, null).start(new RouterFilter(CONFIG), TestStream.get("/"), true).await();
            assertEquals(503, s.status());
            assertTrue(s.info.hasFlag(ResponseFlag.UPSTREAM_OVERFLOW));
            assertEquals("true", String.valueOf(s.responseHeaders.get("x-envoy-overloaded")));
            assertEquals(0, up.requests.get());
        }
    }

    @Test
    void http2OpensASecondConnectionAtMaxConcurrentStreams() throws Exception {
        List<io.netty.channel.ChannelHandlerContext> held = new ArrayList<>();
        try (H2Upstream up = new H2Upstream(TRANSPORT, 1, (ctx, h, body, tr, n) -> {
            synchronized (held) {
                held.add(ctx);
                if (held.size() == 2) {
                    held.forEach(x -> H2Upstream.respond(x, 200, "ok"));
                }
            }
        })) {
            String c = "h2max" + (++seq);
            TestServerContext ctx = context(FixedCluster.config(c, UpstreamProtocol.HTTP2), up.address());
            TestStream a = stream(ctx, c, null).start(new RouterFilter(CONFIG), TestStream.get("/a"), true);
            // Let the first connection learn the peer's SETTINGS before the second request.
            Thread.sleep(200);
            TestStream b = stream(ctx, c, null).start(new RouterFilter(CONFIG), TestStream.get("/b"), true);
            assertEquals(200, a.await().status());
            assertEquals(200, b.await().status());
            assertEquals(2, up.accepts.get());
        }
    }

    @Test
    void goAwayStopsNewStreamsOnThatConnection() throws Exception {
        try (H2Upstream up = new H2Upstream(TRANSPORT, 100, (ctx, h, body, tr, n) -> {
            H2Upstream.respond(ctx, 200, "n" + n);
            if (n == 1) {
                ctx.channel().parent().writeAndFlush(new DefaultHttp2GoAwayFrame(Http2Error.NO_ERROR));
            }
        })) {
            String c = "goaway" + (++seq);
            TestServerContext ctx = context(FixedCluster.config(c, UpstreamProtocol.HTTP2), up.address());
            TestStream a = stream(ctx, c, null).start(new RouterFilter(CONFIG), TestStream.get("/"), true).await();
            assertEquals("n1", a.body());
            Thread.sleep(200);
            TestStream b = stream(ctx, c, null).start(new RouterFilter(CONFIG), TestStream.get("/"), true).await();
            assertEquals(200, b.status());
            assertEquals("n2", b.body());
            assertEquals(2, up.accepts.get());
        }
    }

    @Test
    void grpcUnavailableInATrailersOnlyResponseIsRetried() throws Exception {
        try (H2Upstream up = new H2Upstream(TRANSPORT, 100, (ctx, h, body, tr, n) -> {
            if (n == 1) {
                ctx.writeAndFlush(new DefaultHttp2HeadersFrame(new DefaultHttp2Headers().status("200")
                        .set("content-type", "application/grpc").set("grpc-status", "14"), true));
            } else {
                ctx.write(new DefaultHttp2HeadersFrame(new DefaultHttp2Headers().status("200")
                        .set("content-type", "application/grpc"), false));
                ctx.writeAndFlush(new DefaultHttp2HeadersFrame(new DefaultHttp2Headers().set("grpc-status", "0"), true));
            }
        })) {
            String c = "grpcretry" + (++seq);
            TestServerContext ctx = context(FixedCluster.config(c, UpstreamProtocol.HTTP2), up.address());
            RetryPolicy rp = TestRoute.retry(1, null, RetryOn.GRPC_UNAVAILABLE);
            TestStream s = stream(ctx, c, rp);
            s.start(new RouterFilter(CONFIG), TestStream.post("/S/M").set("content-type", "application/grpc"), false);
            s.run(() -> s.filter.decodeData(Unpooled.copiedBuffer("m", StandardCharsets.UTF_8), true));
            s.await();
            assertEquals("0", s.responseTrailers.get("grpc-status").toString());
            assertEquals(2, up.requests.get());
            assertEquals(1.0, ctx.stats.cluster(c).upstreamRqRetry.count());
        }
    }

    @Test
    void aSlowUpstreamPausesTheDownstream() throws Exception {
        try (H1Upstream up = new H1Upstream(TRANSPORT, true, (ctx, req, n) ->
                ctx.writeAndFlush(H1Upstream.text(200, "got " + req.content().readableBytes())))) {
            String c = "bp" + (++seq);
            TestServerContext ctx = context(FixedCluster.config(c, UpstreamProtocol.HTTP1), up.address());
            TestStream s = stream(ctx, c, null);
            s.start(new RouterFilter(CONFIG), TestStream.post("/up"), false);
            int chunk = 256 * 1024;
            int chunks = 64; // 16 MiB: more than socket buffers and the channel's watermark hold
            for (int i = 0; i < chunks && s.pauses == 0; i++) {
                s.run(() -> s.filter.decodeData(Unpooled.wrappedBuffer(new byte[chunk]), false));
            }
            assertTrue(s.pauses > 0, "the router never paused the downstream");
            up.resumeReading();
            s.run(() -> s.filter.decodeData(Unpooled.EMPTY_BUFFER, true));
            s.await();
            assertEquals(200, s.status());
        }
    }

    @Test
    void aPooledConnectionThePeerClosedIsNotUsed() throws Exception {
        try (H1Upstream up = new H1Upstream(TRANSPORT, (ctx, req, n) -> {
            ctx.writeAndFlush(H1Upstream.text(200, "n" + n));
            // The keep-alive connection dies while it idles in the pool.
            ctx.executor().schedule(() -> ctx.channel().close(), 50, TimeUnit.MILLISECONDS);
        })) {
            String c = "dead" + (++seq);
            TestServerContext ctx = context(FixedCluster.config(c, UpstreamProtocol.HTTP1), up.address());
            assertEquals("n1", stream(ctx, c, null).start(new RouterFilter(CONFIG), TestStream.get("/"), true).await().body());
            Thread.sleep(300);
            TestStream s = stream(ctx, c, null).start(new RouterFilter(CONFIG), TestStream.get("/"), true).await();
            assertEquals(200, s.status());
            assertEquals("n2", s.body());
            assertEquals(2, up.accepts.get());
        }
    }

    @Test
    void useDownstreamProtocolPicksHttp2ForHttp2Clients() throws Exception {
        try (H2Upstream up = new H2Upstream(TRANSPORT, 100, (ctx, h, body, tr, n) -> H2Upstream.respond(ctx, 200, "h2"))) {
            String c = "usedown" + (++seq);
            TestServerContext ctx = context(FixedCluster.config(c, UpstreamProtocol.USE_DOWNSTREAM), up.address());
            TestStream s = new TestStream(WORKER.loop(), ctx, new TestRoute(TestRoute.action(c, null, null, null), false), "HTTP/2");
            s.start(new RouterFilter(CONFIG), TestStream.get("/"), true).await();
            assertEquals("h2", s.body());
        }
    }

    @Test
    void perTryIdleTimeoutAfterHeadersResetsTheClient() throws Exception {
        try (H1Upstream up = new H1Upstream(TRANSPORT, (ctx, req, n) -> {
            io.netty.handler.codec.http.DefaultHttpResponse r = new io.netty.handler.codec.http.DefaultHttpResponse(
                    io.netty.handler.codec.http.HttpVersion.HTTP_1_1, io.netty.handler.codec.http.HttpResponseStatus.OK);
            r.headers().set("content-length", 10);
            ctx.writeAndFlush(r); // and then nothing: the body stalls
        })) {
            String c = "idle" + (++seq);
            TestServerContext ctx = context(FixedCluster.config(c, UpstreamProtocol.HTTP1), up.address());
            RetryPolicy rp = new RetryPolicy(java.util.EnumSet.of(RetryOn.FIVE_XX), 1, null, java.time.Duration.ofMillis(200),
                    java.util.Set.of(), null, null, false, 1);
            TestStream s = stream(ctx, c, rp).start(new RouterFilter(CONFIG), TestStream.get("/"), true).await();
            assertTrue(s.reset);
            assertEquals(200, s.status());
            assertTrue(s.info.hasFlag(ResponseFlag.UPSTREAM_REQUEST_TIMEOUT));
            assertEquals("upstream_per_try_idle_timeout", s.info.responseCodeDetails);
        }
    }

    /**
     * Envoy's UpstreamRequest::setupPerTryTimeout makes the per-try idle timer once the request has
     * ended (and the try has its stream), not at onPoolReady: a body arriving slower than the idle
     * timeout does not time the try out.
     */
    @Test
    void perTryIdleTimeoutWaitsForTheRequestToEnd() throws Exception {
        try (H1Upstream up = new H1Upstream(TRANSPORT, (ctx, req, n) ->
                ctx.writeAndFlush(H1Upstream.text(200, "got " + req.content().readableBytes())))) {
            String c = "idleupload" + (++seq);
            TestServerContext ctx = context(FixedCluster.config(c, UpstreamProtocol.HTTP1), up.address());
            RetryPolicy rp = new RetryPolicy(java.util.EnumSet.of(RetryOn.FIVE_XX), 1, null, java.time.Duration.ofMillis(200),
                    java.util.Set.of(), null, null, false, 1);
            TestStream s = stream(ctx, c, rp);
            s.start(new RouterFilter(CONFIG), TestStream.post("/up"), false);
            s.run(() -> s.filter.decodeData(Unpooled.wrappedBuffer(new byte[10]), false));
            Thread.sleep(700);
            s.run(() -> s.filter.decodeData(Unpooled.wrappedBuffer(new byte[10]), true));
            s.await();
            assertEquals(200, s.status());
            assertEquals("got 20", s.body());
            assertEquals(0.0, ctx.clusters.get(c).stats().upstreamRqPerTryIdleTimeout.count());
        }
    }

    /** An upstream that answers its first request "first" once {@code release} opens, every later one "next" at once. */
    private static H1Upstream firstAnsweredOn(java.util.concurrent.CountDownLatch release) throws InterruptedException {
        return new H1Upstream(TRANSPORT, (ctx, req, n) -> {
            if (n == 1) {
                new Thread(() -> {
                    try {
                        release.await(5, TimeUnit.SECONDS);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                    ctx.writeAndFlush(H1Upstream.text(200, "first"));
                }).start();
            } else {
                ctx.writeAndFlush(H1Upstream.text(200, "next"));
            }
        });
    }

    /** GET /1 to cluster {@code c}, returned once {@code up} has it. */
    private TestStream firstInFlight(TestServerContext ctx, String c, H1Upstream up) throws Exception {
        TestStream first = stream(ctx, c, null).start(new RouterFilter(CONFIG), TestStream.get("/1"), true);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (up.requests.get() == 0 && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        return first;
    }

    @Test
    void pendingRequestsBeyondTheCircuitBreakerOverflow() throws Exception {
        java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
        try (H1Upstream up = firstAnsweredOn(release)) {
            String c = "pending" + (++seq);
            TestServerContext ctx = context(FixedCluster.config(c, UpstreamProtocol.HTTP1,
                    new ClusterConfig.CircuitBreakers(1, 1, 1024, 3), 0), up.address());
            TestStream first = firstInFlight(ctx, c, up);
            TestStream second = stream(ctx, c, null).start(new RouterFilter(CONFIG), TestStream.get("/2"), true);
            TestStream third = stream(ctx, c, null).start(new RouterFilter(CONFIG), TestStream.get("/3"), true).await();
            assertEquals(503, third.status());
            assertTrue(third.info.hasFlag(ResponseFlag.UPSTREAM_OVERFLOW));
            assertEquals(1.0, ctx.stats.cluster(c).upstreamRqPendingOverflow.count());
            release.countDown();
            assertEquals("first", first.await().body());
            assertEquals("next", second.await().body());
            assertEquals(1, up.accepts.get());
        }
    }

    /**
     * Envoy's attachStreamToClient takes max_requests as a request binds to a connection: with one
     * connection allowed and one request, a second request waits for the first's connection
     * (counted against max_pending_requests, not turned away) and is served once it is free.
     */
    @Test
    void maxRequestsIsTakenWhenTheRequestBindsToAConnection() throws Exception {
        java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
        try (H1Upstream up = firstAnsweredOn(release)) {
            String c = "bind" + (++seq);
            TestServerContext ctx = context(FixedCluster.config(c, UpstreamProtocol.HTTP1,
                    new ClusterConfig.CircuitBreakers(1, 1024, 1, 3), 0), up.address());
            TestStream first = firstInFlight(ctx, c, up);
            TestStream second = stream(ctx, c, null).start(new RouterFilter(CONFIG), TestStream.get("/2"), true);
            release.countDown();
            assertEquals("first", first.await().body());
            assertEquals(200, second.await().status(), second.localReplyBody);
            assertEquals("next", second.body());
            assertEquals(0.0, ctx.stats.cluster(c).upstreamRqActiveOverflow.count());
            assertEquals(2.0, ctx.stats.cluster(c).upstreamRqTotal.count());
            assertEquals(1, up.accepts.get());
            // Given back as the connection takes the end of the response, just after the router has it.
            java.util.concurrent.atomic.AtomicInteger held = ctx.clusters.get(c).limits().requests;
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            while (held.get() != 0 && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            assertEquals(0, held.get(), "every slot given back");
        }
    }

    /**
     * Envoy's pools count a request (upstream_rq_total, upstream_rq_active, the host's rq_total and
     * rq_active) as attachStreamToClient binds it to a connection: a try whose connect fails counts
     * in none of them (its host's rq_error still, as the router's chargeUpstreamAbort).
     */
    @Test
    void aTryWhoseConnectFailsCountsNoUpstreamRequest() throws Exception {
        String c = "refused" + (++seq);
        TestServerContext ctx = context(FixedCluster.config(c, UpstreamProtocol.HTTP1),
                new InetSocketAddress(java.net.InetAddress.getLoopbackAddress(), RouterFilterTest.closedPort()));
        TestStream s = stream(ctx, c, null).start(new RouterFilter(CONFIG), TestStream.get("/"), true).await();
        assertEquals(503, s.status());
        assertTrue(s.info.hasFlag(ResponseFlag.UPSTREAM_CONNECTION_FAILURE));
        io.remora.upstream.Host host = ctx.clusters.get(c).hosts().get(0);
        assertEquals(0.0, ctx.stats.cluster(c).upstreamRqTotal.count());
        assertEquals(0, host.stats.rqTotal.sum());
        assertEquals(1, host.stats.rqError.sum());
        assertEquals(0, ctx.stats.cluster(c).upstreamRqActive.get());
        assertEquals(0, host.activeRequests.get());
    }

    /** A request waiting for a connection (pending) is not active yet: Envoy's gauge rises at attachStreamToClient. */
    @Test
    void aPendingRequestIsNotActiveUntilItBindsToAConnection() throws Exception {
        java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
        try (H1Upstream up = firstAnsweredOn(release)) {
            String c = "active" + (++seq);
            TestServerContext ctx = context(FixedCluster.config(c, UpstreamProtocol.HTTP1,
                    new ClusterConfig.CircuitBreakers(1, 1024, 1024, 3), 0), up.address());
            TestStream first = firstInFlight(ctx, c, up);
            TestStream second = stream(ctx, c, null).start(new RouterFilter(CONFIG), TestStream.get("/2"), true);
            io.remora.upstream.ResourceLimits limits = ctx.clusters.get(c).limits().priority(false);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            while (limits.pendingRequests.get() == 0 && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            assertEquals(1, limits.pendingRequests.get(), "the second request waits for the connection");
            io.remora.upstream.Host host = ctx.clusters.get(c).hosts().get(0);
            assertEquals(1, ctx.stats.cluster(c).upstreamRqActive.get());
            assertEquals(1, host.activeRequests.get());
            assertEquals(1.0, ctx.stats.cluster(c).upstreamRqTotal.count());
            release.countDown();
            assertEquals("first", first.await().body());
            assertEquals("next", second.await().body());
            assertEquals(2.0, ctx.stats.cluster(c).upstreamRqTotal.count());
            assertEquals(2, host.stats.rqTotal.sum());
            deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            while (host.activeRequests.get() != 0 && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            assertEquals(0, ctx.stats.cluster(c).upstreamRqActive.get());
            assertEquals(0, host.activeRequests.get());
        }
    }

    /**
     * max_requests full as the pool binds a request to a connection: Envoy's attachStreamToClient
     * fails it naming that connection's host, which chargeUpstreamAbort charges the 503 (rq_error);
     * one turned away while waiting (max_pending_requests) names no host.
     */
    @Test
    void anOverflowAtAConnectionChargesItsHost() throws Exception {
        java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
        try (H1Upstream up = firstAnsweredOn(release)) {
            String c = "attach" + (++seq);
            TestServerContext ctx = context(FixedCluster.config(c, UpstreamProtocol.HTTP1,
                    new ClusterConfig.CircuitBreakers(1024, 1024, 1, 3), 0), up.address());
            TestStream first = firstInFlight(ctx, c, up);
            TestStream second = stream(ctx, c, null).start(new RouterFilter(CONFIG), TestStream.get("/2"), true).await();
            assertEquals(503, second.status());
            assertTrue(second.info.hasFlag(ResponseFlag.UPSTREAM_OVERFLOW));
            assertEquals(1.0, ctx.stats.cluster(c).upstreamRqActiveOverflow.count());
            io.remora.upstream.Host host = ctx.clusters.get(c).hosts().get(0);
            assertEquals(1, host.stats.rqError.sum());
            assertEquals(1, host.stats.rqTotal.sum());
            release.countDown();
            assertEquals("first", first.await().body());
        }
    }
}
