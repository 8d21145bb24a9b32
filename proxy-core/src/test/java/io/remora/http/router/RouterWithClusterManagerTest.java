package io.remora.http.router;

import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.remora.config.Address;
import io.remora.config.ClusterConfig;
import io.remora.config.ClusterLoadAssignment;
import io.remora.config.ClusterLoadAssignment.HealthStatus;
import io.remora.config.ClusterLoadAssignment.LbEndpoint;
import io.remora.config.ClusterLoadAssignment.LocalityLbEndpoints;
import io.remora.config.RetryPolicy;
import io.remora.config.RetryPolicy.RetryOn;
import io.remora.config.RouterFilterConfig;
import io.remora.http.testing.H1Upstream;
import io.remora.http.testing.LeakCheck;
import io.remora.http.testing.TestRoute;
import io.remora.http.testing.TestServerContext;
import io.remora.http.testing.TestStream;
import io.remora.server.Transport;
import io.remora.upstream.ClusterManagerImpl;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The router over the real cluster manager: previous_hosts steers each retry to the other host. */
class RouterWithClusterManagerTest {
    static {
        LeakCheck.install();
    }

    @Test
    void retriesGoToTheOtherHost() throws Exception {
        Transport transport = Transport.detect();
        EventLoopGroup workers = transport.newEventLoopGroup(1, "cm-worker");
        EventLoop loop = workers.next();
        try (H1Upstream bad = new H1Upstream(transport, (ctx, req, n) -> ctx.writeAndFlush(H1Upstream.text(503, "bad")));
             H1Upstream good = new H1Upstream(transport, (ctx, req, n) -> ctx.writeAndFlush(H1Upstream.text(200, "good")))) {
            TestServerContext ctx = new TestServerContext(transport);
            ClusterManagerImpl cm = new ClusterManagerImpl(ctx.stats);
            ctx.use(cm);
            ClusterLoadAssignment cla = new ClusterLoadAssignment("pair", List.of(new LocalityLbEndpoints(
                    ClusterLoadAssignment.Locality.NONE, 0, 0, List.of(
                    new LbEndpoint(new Address.Tcp("127.0.0.1", bad.address().getPort()), 1, HealthStatus.HEALTHY, null),
                    new LbEndpoint(new Address.Tcp("127.0.0.1", good.address().getPort()), 1, HealthStatus.HEALTHY, null)))),
                    140);
            cm.update(Map.of("pair", ClusterConfig.builder("pair").connectTimeout(Duration.ofSeconds(1))
                    .loadAssignment(cla).build()));
            RetryPolicy rp = new RetryPolicy(EnumSet.of(RetryOn.FIVE_XX), 1, null, null, Set.of(),
                    Duration.ofMillis(1), Duration.ofMillis(5), true, 5);
            RouterFilterConfig config = new RouterFilterConfig(false);
            for (int i = 0; i < 20; i++) {
                TestStream s = new TestStream(loop, ctx, new TestRoute(TestRoute.action("pair", null, rp, null), false),
                        "HTTP/1.1");
                s.start(new RouterFilter(config), TestStream.get("/" + i), true).await();
                assertEquals(200, s.status(), "request " + i);
            }
            assertEquals(20, good.requests.get());
            assertTrue(bad.requests.get() > 0);
            cm.close();
        } finally {
            workers.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
        }
        assertTrue(LeakCheck.leaks().isEmpty(), "ByteBuf leaks");
    }
}
