package io.remora.http.upstream;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.Http2Headers;
import io.remora.config.ClusterConfig;
import io.remora.config.ClusterConfig.UpstreamProtocol;
import io.remora.http.testing.FixedCluster;
import io.remora.http.testing.H1Upstream;
import io.remora.http.testing.H2Upstream;
import io.remora.http.testing.LeakCheck;
import io.remora.http.testing.OneWorkerLoop;
import io.remora.server.Transport;
import io.remora.stats.StatsRegistry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The pools on their own, against real upstream sockets. */
class ConnectionPoolTest {
    static {
        LeakCheck.install();
    }

    static final Transport TRANSPORT = Transport.detect();

    @RegisterExtension
    static final OneWorkerLoop WORKER = new OneWorkerLoop();

    /** Records one exchange; sends the request given when the pool is ready. */
    static final class Exchange implements UpstreamCallbacks {
        final CompletableFuture<Exchange> done = new CompletableFuture<>();
        final StringBuilder body = new StringBuilder();
        final Http2Headers request;
        final String requestBody;
        final Http2Headers requestTrailers;
        volatile Http2Headers headers;
        volatile Http2Headers trailers;
        volatile ResetReason reset;
        /** Read-disable the stream as soon as the request is written (a downstream that does not drain). */
        boolean startPaused;
        volatile UpstreamStream stream;
        volatile long bytes;

        Exchange(Http2Headers request, String requestBody, Http2Headers requestTrailers) {
            this.request = request;
            this.requestBody = requestBody;
            this.requestTrailers = requestTrailers;
        }

        @Override
        public void onPoolReady(UpstreamStream stream) {
            boolean noBody = requestBody == null && requestTrailers == null;
            stream.writeHeaders(request, noBody);
            if (requestBody != null) {
                stream.writeData(Unpooled.copiedBuffer(requestBody, StandardCharsets.UTF_8), requestTrailers == null);
            }
            if (requestTrailers != null) {
                stream.writeTrailers(requestTrailers);
            }
            this.stream = stream;
            if (startPaused) {
                stream.readEnabled(false);
            }
        }

        @Override
        public void onPoolFailure(ResetReason reason, String transportFailureReason) {
            reset = reason;
            done.complete(this);
        }

        @Override
        public void onResponseHeaders(Http2Headers h, boolean endStream) {
            headers = h;
            if (endStream) {
                done.complete(this);
            }
        }

        @Override
        public void onResponseData(ByteBuf data, boolean endStream) {
            bytes += data.readableBytes();
            body.append(data.toString(StandardCharsets.UTF_8));
            data.release();
            if (endStream) {
                done.complete(this);
            }
        }

        @Override
        public void onResponseTrailers(Http2Headers t) {
            trailers = t;
            done.complete(this);
        }

        @Override
        public void onReset(ResetReason reason) {
            reset = reason;
            done.complete(this);
        }

        @Override
        public void onWritabilityChanged(boolean writable) {
        }

        Exchange run(FixedCluster cluster) throws Exception {
            WORKER.loop().submit(() -> ConnectionPools.get(WORKER.loop(), TRANSPORT, cluster, cluster.hosts().get(0),
                    cluster.config().protocol()).newStream(this)).get(5, TimeUnit.SECONDS);
            return done.get(10, TimeUnit.SECONDS);
        }
    }

    static Http2Headers post() {
        return new DefaultHttp2Headers().method("POST").path("/p").authority("up.local").scheme("http");
    }

    @Test
    void http1ChunkedRequestWithTrailers() throws Exception {
        try (H1Upstream up = new H1Upstream(TRANSPORT, (ctx, req, n) -> ctx.writeAndFlush(H1Upstream.text(200,
                req.content().toString(StandardCharsets.UTF_8) + "|" + req.trailingHeaders().get("x-sum"))))) {
            // http_protocol_options.enable_trailers on the cluster: the trailers go upstream.
            FixedCluster c = new FixedCluster(FixedCluster.config("pool-chunked", UpstreamProtocol.HTTP1).toBuilder()
                    .http1EnableTrailers(true).build(), new StatsRegistry(), FixedCluster.hosts(up.address()));
            Exchange e = new Exchange(post().add("te", "gzip").add("connection", "x-foo").add("x-foo", "bar"), "abc",
                    new DefaultHttp2Headers().add("x-sum", "42")).run(c);
            assertEquals("200", e.headers.status().toString());
            assertEquals("abc|42", e.body.toString());
            assertEquals("up.local", up.seen.get(0).headers().get("host"));
            assertEquals(null, up.seen.get(0).headers().get("te"));
            // Envoy's default: the HTTP/1.1 codec drops them, and the body still ends.
            FixedCluster off = new FixedCluster(FixedCluster.config("pool-chunked-off", UpstreamProtocol.HTTP1),
                    new StatsRegistry(), FixedCluster.hosts(up.address()));
            Exchange dropped = new Exchange(post(), "abc", new DefaultHttp2Headers().add("x-sum", "42")).run(off);
            assertEquals("abc|null", dropped.body.toString());
        }
    }

    @Test
    void idleConnectionsCloseAndThePoolIsDropped() throws Exception {
        try (H1Upstream up = new H1Upstream(TRANSPORT, H1Upstream.echoPath())) {
            StatsRegistry stats = new StatsRegistry();
            FixedCluster c = new FixedCluster(FixedCluster.config("pool-idle", UpstreamProtocol.HTTP1,
                    ClusterConfig.CircuitBreakers.DEFAULT, 0, Duration.ofMillis(100)), stats, FixedCluster.hosts(up.address()));
            Exchange e = new Exchange(post(), null, null).run(c);
            assertEquals("200", e.headers.status().toString());
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            while (stats.cluster("pool-idle").upstreamCxIdleTimeout.count() < 1 && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            assertEquals(1.0, stats.cluster("pool-idle").upstreamCxIdleTimeout.count());
            Thread.sleep(50);
            assertEquals(false, WORKER.loop().submit(() -> ConnectionPools.holds(c.hosts().get(0))).get());
            assertEquals(0L, stats.cluster("pool-idle").upstreamCxActive.get());
            assertEquals(0, c.limits().connections.get());
        }
    }

    @Test
    void http2ResponseAndConnectFailure() throws Exception {
        try (H2Upstream up = new H2Upstream(TRANSPORT, 100, (ctx, h, body, tr, n) ->
                H2Upstream.respond(ctx, 201, body + "|" + (tr == null ? "" : tr.get("x-sum"))))) {
            FixedCluster c = new FixedCluster(FixedCluster.config("pool-h2", UpstreamProtocol.HTTP2),
                    new StatsRegistry(), FixedCluster.hosts(up.address()));
            Exchange e = new Exchange(post(), "xyz", new DefaultHttp2Headers().add("x-sum", "7")).run(c);
            assertEquals("201", e.headers.status().toString());
            assertEquals("xyz|7", e.body.toString());
        }
        int port;
        try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
            port = s.getLocalPort();
        }
        StatsRegistry stats = new StatsRegistry();
        FixedCluster dead = new FixedCluster(FixedCluster.config("pool-h2-dead", UpstreamProtocol.HTTP2), stats,
                FixedCluster.hosts(new java.net.InetSocketAddress("127.0.0.1", port)));
        Exchange e = new Exchange(post(), null, null).run(dead);
        assertEquals(ResetReason.CONNECTION_FAILURE, e.reset);
        assertEquals(1.0, stats.cluster("pool-h2-dead").upstreamCxConnectFail.count());
    }

    @Test
    void aConnectionToARemovedHostIsNotPooled() throws Exception {
        java.util.concurrent.CountDownLatch removed = new java.util.concurrent.CountDownLatch(1);
        try (H1Upstream up = new H1Upstream(TRANSPORT, (ctx, req, n) -> {
            try {
                removed.await(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            ctx.writeAndFlush(H1Upstream.text(200, "bye"));
        })) {
            StatsRegistry stats = new StatsRegistry();
            FixedCluster c = new FixedCluster(FixedCluster.config("pool-removed", UpstreamProtocol.HTTP1),
                    stats, FixedCluster.hosts(up.address()));
            var host = c.hosts().get(0);
            Exchange e = new Exchange(post(), null, null);
            WORKER.loop().submit(() -> ConnectionPools.get(WORKER.loop(), TRANSPORT, c, host, UpstreamProtocol.HTTP1).newStream(e))
                    .get(5, TimeUnit.SECONDS);
            Thread.sleep(100);
            c.hosts(List.of()); // the endpoint left the cluster while its request was in flight
            removed.countDown();
            assertEquals("bye", e.done.get(10, TimeUnit.SECONDS).body.toString());
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            while (stats.cluster("pool-removed").upstreamCxActive.get() != 0 && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            assertEquals(0L, stats.cluster("pool-removed").upstreamCxActive.get());
            assertEquals(false, WORKER.loop().submit(() -> ConnectionPools.holds(host)).get());
        }
    }

    private static void await(java.util.function.BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (!condition.getAsBoolean() && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
    }

    @Test
    void maxConnectionDurationDrainsHttp1Connections() throws Exception {
        try (H1Upstream up = new H1Upstream(TRANSPORT, H1Upstream.echoPath())) {
            StatsRegistry stats = new StatsRegistry();
            FixedCluster c = new FixedCluster(FixedCluster.config("pool-maxdur", UpstreamProtocol.HTTP1)
                    .withMaxConnectionDuration(Duration.ofMillis(200)), stats, FixedCluster.hosts(up.address()));
            assertEquals("200", new Exchange(post(), null, null).run(c).headers.status().toString());
            // Idle in the pool when its time is up: closed at once.
            await(() -> stats.cluster("pool-maxdur").upstreamCxActive.get() == 0);
            assertEquals(1.0, stats.cluster("pool-maxdur").upstreamCxMaxDurationReached.count());
            assertEquals(0L, stats.cluster("pool-maxdur").upstreamCxActive.get());
            assertEquals("200", new Exchange(post(), null, null).run(c).headers.status().toString());
            assertEquals(2, up.accepts.get(), "the next request needed a new connection");
        }
    }

    @Test
    void maxConnectionDurationLetsHttp2StreamsFinishAndSendsNewOnesElsewhere() throws Exception {
        try (H2Upstream up = new H2Upstream(TRANSPORT, 100, (ctx, h, body, tr, n) -> {
            if (n == 1) {
                ctx.executor().schedule(() -> H2Upstream.respond(ctx, 200, "slow"), 600, TimeUnit.MILLISECONDS);
            } else {
                H2Upstream.respond(ctx, 200, "fast");
            }
        })) {
            StatsRegistry stats = new StatsRegistry();
            FixedCluster c = new FixedCluster(FixedCluster.config("pool-maxdur-h2", UpstreamProtocol.HTTP2)
                    .withMaxConnectionDuration(Duration.ofMillis(200)), stats, FixedCluster.hosts(up.address()));
            Exchange slow = new Exchange(post(), null, null);
            WORKER.loop().submit(() -> ConnectionPools.get(WORKER.loop(), TRANSPORT, c, c.hosts().get(0), UpstreamProtocol.HTTP2)
                    .newStream(slow)).get(5, TimeUnit.SECONDS);
            await(() -> stats.cluster("pool-maxdur-h2").upstreamCxMaxDurationReached.count() >= 1);
            assertEquals(1.0, stats.cluster("pool-maxdur-h2").upstreamCxMaxDurationReached.count());
            Exchange fast = new Exchange(post(), null, null).run(c);
            assertEquals("fast", fast.body.toString());
            assertEquals(2, up.accepts.get(), "a drained connection takes no new stream");
            assertEquals("slow", slow.done.get(10, TimeUnit.SECONDS).body.toString(), "the stream in flight finished");
            await(() -> stats.cluster("pool-maxdur-h2").upstreamCxActive.get() == 0);
            assertEquals(0L, stats.cluster("pool-maxdur-h2").upstreamCxActive.get());
        }
    }

    @Test
    void http2ResponseDataIsHeldUnconsumedWhileTheRequesterIsReadDisabled() throws Exception {
        int size = 1 << 20;
        try (H2Upstream up = new H2Upstream(TRANSPORT, 100, (ctx, h, body, tr, n) -> {
            ctx.write(new io.netty.handler.codec.http2.DefaultHttp2HeadersFrame(new DefaultHttp2Headers().status("200"), false));
            ctx.writeAndFlush(new io.netty.handler.codec.http2.DefaultHttp2DataFrame(Unpooled.wrappedBuffer(new byte[size]), true));
        })) {
            StatsRegistry stats = new StatsRegistry();
            int window = 65_535;
            FixedCluster c = new FixedCluster(FixedCluster.config("pool-h2-window", UpstreamProtocol.HTTP2).toBuilder()
                    .http2Options(new io.remora.config.Http2Options(100, window, 4 * window, false)).build(),
                    stats, FixedCluster.hosts(up.address()));
            Exchange e = new Exchange(post(), null, null);
            e.startPaused = true;
            WORKER.loop().submit(() -> ConnectionPools.get(WORKER.loop(), TRANSPORT, c, c.hosts().get(0), UpstreamProtocol.HTTP2)
                    .newStream(e)).get(5, TimeUnit.SECONDS);
            await(() -> e.headers != null);
            Thread.sleep(300);
            // Held, not consumed: no WINDOW_UPDATE, so the upstream stops at the stream's window.
            assertEquals(0L, WORKER.loop().submit(() -> e.bytes).get());
            double rx = stats.cluster("pool-h2-window").upstreamCxRxBytesTotal.count();
            assertTrue(rx < 2 * window, "received " + rx + " bytes while read-disabled");
            WORKER.loop().execute(() -> e.stream.readEnabled(true));
            assertEquals(null, e.done.get(10, TimeUnit.SECONDS).reset);
            assertEquals((long) size, WORKER.loop().submit(() -> e.bytes).get());
            assertTrue(stats.cluster("pool-h2-window").upstreamCxRxBytesTotal.count() >= size);
        }
    }

    @Test
    void aTunnelRefusedByMaxConnectionsCountsAConnectionOverflow() throws Exception {
        try (H1Upstream up = new H1Upstream(TRANSPORT, (ctx, req, n) -> ctx.close())) {
            FixedCluster c = new FixedCluster(FixedCluster.config("tunnel-cx", UpstreamProtocol.HTTP1,
                    new io.remora.config.ClusterConfig.CircuitBreakers(0, 1024, 1024, 3), 0), new StatsRegistry(),
                    FixedCluster.hosts(up.address()));
            Exchange e = new Exchange(null, null, null);
            WORKER.loop().execute(() -> TcpTunnelStream.open(WORKER.loop(), TRANSPORT, c, c.hosts().get(0), null, null, null, false, e));
            e.done.get(5, TimeUnit.SECONDS);
            assertEquals(ResetReason.OVERFLOW, e.reset);
            // Envoy's conn_pool_base tryCreateNewConnection: the connections breaker's counter.
            assertEquals(1.0, c.stats().upstreamCxOverflow.count());
            assertEquals(0.0, c.stats().upstreamRqPendingOverflow.count());
            assertEquals(0, up.accepts.get());
        }
    }
}
