package io.remora.extensions.filters.http.common;

import io.netty.channel.EventLoopGroup;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.remora.config.ClusterConfig;
import io.remora.config.ClusterConfig.UpstreamProtocol;
import io.remora.http.testing.FixedCluster;
import io.remora.http.testing.H1Upstream;
import io.remora.http.testing.TestServerContext;
import io.remora.server.Transport;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * A service client's call (ext_authz, ext_proc, rate limit...) the pool fails (its cluster's
 * max_requests breaker, a connect failure), as Envoy's async client, whose router charges the
 * failure as a 503.
 */
class ClusterCallOverflowTest {
    private static final Transport TRANSPORT = Transport.detect();

    @Test
    void aCallTheMaxRequestsBreakerTurnsAwayCountsAnActiveOverflowAndA503() throws Exception {
        EventLoopGroup group = TRANSPORT.newEventLoopGroup(1, "call-worker");
        try (H1Upstream up = new H1Upstream(TRANSPORT, (ctx, req, n) -> ctx.writeAndFlush(H1Upstream.text(200, "ok")))) {
            TestServerContext ctx = new TestServerContext(TRANSPORT);
            FixedCluster c = new FixedCluster(FixedCluster.config("authz", UpstreamProtocol.HTTP1,
                    new ClusterConfig.CircuitBreakers(1024, 1024, 0, 3), 0), ctx.stats, FixedCluster.hosts(up.address()));
            ctx.add(c);
            CompletableFuture<ClusterCall.Response> done = new CompletableFuture<>();
            group.next().execute(() -> ClusterCall.start(group.next(), ctx, "authz", UpstreamProtocol.HTTP1,
                    new DefaultHttp2Headers().method("GET").path("/check").scheme("http").authority("authz"), null,
                    Duration.ofSeconds(1), done::complete));
            // As Envoy's attachStreamToClient: max_requests is taken as the pool binds the call to a
            // connection, whose host the overflow names (its rq_error, the async client's router's).
            assertEquals(io.remora.http.upstream.ResetReason.OVERFLOW, done.get(5, TimeUnit.SECONDS).reset());
            assertEquals(1.0, c.stats().upstreamRqActiveOverflow.count());
            assertEquals(1, c.hosts().get(0).stats.rqError.sum());
            // Envoy's chargeUpstreamAbort in the async client's router: upstream_rq_503 and upstream_rq_completed.
            assertEquals(1.0, c.stats().upstreamRqCompleted.count());
            assertEquals(0.0, c.stats().upstreamRqTotal.count());
            assertEquals(0, up.requests.get());
        } finally {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
        }
    }

    /**
     * A connect failure is counted as Envoy's pool and async client's router count it: no
     * upstream_rq_total (the stream never bound to a connection), the 503 and the host's rq_error
     * (chargeUpstreamAbort, the failure naming its host).
     */
    @Test
    void aCallWhoseConnectFailsChargesItsHost() throws Exception {
        EventLoopGroup group = TRANSPORT.newEventLoopGroup(1, "call-worker");
        try {
            TestServerContext ctx = new TestServerContext(TRANSPORT);
            FixedCluster c = new FixedCluster(FixedCluster.config("authz_down", UpstreamProtocol.HTTP1), ctx.stats,
                    FixedCluster.hosts(new java.net.InetSocketAddress("127.0.0.1", io.remora.e2e.ProxyProcess.freePort())));
            ctx.add(c);
            CompletableFuture<ClusterCall.Response> done = new CompletableFuture<>();
            group.next().execute(() -> ClusterCall.start(group.next(), ctx, "authz_down", UpstreamProtocol.HTTP1,
                    new DefaultHttp2Headers().method("GET").path("/check").scheme("http").authority("authz"), null,
                    Duration.ofSeconds(1), done::complete));
            assertEquals(io.remora.http.upstream.ResetReason.CONNECTION_FAILURE, done.get(5, TimeUnit.SECONDS).reset());
            assertEquals(1.0, c.stats().upstreamRqCompleted.count());
            assertEquals(0.0, c.stats().upstreamRqTotal.count());
            assertEquals(1, c.hosts().get(0).stats.rqError.sum());
            assertEquals(0, c.hosts().get(0).stats.rqTotal.sum());
        } finally {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
        }
    }
}
