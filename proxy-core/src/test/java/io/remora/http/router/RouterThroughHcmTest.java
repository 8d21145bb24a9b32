package io.remora.http.router;

import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.remora.config.ClusterConfig.UpstreamProtocol;
import io.remora.config.RetryPolicy;
import io.remora.config.RetryPolicy.RetryOn;
import io.remora.http.testing.FixedCluster;
import io.remora.http.testing.HcmHarness;
import io.remora.http.testing.H1Upstream;
import io.remora.http.testing.LeakCheck;
import io.remora.http.testing.TestServerContext;
import io.remora.server.Transport;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The router behind the real connection manager, driven by the JDK HttpClient. */
class RouterThroughHcmTest {
    static {
        LeakCheck.install();
    }

    static final Transport TRANSPORT = Transport.detect();
    static final long BIG = 32L << 20;
    static HcmHarness hcm;
    static H1Upstream flaky;
    static H1Upstream plain;
    static TestServerContext ctx;
    static int port;

    @BeforeAll
    static void start() throws Exception {
        flaky = new H1Upstream(TRANSPORT, (c, req, n) -> c.writeAndFlush(H1Upstream.text(n % 2 == 1 ? 503 : 200, "try " + n)));
        plain = new H1Upstream(TRANSPORT, (c, req, n) -> {
            String uri = req.uri();
            if (uri.startsWith("/cut")) {
                DefaultHttpResponse r = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
                r.headers().set(HttpHeaderNames.CONTENT_LENGTH, 1000);
                c.write(r);
                c.writeAndFlush(new DefaultHttpContent(Unpooled.copiedBuffer("partial", StandardCharsets.UTF_8)))
                        .addListener(f -> c.close());
            } else if (uri.startsWith("/big")) {
                DefaultHttpResponse r = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
                r.headers().set(HttpHeaderNames.CONTENT_LENGTH, BIG);
                c.write(r);
                writeBig(c, BIG);
            } else {
                c.writeAndFlush(H1Upstream.text(200, "len=" + req.content().readableBytes()));
            }
        });
        ctx = new TestServerContext(TRANSPORT);
        ctx.add(new FixedCluster(FixedCluster.config("flaky", UpstreamProtocol.HTTP1), ctx.stats, FixedCluster.hosts(flaky.address())));
        ctx.add(new FixedCluster(FixedCluster.config("plain", UpstreamProtocol.HTTP1), ctx.stats, FixedCluster.hosts(plain.address())));
        RetryPolicy rp = new RetryPolicy(EnumSet.of(RetryOn.FIVE_XX), 1, null, null, Set.of(), null, null, false, 1);
        ctx.add(new FixedCluster(FixedCluster.config("empty", UpstreamProtocol.HTTP1), ctx.stats, List.of()));
        int deadPort;
        try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
            deadPort = s.getLocalPort();
        }
        ctx.add(new FixedCluster(FixedCluster.config("dead", UpstreamProtocol.HTTP1), ctx.stats,
                FixedCluster.hosts(new java.net.InetSocketAddress("127.0.0.1", deadPort))));
        hcm = new HcmHarness(TRANSPORT, ctx, new RouterFilterProvider(), List.of(
                HcmHarness.route("/empty", "empty", null, null),
                HcmHarness.route("/dead", "dead", null, null),
                HcmHarness.route("/flaky", "flaky", rp, null),
                HcmHarness.route("/", "plain", null, null)));
        port = hcm.address().getPort();
    }

    private static void writeBig(io.netty.channel.ChannelHandlerContext c, long left) {
        if (left == 0) {
            c.writeAndFlush(new DefaultLastHttpContent());
            return;
        }
        int n = (int) Math.min(65536, left);
        c.writeAndFlush(new DefaultHttpContent(Unpooled.wrappedBuffer(new byte[n]))).addListener(f -> {
            if (f.isSuccess()) {
                writeBig(c, left - n);
            }
        });
    }

    @AfterAll
    static void stop() throws Exception {
        if (hcm != null) {
            hcm.close();
        }
        if (flaky != null) {
            flaky.close();
        }
        if (plain != null) {
            plain.close();
        }
        List<String> leaks = LeakCheck.leaks();
        assertTrue(leaks.isEmpty(), () -> "ByteBuf leaks: " + leaks);
    }

    private static URI uri(String path) {
        return URI.create("http://127.0.0.1:" + port + path);
    }

    @Test
    void aRetried503ReachesTheClientAsA200() throws Exception {
        HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        HttpResponse<String> r = client.send(HttpRequest.newBuilder(uri("/flaky")).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode());
        assertEquals("try 2", r.body());
        assertTrue(r.headers().firstValue("x-envoy-upstream-service-time").isPresent());
        assertEquals(1.0, ctx.stats.cluster("flaky").upstreamRqRetry.count());
    }

    @Test
    void upstreamCutMidResponseResetsOnlyThatRequest() throws Exception {
        HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        assertThrows(IOException.class, () -> client.send(HttpRequest.newBuilder(uri("/cut")).build(),
                HttpResponse.BodyHandlers.ofString()));
        for (int i = 0; i < 3; i++) {
            HttpResponse<String> ok = client.send(HttpRequest.newBuilder(uri("/ok")).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(200, ok.statusCode());
            assertEquals("len=0", ok.body());
        }
    }

    @Test
    void uploadAndDownloadStream() throws Exception {
        HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        byte[] body = new byte[8 << 20];
        HttpResponse<String> up = client.send(HttpRequest.newBuilder(uri("/upload"))
                .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, up.statusCode());
        assertEquals("len=" + body.length, up.body());
        HttpResponse<InputStream> down = client.send(HttpRequest.newBuilder(uri("/big")).build(),
                HttpResponse.BodyHandlers.ofInputStream());
        long total = 0;
        try (InputStream in = down.body()) {
            byte[] buf = new byte[65536];
            for (int n; (n = in.read(buf)) > 0; ) {
                total += n;
                if (total < (4 << 20)) {
                    Thread.sleep(0, 1000); // a slow reader at first: backpressure has to hold the upstream
                }
            }
        }
        assertEquals(BIG, total);
    }

    @Test
    void localRepliesFromTheRouter() throws Exception {
        HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        HttpResponse<String> uh = client.send(HttpRequest.newBuilder(uri("/empty")).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(503, uh.statusCode());
        assertEquals("no healthy upstream", uh.body());
        HttpResponse<String> uf = client.send(HttpRequest.newBuilder(uri("/dead")).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(503, uf.statusCode());
        assertTrue(uf.body().startsWith("upstream connect error or disconnect/reset before headers. reset reason: "
                + "remote connection failure"), uf.body());
    }

    @Test
    void manyConcurrentHttp2StreamsShareTheHttp1Pool() throws Exception {
        h2load(1, 1);
        h2load(200, 200);
        // As Envoy's HTTP/1.1 pool, a burst opens a connection per waiting request; the next burst
        // finds them pooled.
        int before = plain.accepts.get();
        h2load(200, 200);
        assertTrue(plain.accepts.get() - before < 50, "new connections: " + (plain.accepts.get() - before));
    }

    /** h2load over one prior-knowledge HTTP/2 connection: n requests, m streams at a time, each answered 200. */
    private static void h2load(int n, int m) throws Exception {
        Process p = new ProcessBuilder("h2load", "-n", String.valueOf(n), "-c", "1", "-m", String.valueOf(m),
                uri("/c").toString()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        assertTrue(p.waitFor(30, TimeUnit.SECONDS), out);
        assertTrue(out.contains("status codes: " + n + " 2xx"), out);
    }
}
