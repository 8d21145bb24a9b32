package io.remora.extensions.filters.http.common;

import io.netty.channel.EventLoopGroup;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.remora.config.ClusterConfig;
import io.remora.config.ClusterConfig.UpstreamProtocol;
import io.remora.http.testing.FixedCluster;
import io.remora.http.testing.H1Upstream;
import io.remora.http.testing.TestServerContext;
import io.remora.server.Transport;
import io.remora.upstream.Host;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * A service client's call (ext_authz, ext_proc, rate limit...) its upstream never answers, as
 * Envoy's async client, whose router charges its timeout reply: the 504 on the cluster
 * (onResponseTimeout's chargeUpstreamAbort) and the host's rq_timeout and rq_error.
 */
class ClusterCallTimeoutTest {
    private static final Transport TRANSPORT = Transport.detect();

    @Test
    void aCallTimingOutBeforeItsResponseIsChargedA504() throws Exception {
        EventLoopGroup group = TRANSPORT.newEventLoopGroup(1, "call-worker");
        try (H1Upstream up = new H1Upstream(TRANSPORT, (ctx, req, n) -> {
        })) {
            TestServerContext ctx = new TestServerContext(TRANSPORT);
            FixedCluster c = new FixedCluster(FixedCluster.config("authz", UpstreamProtocol.HTTP1,
                    ClusterConfig.CircuitBreakers.DEFAULT, 0), ctx.stats, FixedCluster.hosts(up.address()));
            ctx.add(c);
            CompletableFuture<ClusterCall.Response> done = new CompletableFuture<>();
            group.next().execute(() -> ClusterCall.start(group.next(), ctx, "authz", UpstreamProtocol.HTTP1,
                    new DefaultHttp2Headers().method("GET").path("/check").scheme("http").authority("authz"), null,
                    Duration.ofMillis(300), done::complete));
            assertEquals("timeout", done.get(10, TimeUnit.SECONDS).failure());
            assertEquals(1.0, c.stats().upstreamRqTimeout.count());
            assertEquals(1.0, c.stats().upstreamRqCompleted.count(), "the 504 charged");
            Host h = c.hosts().get(0);
            assertEquals(1, h.stats.rqTimeout.sum());
            assertEquals(1, h.stats.rqError.sum());
        } finally {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
        }
    }
}
