package io.remora.e2e;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.EventLoopGroup;
import io.netty.handler.codec.http2.DefaultHttp2DataFrame;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.DefaultHttp2HeadersFrame;
import io.netty.handler.codec.http2.Http2DataFrame;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.codec.http2.Http2HeadersFrame;
import io.netty.util.ReferenceCountUtil;
import io.remora.server.Transport;
import io.remora.testing.HttpHeads;
import io.remora.testing.TempPaths;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.InputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Tunnel bytes a client sends before an HTTP/2 upstream answers, as over HTTP/1.1
 * ({@link WebSocketEarlyDataE2ETest}): Envoy's UpstreamRequest pauses them whatever the upstream's
 * protocol (paused_for_websocket_, paused_for_connect_) and upstream_codec_filter lets them go once
 * the upstream answers — a WebSocket's extended CONNECT at its answer, a CONNECT at a 2xx — so an
 * upstream that refuses a CONNECT never sees them. The upstream is HTTP/2 with
 * SETTINGS_ENABLE_CONNECT_PROTOCOL; it answers each stream 300 ms after its HEADERS (200, or 403 for
 * the authority {@code refuse.test:443}), noting the DATA that came before, then echoes.
 */
class Http2TunnelEarlyDataE2ETest {

    static final EventLoopGroup GROUP = Transport.of(Transport.Kind.NIO).newEventLoopGroup(1, "test-h2-late");
    /** Per stream: the bytes the upstream had before it answered, then those after. */
    static final BlockingQueue<String[]> SEEN = new LinkedBlockingQueue<>();
    static Channel upstream;
    static ProxyProcess proxy;
    static int port;

    @BeforeAll
    static void start() throws Exception {
        upstream = ExtendedConnectServer.start(GROUP, LateAnswer::new);
        int upstreamPort = ((java.net.InetSocketAddress) upstream.localAddress()).getPort();
        int admin = ProxyProcess.freePort();
        port = ProxyProcess.freePort();
        String h2 = Bootstraps.cluster("h2", true, null, upstreamPort)
                .replace("http2_protocol_options: {}", "http2_protocol_options: { allow_connect: true }");
        String yaml = Bootstraps.http(admin, port, TempPaths.file("h2-early", ".log").toString(), """
                - match: { connect_matcher: {} }
                  route: { cluster: h2 }
                - match: { prefix: "/" }
                  route: { cluster: h2 }
                """, h2)
                .replace("stat_prefix: ingress\n", "stat_prefix: ingress\n          upgrade_configs: [{ upgrade_type: websocket },"
                        + " { upgrade_type: CONNECT }]\n");
        assertTrue(yaml.contains("upgrade_configs") && yaml.contains("allow_connect: true"), yaml);
        proxy = ProxyProcess.start(yaml, admin, List.of());
    }

    /** Answers 300 ms after the request's HEADERS; what came before and after goes to {@link #SEEN}. */
    private static final class LateAnswer extends ChannelInboundHandlerAdapter {
        final StringBuilder before = new StringBuilder();
        final StringBuilder after = new StringBuilder();
        boolean answered;

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (msg instanceof Http2HeadersFrame h) {
                boolean refuse = String.valueOf(h.headers().authority()).startsWith("refuse.");
                ctx.executor().schedule(() -> {
                    answered = true;
                    ctx.writeAndFlush(new DefaultHttp2HeadersFrame(new DefaultHttp2Headers().status(refuse ? "403" : "200"), refuse));
                    ctx.executor().schedule(() -> {
                        SEEN.add(new String[]{before.toString(), after.toString()});
                        if (!refuse) {
                            ctx.writeAndFlush(new DefaultHttp2DataFrame(
                                    io.netty.buffer.Unpooled.copiedBuffer("echo:" + after, StandardCharsets.US_ASCII), true));
                        }
                    }, 300, TimeUnit.MILLISECONDS);
                }, 300, TimeUnit.MILLISECONDS);
            } else if (msg instanceof Http2DataFrame d) {
                ByteBuf b = d.content();
                (answered ? after : before).append(b.toString(StandardCharsets.US_ASCII));
            }
            ReferenceCountUtil.release(msg);
        }
    }

    @AfterAll
    static void stop() throws Exception {
        if (proxy != null) {
            proxy.close();
        }
        if (upstream != null) {
            upstream.close().sync();
        }
        GROUP.shutdownGracefully(0, 1, TimeUnit.SECONDS);
    }

    private static String exchange(String head, String early) throws Exception {
        try (Socket c = new Socket("127.0.0.1", port)) {
            c.setSoTimeout(10_000);
            c.getOutputStream().write((head + early).getBytes(StandardCharsets.US_ASCII));
            InputStream in = c.getInputStream();
            String answer = HttpHeads.read(in);
            return answer + "\r\n" + new String(in.readNBytes(("echo:" + early).length()), StandardCharsets.US_ASCII);
        }
    }

    @Test
    void aWebSocketsBytesWaitForTheExtendedConnectsAnswer() throws Exception {
        String answer = exchange("GET /chat HTTP/1.1\r\nHost: ws.test\r\nconnection: upgrade\r\nupgrade: websocket\r\n\r\n",
                "early frames");
        assertTrue(answer.startsWith("HTTP/1.1 101 "), answer);
        assertTrue(answer.endsWith("\r\n\r\necho:early frames"), answer);
        String[] seen = SEEN.poll(10, TimeUnit.SECONDS);
        assertNotNull(seen);
        assertEquals("", seen[0], "nothing past the head before the upstream answered");
        assertEquals("early frames", seen[1]);
    }

    @Test
    void aRefusedConnectsBytesNeverReachTheUpstream() throws Exception {
        try (Socket c = new Socket("127.0.0.1", port)) {
            c.setSoTimeout(10_000);
            c.getOutputStream().write("CONNECT refuse.test:443 HTTP/1.1\r\nHost: refuse.test:443\r\n\r\nGET /smuggled HTTP/1.1\r\n\r\n"
                    .getBytes(StandardCharsets.US_ASCII));
            String head = HttpHeads.read(c.getInputStream());
            assertTrue(head.startsWith("HTTP/1.1 403 "), head);
        }
        String[] seen = SEEN.poll(10, TimeUnit.SECONDS);
        assertNotNull(seen);
        assertEquals("", seen[0], "nothing past the head before the upstream answered");
        assertEquals("", seen[1], "the refused CONNECT's bytes never went upstream");
    }
}
