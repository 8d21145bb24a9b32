package io.remora.http.router;

import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http2.DefaultHttp2DataFrame;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.DefaultHttp2HeadersFrame;
import io.netty.handler.codec.http2.DefaultHttp2ResetFrame;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2Headers;
import io.remora.accesslog.ResponseFlag;
import io.remora.config.ClusterConfig.UpstreamProtocol;
import io.remora.config.ForwardAction;
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
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The router against real upstream sockets, driven through a stand-in connection manager. */
class RouterFilterTest {
    static {
        LeakCheck.install();
    }

    static final Transport TRANSPORT = Transport.detect();
    @RegisterExtension
    static final OneWorkerLoop WORKER = new OneWorkerLoop();
    static final RouterFilterConfig CONFIG = new RouterFilterConfig(false);
    static int clusterSeq;

    /** A context with one cluster "c<N>" over the given upstreams. */
    private static TestServerContext context(String name, UpstreamProtocol protocol, InetSocketAddress... hosts) {
        TestServerContext ctx = new TestServerContext(TRANSPORT);
        ctx.add(new FixedCluster(FixedCluster.config(name, protocol), ctx.stats, FixedCluster.hosts(hosts)));
        return ctx;
    }

    private static String uniq(String base) {
        return base + (++clusterSeq);
    }

    private static TestStream stream(TestServerContext ctx, ForwardAction action) {
        return new TestStream(WORKER.loop(), ctx, new TestRoute(action, true), "HTTP/1.1");
    }

    private static double count(TestServerContext ctx, String cluster, String metric) {
        return ctx.stats.cluster(cluster).getClass() == null ? 0 : switch (metric) {
            case "retry" -> ctx.stats.cluster(cluster).upstreamRqRetry.count();
            case "retry_success" -> ctx.stats.cluster(cluster).upstreamRqRetrySuccess.count();
            case "timeout" -> ctx.stats.cluster(cluster).upstreamRqTimeout.count();
            case "per_try_timeout" -> ctx.stats.cluster(cluster).upstreamRqPerTryTimeout.count();
            case "total" -> ctx.stats.cluster(cluster).upstreamRqTotal.count();
            case "connect_fail" -> ctx.stats.cluster(cluster).upstreamCxConnectFail.count();
            default -> throw new IllegalArgumentException(metric);
        };
    }

    static int closedPort() throws Exception {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    @Test
    void forwardsAndAddsEnvoyHeaders() throws Exception {
        try (H1Upstream up = new H1Upstream(TRANSPORT, H1Upstream.echoPath())) {
            String c = uniq("plain");
            TestServerContext ctx = context(c, UpstreamProtocol.HTTP1, up.address());
            TestStream s = stream(ctx, TestRoute.action(c, null, null, null));
            s.start(new RouterFilter(CONFIG), TestStream.get("/hello"), true).await();
            assertEquals(200, s.status());
            assertEquals("path=/hello", s.body());
            assertNotNull(s.responseHeaders.get("x-envoy-upstream-service-time"));
            assertEquals("via_upstream", s.info.responseCodeDetails);
            assertEquals(c, s.info.upstreamCluster);
            assertEquals(up.address(), s.info.upstreamHost);
            assertEquals(1, s.info.attemptCount);
            assertEquals("15000", up.seen.get(0).headers().get("x-envoy-expected-rq-timeout-ms"));
            assertEquals("1", up.seen.get(0).headers().get("x-envoy-attempt-count"));
            assertEquals("example.com", up.hosts.get(0));
            assertEquals(1.0, count(ctx, c, "total"));
            assertTrue(ctx.stats.cluster(c).upstreamCxRxBytesTotal.count() > 0);
            assertTrue(ctx.stats.cluster(c).upstreamCxTxBytesTotal.count() > 0);
        }
    }

    @Test
    void retriesA503AndTheClientSeesThe200() throws Exception {
        try (H1Upstream up = new H1Upstream(TRANSPORT, (ctx, req, n) ->
                ctx.writeAndFlush(H1Upstream.text(n == 1 ? 503 : 200, "try " + n)))) {
            String c = uniq("retry");
            TestServerContext ctx = context(c, UpstreamProtocol.HTTP1, up.address());
            RetryPolicy rp = TestRoute.retry(2, null, RetryOn.FIVE_XX);
            TestStream s = stream(ctx, TestRoute.action(c, null, rp, null));
            s.start(new RouterFilter(CONFIG), TestStream.get("/r"), true).await();
            assertEquals(200, s.status());
            assertEquals("try 2", s.body());
            assertEquals(1.0, count(ctx, c, "retry"));
            assertEquals(1.0, count(ctx, c, "retry_success"));
            assertEquals(2, s.info.attemptCount);
            assertEquals("2", up.seen.get(1).headers().get("x-envoy-attempt-count"));
            assertTrue(s.info.flags().isEmpty());
        }
    }

    @Test
    void connectFailureRetriesOnTheOtherHost() throws Exception {
        try (H1Upstream up = new H1Upstream(TRANSPORT, H1Upstream.echoPath())) {
            String c = uniq("cf");
            InetSocketAddress dead = new InetSocketAddress("127.0.0.1", closedPort());
            TestServerContext ctx = context(c, UpstreamProtocol.HTTP1, dead, up.address());
            RetryPolicy rp = TestRoute.retry(1, null, RetryOn.CONNECT_FAILURE);
            TestStream s = stream(ctx, TestRoute.action(c, null, rp, null));
            s.start(new RouterFilter(CONFIG), TestStream.get("/cf"), true).await();
            assertEquals(200, s.status());
            assertEquals(2, s.info.attemptCount);
            assertEquals(1.0, count(ctx, c, "connect_fail"));
            assertEquals(up.address(), s.info.upstreamHost);
        }
    }

    @Test
    void connectFailureWithoutRetryIs503UF() throws Exception {
        String c = uniq("uf");
        InetSocketAddress dead = new InetSocketAddress("127.0.0.1", closedPort());
        TestServerContext ctx = context(c, UpstreamProtocol.HTTP1, dead);
        TestStream s = stream(ctx, TestRoute.action(c, null, null, null));
        s.start(new RouterFilter(CONFIG), TestStream.get("/"), true).await();
        assertEquals(503, s.status());
        assertTrue(s.body().startsWith(
                "upstream connect error or disconnect/reset before headers. reset reason: remote connection failure"),
                s.body());
        assertTrue(s.info.hasFlag(ResponseFlag.UPSTREAM_CONNECTION_FAILURE));
        assertFalse(s.info.hasFlag(ResponseFlag.UPSTREAM_RETRY_LIMIT_EXCEEDED));
    }

    @Test
    void connectFailuresExhaustedAre503UFandURX() throws Exception {
        String c = uniq("ufx");
        InetSocketAddress dead = new InetSocketAddress("127.0.0.1", closedPort());
        TestServerContext ctx = context(c, UpstreamProtocol.HTTP1, dead);
        RetryPolicy rp = TestRoute.retry(2, null, RetryOn.CONNECT_FAILURE);
        TestStream s = stream(ctx, TestRoute.action(c, null, rp, null));
        s.start(new RouterFilter(CONFIG), TestStream.get("/"), true).await();
        assertEquals(503, s.status());
        assertEquals(3, s.info.attemptCount);
        assertTrue(s.info.hasFlag(ResponseFlag.UPSTREAM_CONNECTION_FAILURE));
        assertTrue(s.info.hasFlag(ResponseFlag.UPSTREAM_RETRY_LIMIT_EXCEEDED));
    }

    @Test
    void perTryTimeoutThenTheRetrySucceeds() throws Exception {
        try (H1Upstream up = new H1Upstream(TRANSPORT, (ctx, req, n) -> {
            if (n > 1) {
                ctx.writeAndFlush(H1Upstream.text(200, "late but fine"));
            } // the first request never gets an answer
        })) {
            String c = uniq("pertry");
            TestServerContext ctx = context(c, UpstreamProtocol.HTTP1, up.address());
            RetryPolicy rp = TestRoute.retry(1, Duration.ofMillis(200), RetryOn.FIVE_XX);
            TestStream s = stream(ctx, TestRoute.action(c, null, rp, null));
            s.start(new RouterFilter(CONFIG), TestStream.get("/slow"), true).await();
            assertEquals(200, s.status());
            assertEquals("late but fine", s.body());
            assertEquals(1.0, count(ctx, c, "per_try_timeout"));
            assertEquals(1.0, count(ctx, c, "retry"));
            assertEquals("200", up.seen.get(0).headers().get("x-envoy-expected-rq-timeout-ms"));
        }
    }

    @Test
    void retriesExhaustedPassTheLast503WithURX() throws Exception {
        try (H1Upstream up = new H1Upstream(TRANSPORT, (ctx, req, n) ->
                ctx.writeAndFlush(H1Upstream.text(503, "down " + n)))) {
            String c = uniq("urx");
            TestServerContext ctx = context(c, UpstreamProtocol.HTTP1, up.address());
            RetryPolicy rp = TestRoute.retry(2, null, RetryOn.GATEWAY_ERROR);
            TestStream s = stream(ctx, TestRoute.action(c, null, rp, null));
            s.start(new RouterFilter(CONFIG), TestStream.get("/"), true).await();
            assertEquals(503, s.status());
            assertEquals("down 3", s.body());
            assertTrue(s.info.hasFlag(ResponseFlag.UPSTREAM_RETRY_LIMIT_EXCEEDED));
            assertEquals(2.0, count(ctx, c, "retry"));
            assertEquals(0.0, count(ctx, c, "retry_success"));
        }
    }

    @Test
    void retryOnHeaderFromTheRequest() throws Exception {
        try (H1Upstream up = new H1Upstream(TRANSPORT, (ctx, req, n) ->
                ctx.writeAndFlush(H1Upstream.text(n == 1 ? 418 : 200, "n" + n)))) {
            String c = uniq("hdr");
            TestServerContext ctx = context(c, UpstreamProtocol.HTTP1, up.address());
            TestStream s = stream(ctx, TestRoute.action(c, null, null, null));
            Http2Headers h = TestStream.get("/");
            h.set("x-envoy-retry-on", "retriable-status-codes");
            h.set("x-envoy-retriable-status-codes", "418");
            h.set("x-envoy-upstream-rq-timeout-ms", "3000");
            s.start(new RouterFilter(CONFIG), h, true).await();
            assertEquals(200, s.status());
            assertEquals(1.0, count(ctx, c, "retry"));
            assertNull(up.seen.get(0).headers().get("x-envoy-upstream-rq-timeout-ms"));
            assertEquals("3000", up.seen.get(0).headers().get("x-envoy-expected-rq-timeout-ms"));
        }
    }

    /**
     * Envoy's wouldRetryFromHeaders: a 425 (Too Early) among the retriable status codes is retried
     * at once (RetryImmediately: no back-off, counted in neither back-off stat), unless the request
     * came as early data, whose 425 goes downstream.
     */
    @Test
    void tooEarlyIsRetriedAtOnceUnlessTheRequestCameAsEarlyData() throws Exception {
        try (H1Upstream up = new H1Upstream(TRANSPORT, (ctx, req, n) ->
                ctx.writeAndFlush(H1Upstream.text(n % 2 == 1 ? 425 : 200, "n" + n)))) {
            String c = uniq("early");
            TestServerContext ctx = context(c, UpstreamProtocol.HTTP1, up.address());
            Http2Headers h = TestStream.get("/");
            h.set("x-envoy-retry-on", "retriable-status-codes");
            h.set("x-envoy-retriable-status-codes", "425");
            TestStream s = stream(ctx, TestRoute.action(c, null, null, null)).start(new RouterFilter(CONFIG), h, true).await();
            assertEquals(200, s.status());
            assertEquals(1.0, count(ctx, c, "retry"));
            assertEquals(0.0, ctx.stats.cluster(c).upstreamRqRetryBackoffExponential.count());
            assertEquals(0.0, ctx.stats.cluster(c).upstreamRqRetryBackoffRatelimited.count());

            Http2Headers early = TestStream.get("/");
            early.set("x-envoy-retry-on", "retriable-status-codes");
            early.set("x-envoy-retriable-status-codes", "425");
            early.set("early-data", "1");
            TestStream e = stream(ctx, TestRoute.action(c, null, null, null)).start(new RouterFilter(CONFIG), early, true).await();
            assertEquals(425, e.status());
            assertEquals(1.0, count(ctx, c, "retry"));
            assertEquals(3, up.requests.get());
        }
    }

    @Test
    void routeTimeoutIs504UT() throws Exception {
        try (H1Upstream up = new H1Upstream(TRANSPORT, (ctx, req, n) -> { })) {
            String c = uniq("ut");
            TestServerContext ctx = context(c, UpstreamProtocol.HTTP1, up.address());
            TestStream s = stream(ctx, TestRoute.action(c, Duration.ofMillis(200), null, null));
            s.start(new RouterFilter(CONFIG), TestStream.get("/"), true).await();
            assertEquals(504, s.status());
            assertEquals("upstream request timeout", s.body());
            assertTrue(s.info.hasFlag(ResponseFlag.UPSTREAM_REQUEST_TIMEOUT));
            assertEquals("upstream_response_timeout", s.info.responseCodeDetails);
            assertEquals(1.0, count(ctx, c, "timeout"));
        }
    }

    @Test
    void timeoutAltResponseIs204() throws Exception {
        try (H1Upstream up = new H1Upstream(TRANSPORT, (ctx, req, n) -> { })) {
            String c = uniq("alt");
            TestServerContext ctx = context(c, UpstreamProtocol.HTTP1, up.address());
            TestStream s = stream(ctx, TestRoute.action(c, Duration.ofMillis(100), null, null));
            Http2Headers h = TestStream.get("/").set("x-envoy-upstream-rq-timeout-alt-response", "");
            s.start(new RouterFilter(CONFIG), h, true).await();
            assertEquals(204, s.status());
            assertTrue(s.info.hasFlag(ResponseFlag.UPSTREAM_REQUEST_TIMEOUT));
            assertNull(up.seen.get(0).headers().get("x-envoy-upstream-rq-timeout-alt-response"));
        }
    }

    /** Envoy's onUpstreamTimeoutAbort: "upstream request timeout" goes with a 504 only, the asked-for 204 is empty. */
    @Test
    void timeoutAltResponseHasNoBody() throws Exception {
        try (H1Upstream up = new H1Upstream(TRANSPORT, (ctx, req, n) -> { })) {
            String c = uniq("altbody");
            TestServerContext ctx = context(c, UpstreamProtocol.HTTP1, up.address());
            TestStream s = stream(ctx, TestRoute.action(c, Duration.ofMillis(100), null, null));
            Http2Headers h = TestStream.get("/").set("x-envoy-upstream-rq-timeout-alt-response", "");
            s.start(new RouterFilter(CONFIG), h, true).await();
            assertEquals(204, s.status());
            assertEquals("", s.body(), "the route timeout's 204");

            TestStream perTry = stream(ctx, TestRoute.action(c, Duration.ofSeconds(10), null, null));
            Http2Headers h2 = TestStream.get("/").set("x-envoy-upstream-rq-timeout-alt-response", "")
                    .set("x-envoy-upstream-rq-per-try-timeout-ms", "100");
            perTry.start(new RouterFilter(CONFIG), h2, true).await();
            assertEquals(204, perTry.status());
            assertEquals("", perTry.body(), "the per-try timeout's 204");
            assertEquals("upstream_per_try_timeout", perTry.info.responseCodeDetails);
        }
    }

    @Test
    void http1PoolReusesTheConnection() throws Exception {
        try (H1Upstream up = new H1Upstream(TRANSPORT, H1Upstream.echoPath())) {
            String c = uniq("reuse");
            TestServerContext ctx = context(c, UpstreamProtocol.HTTP1, up.address());
            for (int i = 0; i < 3; i++) {
                TestStream s = stream(ctx, TestRoute.action(c, null, null, null));
                s.start(new RouterFilter(CONFIG), TestStream.get("/" + i), true).await();
                assertEquals("path=/" + i, s.body());
            }
            assertEquals(3, up.requests.get());
            assertEquals(1, up.accepts.get());
        }
    }

    @Test
    void http2PoolMultiplexesConcurrentRequests() throws Exception {
        List<io.netty.channel.ChannelHandlerContext> held = new ArrayList<>();
        try (H2Upstream up = new H2Upstream(TRANSPORT, 100, (ctx, h, body, tr, n) -> {
            synchronized (held) {
                held.add(ctx);
                if (held.size() == 5) {
                    for (var x : held) {
                        H2Upstream.respond(x, 200, "ok");
                    }
                }
            }
        })) {
            String c = uniq("h2mux");
            TestServerContext ctx = context(c, UpstreamProtocol.HTTP2, up.address());
            List<TestStream> streams = new ArrayList<>();
            for (int i = 0; i < 5; i++) {
                TestStream s = stream(ctx, TestRoute.action(c, null, null, null));
                s.start(new RouterFilter(CONFIG), TestStream.get("/" + i), true);
                streams.add(s);
            }
            for (TestStream s : streams) {
                s.await();
                assertEquals(200, s.status());
                assertEquals("ok", s.body());
            }
            assertEquals(1, up.accepts.get());
            assertEquals("example.com", up.seen.get(0).authority().toString());
        }
    }

    @Test
    void grpcTrailersPassThroughHttp2() throws Exception {
        try (H2Upstream up = new H2Upstream(TRANSPORT, 100, (ctx, h, body, tr, n) -> {
            ctx.write(new DefaultHttp2HeadersFrame(new DefaultHttp2Headers().status("200")
                    .set("content-type", "application/grpc"), false));
            ctx.write(new DefaultHttp2DataFrame(Unpooled.copiedBuffer("reply:" + body, StandardCharsets.UTF_8), false));
            ctx.writeAndFlush(new DefaultHttp2HeadersFrame(new DefaultHttp2Headers()
                    .set("grpc-status", "0").set("grpc-message", "fine"), true));
        })) {
            String c = uniq("grpc");
            TestServerContext ctx = context(c, UpstreamProtocol.HTTP2, up.address());
            TestStream s = stream(ctx, TestRoute.action(c, null, null, null));
            Http2Headers h = TestStream.post("/pkg.Svc/Call").set("content-type", "application/grpc").set("te", "trailers");
            s.start(new RouterFilter(CONFIG), h, false);
            s.run(() -> s.filter.decodeData(Unpooled.copiedBuffer("msg", StandardCharsets.UTF_8), true));
            s.await();
            assertEquals(200, s.status());
            assertEquals("reply:msg", s.body());
            assertNotNull(s.responseTrailers);
            assertEquals("0", s.responseTrailers.get("grpc-status").toString());
            assertEquals("trailers", up.seen.get(0).get("te").toString());
        }
    }

    @Test
    void refusedStreamIsRetried() throws Exception {
        try (H2Upstream up = new H2Upstream(TRANSPORT, 100, (ctx, h, body, tr, n) -> {
            if (n == 1) {
                ctx.writeAndFlush(new DefaultHttp2ResetFrame(Http2Error.REFUSED_STREAM));
            } else {
                H2Upstream.respond(ctx, 200, "second");
            }
        })) {
            String c = uniq("refused");
            TestServerContext ctx = context(c, UpstreamProtocol.HTTP2, up.address());
            RetryPolicy rp = TestRoute.retry(1, null, RetryOn.REFUSED_STREAM);
            TestStream s = stream(ctx, TestRoute.action(c, null, rp, null));
            s.start(new RouterFilter(CONFIG), TestStream.get("/"), true).await();
            assertEquals(200, s.status());
            assertEquals("second", s.body());
            assertEquals(1.0, count(ctx, c, "retry"));
        }
    }

    @Test
    void bodyBeyondTheBufferLimitIsStreamedAndNotRetried() throws Exception {
        try (H1Upstream up = new H1Upstream(TRANSPORT, (ctx, req, n) ->
                ctx.writeAndFlush(H1Upstream.text(503, "got " + req.content().readableBytes())))) {
            String c = uniq("big");
            TestServerContext ctx = context(c, UpstreamProtocol.HTTP1, up.address());
            RetryPolicy rp = TestRoute.retry(3, null, RetryOn.FIVE_XX);
            TestStream s = stream(ctx, TestRoute.action(c, null, rp, null));
            s.bufferLimit = 1024;
            s.start(new RouterFilter(CONFIG), TestStream.post("/upload"), false);
            for (int i = 0; i < 8; i++) {
                boolean last = i == 7;
                s.run(() -> s.filter.decodeData(Unpooled.wrappedBuffer(new byte[512]), last));
            }
            s.await();
            assertEquals(503, s.status());
            assertEquals("got 4096", s.body());
            assertEquals(1, up.requests.get());
            assertEquals(0.0, count(ctx, c, "retry"));
        }
    }

    @Test
    void smallBodyIsReplayedOnRetry() throws Exception {
        try (H1Upstream up = new H1Upstream(TRANSPORT, (ctx, req, n) ->
                ctx.writeAndFlush(H1Upstream.text(n == 1 ? 503 : 200,
                        req.content().toString(StandardCharsets.UTF_8))))) {
            String c = uniq("replay");
            TestServerContext ctx = context(c, UpstreamProtocol.HTTP1, up.address());
            RetryPolicy rp = TestRoute.retry(1, null, RetryOn.FIVE_XX);
            TestStream s = stream(ctx, TestRoute.action(c, null, rp, null));
            s.start(new RouterFilter(CONFIG), TestStream.post("/p"), false);
            s.run(() -> s.filter.decodeData(Unpooled.copiedBuffer("hello ", StandardCharsets.UTF_8), false));
            s.run(() -> s.filter.decodeData(Unpooled.copiedBuffer("world", StandardCharsets.UTF_8), true));
            s.await();
            assertEquals(200, s.status());
            assertEquals("hello world", s.body());
        }
    }

    @Test
    void upstreamCloseMidResponseResetsTheClientAndThePoolRecovers() throws Exception {
        try (H1Upstream up = new H1Upstream(TRANSPORT, (ctx, req, n) -> {
            if (n == 1) {
                DefaultHttpResponse r = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
                r.headers().set(HttpHeaderNames.CONTENT_LENGTH, 100);
                ctx.write(r);
                ctx.writeAndFlush(new DefaultHttpContent(Unpooled.copiedBuffer("partial", StandardCharsets.UTF_8)))
                        .addListener(f -> ctx.close());
            } else {
                ctx.writeAndFlush(H1Upstream.text(200, "whole"));
            }
        })) {
            String c = uniq("mid");
            TestServerContext ctx = context(c, UpstreamProtocol.HTTP1, up.address());
            RetryPolicy rp = TestRoute.retry(1, null, RetryOn.RESET);
            TestStream s = stream(ctx, TestRoute.action(c, null, rp, null));
            s.start(new RouterFilter(CONFIG), TestStream.get("/"), true).await();
            assertTrue(s.reset);
            assertEquals(200, s.status());
            assertEquals("partial", s.body());
            // A body short of its content-length when the upstream closes: Envoy's parser fails it (UPE).
            assertTrue(s.info.hasFlag(ResponseFlag.UPSTREAM_PROTOCOL_ERROR));
            TestStream next = stream(ctx, TestRoute.action(c, null, null, null));
            next.start(new RouterFilter(CONFIG), TestStream.get("/"), true).await();
            assertEquals(200, next.status());
            assertEquals("whole", next.body());
        }
    }

    @Test
    void upstreamCloseBeforeHeadersIs503UC() throws Exception {
        try (H1Upstream up = new H1Upstream(TRANSPORT, (ctx, req, n) -> ctx.close())) {
            String c = uniq("uc");
            TestServerContext ctx = context(c, UpstreamProtocol.HTTP1, up.address());
            TestStream s = stream(ctx, TestRoute.action(c, null, null, null));
            s.start(new RouterFilter(CONFIG), TestStream.get("/"), true).await();
            assertEquals(503, s.status());
            assertEquals("upstream connect error or disconnect/reset before headers. reset reason: connection termination",
                    s.body());
            assertTrue(s.info.hasFlag(ResponseFlag.UPSTREAM_CONNECTION_TERMINATION));
            assertEquals("upstream_reset_before_response_started{connection_termination}", s.info.responseCodeDetails);
        }
    }

    @Test
    void missingClusterIs503NCAndNoHostIs503UH() throws Exception {
        String c = uniq("empty");
        TestServerContext ctx = context(c, UpstreamProtocol.HTTP1);
        TestStream nc = stream(ctx, TestRoute.action("nope", null, null, null));
        nc.start(new RouterFilter(CONFIG), TestStream.get("/"), true).await();
        assertEquals(503, nc.status());
        assertTrue(nc.info.hasFlag(ResponseFlag.NO_CLUSTER_FOUND));
        TestStream nf = stream(ctx, io.remora.config.ForwardAction.builder(
                new io.remora.config.ClusterSpecifier.Single("nope")).clusterNotFoundStatus(404).build());
        nf.start(new RouterFilter(CONFIG), TestStream.get("/"), true).await();
        assertEquals(404, nf.status(), "cluster_not_found_response_code");
        assertTrue(nf.info.hasFlag(ResponseFlag.NO_CLUSTER_FOUND));
        TestStream uh = stream(ctx, TestRoute.action(c, null, null, null));
        uh.start(new RouterFilter(CONFIG), TestStream.get("/"), true).await();
        assertEquals(503, uh.status());
        assertEquals("no healthy upstream", uh.body());
        assertTrue(uh.info.hasFlag(ResponseFlag.NO_HEALTHY_UPSTREAM));
    }

    @Test
    void mirrorGetsACopyWithShadowHost() throws Exception {
        try (H1Upstream main = new H1Upstream(TRANSPORT, H1Upstream.echoPath());
             H1Upstream shadow = new H1Upstream(TRANSPORT, (ctx, req, n) ->
                     ctx.writeAndFlush(H1Upstream.text(200, "ignored")))) {
            String c = uniq("main");
            String m = uniq("mirror");
            TestServerContext ctx = context(c, UpstreamProtocol.HTTP1, main.address());
            ctx.add(new FixedCluster(FixedCluster.config(m, UpstreamProtocol.HTTP1), ctx.stats,
                    FixedCluster.hosts(shadow.address())));
            ForwardAction fa = TestRoute.action(c, null, null, List.of(ForwardAction.MirrorPolicy.of(m, null)));
            TestStream s = stream(ctx, fa);
            s.start(new RouterFilter(CONFIG), TestStream.post("/m"), false);
            s.run(() -> s.filter.decodeData(Unpooled.copiedBuffer("payload", StandardCharsets.UTF_8), true));
            s.await();
            assertEquals(200, s.status());
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            while (shadow.requests.get() == 0 && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            assertEquals(1, shadow.requests.get());
            assertEquals("example.com-shadow", shadow.hosts.get(0));
            assertEquals("payload", shadow.seen.get(0).content().toString(StandardCharsets.UTF_8));
        }
    }

    /**
     * A copy's host results are its router's (Envoy's shadow is an async client's router, which
     * chargeUpstreamAbort's a connect failure on the host: rq_error), not the pool's, which count none.
     */
    @Test
    void aMirrorWhoseConnectFailsChargesItsHost() throws Exception {
        try (H1Upstream main = new H1Upstream(TRANSPORT, H1Upstream.echoPath())) {
            String c = uniq("main");
            String m = uniq("mirror");
            TestServerContext ctx = context(c, UpstreamProtocol.HTTP1, main.address());
            ctx.add(new FixedCluster(FixedCluster.config(m, UpstreamProtocol.HTTP1), ctx.stats,
                    FixedCluster.hosts(new InetSocketAddress(java.net.InetAddress.getLoopbackAddress(), closedPort()))));
            ForwardAction fa = TestRoute.action(c, null, null, List.of(ForwardAction.MirrorPolicy.of(m, null)));
            TestStream s = stream(ctx, fa).start(new RouterFilter(CONFIG), TestStream.get("/m"), true).await();
            assertEquals(200, s.status());
            io.remora.upstream.Host host = ctx.clusters.get(m).hosts().get(0);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            while (host.stats.rqError.sum() == 0 && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            assertEquals(1.0, ctx.stats.cluster(m).upstreamCxConnectFail.count());
            assertEquals(1, host.stats.rqError.sum());
            assertEquals(0, host.stats.rqSuccess.sum());
            assertEquals(0.0, ctx.stats.cluster(m).upstreamRqTotal.count());
        }
    }

    @Test
    void suppressEnvoyHeaders() throws Exception {
        try (H1Upstream up = new H1Upstream(TRANSPORT, H1Upstream.echoPath())) {
            String c = uniq("quiet");
            TestServerContext ctx = context(c, UpstreamProtocol.HTTP1, up.address());
            TestStream s = stream(ctx, TestRoute.action(c, null, null, null));
            s.start(new RouterFilter(new RouterFilterConfig(true)), TestStream.get("/"), true).await();
            assertEquals(200, s.status());
            assertNull(s.responseHeaders.get("x-envoy-upstream-service-time"));
            assertNull(up.seen.get(0).headers().get("x-envoy-expected-rq-timeout-ms"));
        }
    }

    @Test
    void chunkedResponseStreams() throws Exception {
        try (H1Upstream up = new H1Upstream(TRANSPORT, (ctx, req, n) -> {
            DefaultHttpResponse r = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
            r.headers().set(HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderValues.CHUNKED);
            ctx.write(r);
            ctx.write(new DefaultHttpContent(Unpooled.copiedBuffer("a", StandardCharsets.UTF_8)));
            ctx.writeAndFlush(new io.netty.handler.codec.http.DefaultLastHttpContent(
                    Unpooled.copiedBuffer("b", StandardCharsets.UTF_8)));
        })) {
            String c = uniq("chunked");
            TestServerContext ctx = context(c, UpstreamProtocol.HTTP1, up.address());
            TestStream s = stream(ctx, TestRoute.action(c, null, null, null));
            s.start(new RouterFilter(CONFIG), TestStream.get("/"), true).await();
            assertEquals("ab", s.body());
            assertNull(s.responseHeaders.get("transfer-encoding"));
        }
    }
}
