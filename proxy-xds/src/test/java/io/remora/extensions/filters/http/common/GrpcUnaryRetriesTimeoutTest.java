package io.remora.extensions.filters.http.common;

import io.netty.channel.EventLoopGroup;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.DefaultHttp2HeadersFrame;
import io.remora.config.ClusterConfig;
import io.remora.config.ClusterConfig.UpstreamProtocol;
import io.remora.config.RetryPolicy;
import io.remora.http.testing.FixedCluster;
import io.remora.http.testing.H2Upstream;
import io.remora.http.testing.TestServerContext;
import io.remora.server.Transport;
import io.remora.upstream.Host;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.EnumSet;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The timeouts of a gRPC service call under its retry policy, as Envoy's async client's router
 * counts them: a per-try timeout (the back-off's max_interval) is onPerTryTimeoutCommon's
 * (upstream_rq_per_try_timeout, the host's rq_timeout and rq_error, the 504 only when not
 * retried), the call's own timeout onResponseTimeout's for the try under way, and a per-try
 * timeout is ignored once the answer started.
 */
class GrpcUnaryRetriesTimeoutTest {
    private static final Transport TRANSPORT = Transport.detect();
    private EventLoopGroup group;
    private TestServerContext ctx;

    @BeforeEach
    void setUp() {
        group = TRANSPORT.newEventLoopGroup(1, "call-worker");
        ctx = new TestServerContext(TRANSPORT);
    }

    @AfterEach
    void tearDown() throws InterruptedException {
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
    }

    private FixedCluster cluster(String name, H2Upstream up) {
        FixedCluster c = new FixedCluster(FixedCluster.config(name, UpstreamProtocol.HTTP2,
                ClusterConfig.CircuitBreakers.DEFAULT, 0), ctx.stats, FixedCluster.hosts(up.address()));
        ctx.add(c);
        return c;
    }

    private static RetryPolicy resetPolicy(Duration perTry) {
        return RetryPolicy.builder().retryOn(EnumSet.of(RetryPolicy.RetryOn.RESET)).numRetries(1)
                .perTryTimeout(perTry).backoff(Duration.ofMillis(1), Duration.ofMillis(2)).build();
    }

    private ClusterCall.Response call(String cluster, Duration timeout, RetryPolicy policy) throws Exception {
        CompletableFuture<ClusterCall.Response> done = new CompletableFuture<>();
        group.next().execute(() -> GrpcUnaryCall.start(group.next(), ctx, cluster, "svc", List.of(), false,
                "/svc/Check", new byte[0], timeout, policy, done::complete));
        return done.get(20, TimeUnit.SECONDS);
    }

    /** Envoy's onPerTryTimeoutCommon, twice: the first try retried, the retry's timeout the call's end. */
    @Test
    void perTryTimeoutsCountAsPerTryTimeoutsAndOnlyTheLastIsCharged504() throws Exception {
        try (H2Upstream up = new H2Upstream(TRANSPORT, 100, (c, h, body, t, n) -> {
        })) {
            FixedCluster c = cluster("silent_svc", up);
            ClusterCall.Response r = call("silent_svc", Duration.ofSeconds(10), resetPolicy(Duration.ofMillis(300)));
            assertNull(r.headers());
            assertEquals(2, up.requests.get(), "the try and its retry");
            assertEquals(2.0, c.stats().upstreamRqPerTryTimeout.count());
            assertEquals(0.0, c.stats().upstreamRqTimeout.count(), "the call's own timeout never fired");
            assertEquals(1.0, c.stats().upstreamRqRetry.count());
            assertEquals(1.0, c.stats().upstreamRqCompleted.count(), "the last try's 504 alone");
            Host h = c.hosts().get(0);
            assertEquals(2, h.stats.rqTimeout.sum());
            assertEquals(2, h.stats.rqError.sum(), "maybeRetryReset's, then chargeUpstreamAbort's");
        }
    }

    /**
     * Envoy's UpstreamRequest::onPerTryTimeout once the answer started: ignored, the call's own
     * timeout ends it (onResponseTimeout: upstream_rq_timeout, the host's rq_timeout, no 504).
     */
    @Test
    void aPerTryTimeoutAfterTheAnswerStartedIsIgnored() throws Exception {
        try (H2Upstream up = new H2Upstream(TRANSPORT, 100, (c, h, body, t, n) -> c.writeAndFlush(
                new DefaultHttp2HeadersFrame(new DefaultHttp2Headers().status("200")
                        .set("content-type", "application/grpc"), false)))) {
            FixedCluster c = cluster("stalled_svc", up);
            long start = System.nanoTime();
            ClusterCall.Response r = call("stalled_svc", Duration.ofMillis(1500), resetPolicy(Duration.ofMillis(300)));
            assertEquals("timeout", r.failure());
            assertTrue(System.nanoTime() - start >= TimeUnit.MILLISECONDS.toNanos(1400),
                    "the call's own timeout ended it, not the per-try one");
            assertEquals(1, up.requests.get(), "no retry");
            assertEquals(0.0, c.stats().upstreamRqPerTryTimeout.count());
            assertEquals(1.0, c.stats().upstreamRqTimeout.count());
            Host h = c.hosts().get(0);
            assertEquals(1, h.stats.rqTimeout.sum());
        }
    }

    /** Envoy's onResponseTimeout for the try still awaiting its answer: the 504 and the host's error. */
    @Test
    void theCallsOwnTimeoutIsChargedToTheTryUnderWay() throws Exception {
        try (H2Upstream up = new H2Upstream(TRANSPORT, 100, (c, h, body, t, n) -> {
        })) {
            FixedCluster c = cluster("slow_svc", up);
            ClusterCall.Response r = call("slow_svc", Duration.ofMillis(500), resetPolicy(null));
            assertEquals("timeout", r.failure());
            assertEquals(1.0, c.stats().upstreamRqTimeout.count());
            assertEquals(1.0, c.stats().upstreamRqCompleted.count(), "the 504 charged");
            Host h = c.hosts().get(0);
            assertEquals(1, h.stats.rqTimeout.sum());
            assertEquals(1, h.stats.rqError.sum());
        }
    }
}
