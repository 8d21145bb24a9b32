package io.remora.extensions.filters.http.common;

import io.netty.buffer.Unpooled;
import io.netty.channel.EventLoopGroup;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http2.DefaultHttp2DataFrame;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.DefaultHttp2HeadersFrame;
import io.netty.handler.codec.http2.Http2Headers;
import io.remora.config.ClusterConfig;
import io.remora.config.ClusterConfig.UpstreamProtocol;
import io.remora.config.RetryPolicy;
import io.remora.http.testing.FixedCluster;
import io.remora.http.testing.H1Upstream;
import io.remora.http.testing.H2Upstream;
import io.remora.http.testing.TestServerContext;
import io.remora.server.Transport;
import io.remora.upstream.Host;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.EnumSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

/**
 * The host's rq_success and rq_error for a service client's call (ext_authz, ext_proc, rate
 * limit...), as Envoy's async client counts them through its router (dynamic stats on): a gRPC
 * call's result is its grpc-status, a retried answer is an error, a reset before the answer is
 * the 503 it is charged, one after a plain answer nothing more.
 */
class ClusterCallHostResultsTest {
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

    private FixedCluster cluster(String name, UpstreamProtocol protocol, java.net.InetSocketAddress address) {
        FixedCluster c = new FixedCluster(FixedCluster.config(name, protocol, ClusterConfig.CircuitBreakers.DEFAULT, 0),
                ctx.stats, FixedCluster.hosts(address));
        ctx.add(c);
        return c;
    }

    private static Http2Headers grpcRequest() {
        return new DefaultHttp2Headers().method("POST").path("/svc/Check").scheme("http").authority("svc")
                .set("content-type", "application/grpc").set("te", "trailers");
    }

    private ClusterCall.Response call(String cluster, UpstreamProtocol protocol, Http2Headers headers) throws Exception {
        CompletableFuture<ClusterCall.Response> done = new CompletableFuture<>();
        group.next().execute(() -> ClusterCall.start(group.next(), ctx, cluster, protocol, headers,
                GrpcCalls.frame(new byte[0]), Duration.ofSeconds(5), done::complete));
        return done.get(10, TimeUnit.SECONDS);
    }

    /** Answers 200 with one empty message and trailers carrying {@code grpcStatus}. */
    private static void grpcAnswer(io.netty.channel.ChannelHandlerContext c, int grpcStatus, boolean trailersOnly) {
        Http2Headers head = new DefaultHttp2Headers().status("200").set("content-type", "application/grpc");
        if (trailersOnly) {
            c.writeAndFlush(new DefaultHttp2HeadersFrame(head.set("grpc-status", String.valueOf(grpcStatus)), true));
            return;
        }
        c.write(new DefaultHttp2HeadersFrame(head, false));
        c.write(new DefaultHttp2DataFrame(Unpooled.wrappedBuffer(new byte[5]), false));
        c.writeAndFlush(new DefaultHttp2HeadersFrame(new DefaultHttp2Headers().set("grpc-status",
                String.valueOf(grpcStatus)), true));
    }

    /** Envoy's router: a gRPC request's host result waits for grpc-status; UNAVAILABLE maps to 503, an error. */
    @Test
    void aGrpcCallsResultIsTheGrpcStatusOfItsTrailers() throws Exception {
        try (H2Upstream up = new H2Upstream(TRANSPORT, 100, (c, h, body, t, n) -> grpcAnswer(c, 14, false))) {
            FixedCluster c = cluster("grpc_svc", UpstreamProtocol.HTTP2, up.address());
            ClusterCall.Response r = call("grpc_svc", UpstreamProtocol.HTTP2, grpcRequest());
            assertEquals(200, r.status());
            Host h = c.hosts().get(0);
            assertEquals(1, h.stats.rqError.sum(), "grpc-status 14 is an error of the host");
            assertEquals(0, h.stats.rqSuccess.sum());
        }
    }

    /**
     * Envoy's onUpstreamReset once the response started: chargeUpstreamAbort adds nothing for a
     * plain (non-gRPC) answer, whose success was counted with its headers.
     */
    @Test
    void aPlainAnswerCutShortAfterItsHeadersStaysASuccess() throws Exception {
        try (H1Upstream up = new H1Upstream(TRANSPORT, (c, req, n) -> {
            DefaultHttpResponse head = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
            head.headers().set(HttpHeaderNames.CONTENT_LENGTH, 100);
            c.write(head);
            c.writeAndFlush(new DefaultHttpContent(Unpooled.copiedBuffer("only ten b", StandardCharsets.UTF_8)))
                    .addListener(f -> c.channel().close());
        })) {
            FixedCluster c = cluster("http_svc", UpstreamProtocol.HTTP1, up.address());
            ClusterCall.Response r = call("http_svc", UpstreamProtocol.HTTP1,
                    new DefaultHttp2Headers().method("GET").path("/check").scheme("http").authority("svc"));
            assertNull(r.headers(), "the call failed: " + r.failure());
            Host h = c.hosts().get(0);
            assertEquals(1, h.stats.rqSuccess.sum());
            assertEquals(0, h.stats.rqError.sum(), "a reset once answering is no error of a plain call");
        }
    }

    /** Envoy's onUpstreamReset before the response: chargeUpstreamAbort's 503 on the cluster, the host's rq_error. */
    @Test
    void aResetBeforeTheAnswerIsChargedA503() throws Exception {
        try (H1Upstream up = new H1Upstream(TRANSPORT, (c, req, n) -> c.channel().close())) {
            FixedCluster c = cluster("closing_svc", UpstreamProtocol.HTTP1, up.address());
            ClusterCall.Response r = call("closing_svc", UpstreamProtocol.HTTP1,
                    new DefaultHttp2Headers().method("GET").path("/check").scheme("http").authority("svc"));
            assertNotNull(r.reset());
            assertEquals(1.0, c.stats().upstreamRqCompleted.count(), "the 503 charged");
            assertEquals(1, c.hosts().get(0).stats.rqError.sum());
        }
    }

    /**
     * Envoy's onUpstreamHeaders retrying an answer: the host's rq_error and the code under
     * {@code retry.}, whatever the answer's status; the retry's OK answer is the host's success.
     */
    @Test
    void aRetriedGrpcAnswerIsAnErrorOfItsHost() throws Exception {
        try (H2Upstream up = new H2Upstream(TRANSPORT, 100, (c, h, body, t, n) -> grpcAnswer(c, n == 1 ? 14 : 0, true))) {
            FixedCluster c = cluster("retried_svc", UpstreamProtocol.HTTP2, up.address());
            RetryPolicy policy = RetryPolicy.builder().retryOn(EnumSet.of(RetryPolicy.RetryOn.GRPC_UNAVAILABLE))
                    .numRetries(1).backoff(Duration.ofMillis(1), Duration.ofMillis(2)).build();
            CompletableFuture<ClusterCall.Response> done = new CompletableFuture<>();
            group.next().execute(() -> GrpcUnaryCall.start(group.next(), ctx, "retried_svc", "svc",
                    java.util.List.of(), false, "/svc/Check", new byte[0], Duration.ofSeconds(5), policy,
                    done::complete));
            ClusterCall.Response r = done.get(10, TimeUnit.SECONDS);
            assertEquals("0", r.headers().get("grpc-status").toString());
            assertEquals(2, up.requests.get());
            Host h = c.hosts().get(0);
            assertEquals(1, h.stats.rqError.sum(), "the retried answer");
            assertEquals(1, h.stats.rqSuccess.sum(), "the kept answer");
            assertEquals(1.0, c.stats().upstreamRqCompleted.count(), "only the kept answer's code outside retry.");
        }
    }
}
