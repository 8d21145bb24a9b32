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
 * A service client's call (ext_authz, ext_proc, rate limit...) against its cluster's max_requests
 * breaker, as Envoy's async client, whose router charges the pool's overflow as a 503.
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
            assertEquals("overflow", done.get(5, TimeUnit.SECONDS).failure());
            assertEquals(1.0, c.stats().upstreamRqActiveOverflow.count());
            // Envoy's chargeUpstreamAbort in the async client's router: upstream_rq_503 and upstream_rq_completed.
            assertEquals(1.0, c.stats().upstreamRqCompleted.count());
            assertEquals(0.0, c.stats().upstreamRqTotal.count());
            assertEquals(0, up.requests.get());
        } finally {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
        }
    }
}
