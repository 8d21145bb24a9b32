package io.remora.e2e;

import io.remora.testing.RawH2;
import io.remora.testing.TempPaths;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 10's abuse cases against the proxy as shipped (its own JVM, the container image's 128 MB
 * heap and JVM flags): each parsing gap gets Envoy's answer, an upstream's unsolicited 101 is a
 * 502, floods of unfinished headers, slowloris and HTTP/2 floods cost only the abusive
 * connections, new clients keep being served, and SIGTERM still ends the process with 0.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class AbuseE2ETest {

    private static final int FLOOD_CONNECTIONS = 2000;
    private static final int FLOOD_HEADER_BYTES = 50 * 1024;

    static TestUpstream upstream;
    static ServerSocket switchingUpstream;
    static Thread switchingThread;
    static ServerSocket informationalUpstream;
    static H2Informational informationalH2;
    static ProxyProcess proxy;
    static int port;

    @BeforeAll
    static void start() throws Exception {
        upstream = TestUpstream.text("fine");
        switchingUpstream = new ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress());
        switchingThread = new Thread(AbuseE2ETest::switchProtocolsToEveryone, "switching-upstream");
        switchingThread.setDaemon(true);
        switchingThread.start();
        informationalUpstream = new ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress());
        Thread informational = new Thread(AbuseE2ETest::informationalThenFinal, "informational-upstream");
        informational.setDaemon(true);
        informational.start();
        informationalH2 = new H2Informational();
        int admin = ProxyProcess.freePort();
        port = ProxyProcess.freePort();
        String routes = """
                - match: { prefix: "/switch" }
                  route: { cluster: switching }
                - match: { prefix: "/informational-h2" }
                  route: { cluster: informational_h2 }
                - match: { prefix: "/informational" }
                  route: { cluster: informational }
                - match: { prefix: "/" }
                  route: { cluster: backend }
                """;
        String yaml = Bootstraps.http(admin, port, TempPaths.file("access", ".log").toString(), routes,
                Bootstraps.cluster("backend", false, null, upstream.port())
                        + "\n" + Bootstraps.cluster("switching", false, null, switchingUpstream.getLocalPort())
                        + "\n" + Bootstraps.cluster("informational", false, null, informationalUpstream.getLocalPort())
                        + "\n" + Bootstraps.cluster("informational_h2", true, null, informationalH2.port()));
        // Unfinished heads are reaped 10 s after their first byte.
        yaml = yaml.replaceFirst("( +)stat_prefix: ingress\n", "$1stat_prefix: ingress\n$1request_headers_timeout: 10s\n");
        // The container image's JVM flags. Paranoid leak detection keeps a stack trace per buffer
        // touch, which under 100 MB of floods would itself fill a 128 MB heap: sampled detection
        // here still reports leaks as LEAK: lines.
        proxy = ProxyProcess.start(yaml, admin, List.of("-Xmx128m", "-Xms32m", "-XX:+UseSerialGC",
                "-XX:MaxDirectMemorySize=64m", "-XX:+ExitOnOutOfMemoryError",
                "-Dio.netty.leakDetection.level=simple"), "--drain-time-s", "5");
    }

    /** An upstream that answers anything with 101 and then bytes of its own choosing. */
    private static void switchProtocolsToEveryone() {
        while (!switchingUpstream.isClosed()) {
            try (Socket s = switchingUpstream.accept()) {
                s.setSoTimeout(5000);
                InputStream in = s.getInputStream();
                byte[] buf = new byte[4096];
                StringBuilder head = new StringBuilder();
                while (!head.toString().contains("\r\n\r\n")) {
                    int n = in.read(buf);
                    if (n < 0) {
                        break;
                    }
                    head.append(new String(buf, 0, n, StandardCharsets.ISO_8859_1));
                }
                s.getOutputStream().write(("HTTP/1.1 101 Switching Protocols\r\nUpgrade: evil\r\nConnection: Upgrade\r\n\r\n"
                        + "INJECTED BYTES").getBytes(StandardCharsets.ISO_8859_1));
                s.getOutputStream().flush();
                Thread.sleep(500);
            } catch (IOException | InterruptedException e) {
                // next one
            }
        }
    }

    /** An upstream that reads a request (and its body) and answers 100, 103 and 102 before its 200. */
    private static void informationalThenFinal() {
        while (!informationalUpstream.isClosed()) {
            try (Socket s = informationalUpstream.accept()) {
                s.setSoTimeout(5000);
                InputStream in = s.getInputStream();
                StringBuilder head = new StringBuilder();
                while (head.indexOf("\r\n\r\n") < 0) {
                    int b = in.read();
                    if (b < 0) {
                        break;
                    }
                    head.append((char) b);
                }
                java.util.regex.Matcher m = java.util.regex.Pattern.compile("(?i)content-length: *(\\d+)").matcher(head);
                if (m.find()) {
                    in.readNBytes(Integer.parseInt(m.group(1)));
                }
                s.getOutputStream().write(("HTTP/1.1 100 Continue\r\n\r\n"
                        + "HTTP/1.1 103 Early Hints\r\nLink: </style.css>; rel=preload\r\n\r\n"
                        + "HTTP/1.1 102 Processing\r\n\r\n"
                        + "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nConnection: close\r\n\r\nfinal")
                        .getBytes(StandardCharsets.ISO_8859_1));
                s.getOutputStream().flush();
                s.shutdownOutput();
                in.read(); // until the proxy closes its side
            } catch (IOException e) {
                // next one
            }
        }
    }

    @AfterAll
    static void stop() throws Exception {
        if (proxy != null) {
            String log = proxy.log();
            proxy.close();
            assertFalse(log.contains("LEAK:"), "Netty reported a leaked buffer:\n" + log);
            assertFalse(log.contains("OutOfMemoryError"), log);
        }
        if (upstream != null) {
            upstream.close();
        }
        if (informationalH2 != null) {
            informationalH2.close();
        }
        if (switchingUpstream != null) {
            switchingUpstream.close();
        }
        if (informationalUpstream != null) {
            informationalUpstream.close();
        }
    }

    private static String raw(String request) throws IOException {
        try (Socket s = new Socket("127.0.0.1", port)) {
            s.setSoTimeout(10_000);
            s.getOutputStream().write(request.getBytes(StandardCharsets.ISO_8859_1));
            s.getOutputStream().flush();
            return new String(s.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
        }
    }

    private static void servesNewClients(int n) throws Exception {
        HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(5)).build();
        for (int i = 0; i < n; i++) {
            HttpResponse<String> r = client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/new/" + i))
                    .timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(200, r.statusCode(), "new client " + i);
            assertEquals("fine", r.body());
        }
    }

    @Test
    @Order(1)
    void withoutAnOverloadManagerTheDefaultsWatchMemory() throws Exception {
        // The bootstrap has no overload_manager: heap and direct memory are watched anyway, and the
        // default actions stand ready (inactive at rest).
        String stats = proxy.admin("/stats/prometheus");
        for (String gauge : List.of("envoy_overload_envoy_resource_monitors_fixed_heap_pressure",
                "envoy_overload_remora_resource_monitors_direct_memory_pressure",
                "envoy_overload_envoy_overload_actions_stop_accepting_requests_active",
                "envoy_overload_envoy_overload_actions_stop_accepting_connections_active",
                "envoy_overload_envoy_overload_actions_disable_http_keepalive_active",
                "envoy_overload_envoy_overload_actions_reset_high_memory_stream_active",
                "envoy_overload_envoy_overload_actions_shrink_heap_active",
                "envoy_overload_envoy_overload_actions_reduce_timeouts_scale_percent")) {
            assertTrue(stats.contains("\n" + gauge + " "), gauge + " missing:\n" + stats);
        }
        assertEquals(0.0, proxy.metric("envoy_overload_envoy_overload_actions_stop_accepting_requests_active"));
    }

    @Test
    @Order(1)
    void parsingGapsGetEnvoysAnswers() throws Exception {
        assertTrue(raw("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip, chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n")
                .startsWith("HTTP/1.1 501"));
        assertTrue(raw("GET /a\u0001b HTTP/1.1\r\nHost: a\r\n\r\n").startsWith("HTTP/1.1 400"));
        assertTrue(raw("GET /a#frag HTTP/1.1\r\nHost: a\r\n\r\n").startsWith("HTTP/1.1 400"));
        assertTrue(raw("GET / HTTP/1.1\r\n\r\n").startsWith("HTTP/1.1 400"));
        assertTrue(raw("GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n").startsWith("HTTP/1.1 400"));
        String connect = raw("CONNECT upstream:443 HTTP/1.1\r\nHost: upstream:443\r\n\r\nGET /tunnelled HTTP/1.1\r\nHost: a\r\n\r\n");
        assertTrue(connect.startsWith("HTTP/1.1 403"), connect);
        assertFalse(connect.contains("fine"), "tunnel bytes were parsed as a request: " + connect);
        int before = upstream.requests.get();
        String ok = raw("GET /hop HTTP/1.1\r\nHost: a\r\nConnection: close, x-hop\r\nX-Hop: secret\r\nX-Kept: 1\r\n\r\n");
        assertTrue(ok.startsWith("HTTP/1.1 200"), ok);
        assertEquals(before + 1, upstream.requests.get());
        assertNull(upstream.lastHeaders.get("x-hop"), "a header named in Connection reached the upstream");
        assertEquals("1", upstream.lastHeaders.get("x-kept"));
    }

    @Test
    @Order(2)
    void unsolicitedSwitchingProtocolsIsAnUpstreamProtocolError() throws Exception {
        String r = raw("GET /switch HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n");
        assertTrue(r.startsWith("HTTP/1.1 502"), r);
        assertFalse(r.contains("INJECTED"), "upstream bytes reached the client: " + r);
        assertFalse(r.contains("101"), r);
        servesNewClients(1);
    }

    @Test
    @Order(2)
    void upstreamInformationalResponsesAreDroppedAndOnly100ContinueComesFromTheProxy() throws Exception {
        String r = raw("GET /informational HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n");
        assertTrue(r.startsWith("HTTP/1.1 200"), r);
        assertTrue(r.endsWith("final"), r);
        assertFalse(r.contains(" 100 ") || r.contains(" 102 ") || r.contains(" 103 ") || r.contains("style.css"), r);
        // Expect: 100-continue is answered by the proxy once; the upstream's own 100 never reaches the client.
        try (Socket s = new Socket("127.0.0.1", port)) {
            s.setSoTimeout(10_000);
            OutputStream out = s.getOutputStream();
            out.write(("POST /informational HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nExpect: 100-continue\r\n"
                    + "Connection: close\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            InputStream in = s.getInputStream();
            StringBuilder interim = new StringBuilder();
            while (interim.indexOf("\r\n\r\n") < 0) {
                int b = in.read();
                assertTrue(b >= 0, "closed before 100 Continue: " + interim);
                interim.append((char) b);
            }
            assertTrue(interim.toString().startsWith("HTTP/1.1 100 Continue"), interim.toString());
            out.write("hello".getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            String rest = new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);
            assertTrue(rest.startsWith("HTTP/1.1 200"), rest);
            assertTrue(rest.endsWith("final"), rest);
            assertFalse(rest.contains(" 100 ") || rest.contains(" 103 "), rest);
        }
        // From an HTTP/2 upstream too: its 100 and 103 stay at the proxy.
        String fromH2 = raw("GET /informational-h2 HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n");
        assertTrue(fromH2.startsWith("HTTP/1.1 200"), fromH2);
        assertTrue(fromH2.contains("\r\nfinal\r\n"), fromH2); // chunked: the upstream sent no length
        assertFalse(fromH2.contains(" 100 ") || fromH2.contains(" 103 ") || fromH2.contains("style.css"), fromH2);
        // HTTP/2: one HEADERS frame for the stream, the final one.
        try (RawH2 h2 = new RawH2("127.0.0.1", port)) {
            h2.settingsAck().get(1, "a", "/informational", true).flush();
            int headers = 0;
            boolean ended = false;
            for (RawH2.Frame f = h2.read(); f != null && !ended; f = ended ? null : h2.read()) {
                if (f.streamId() == 1 && f.type() == RawH2.HEADERS) {
                    headers++;
                }
                ended = f.streamId() == 1 && (f.flags() & 0x1) != 0;
            }
            assertTrue(ended, "the stream did not end");
            assertEquals(1, headers, "informational HEADERS reached the HTTP/2 client");
        }
    }

    @Test
    @Order(3)
    void hundredMegabytesOfUnfinishedHeadersLeaveTheProxyServing() throws Exception {
        StringBuilder head = new StringBuilder("GET /flood HTTP/1.1\r\nHost: a\r\n");
        for (int i = 0; head.length() < FLOOD_HEADER_BYTES; i++) {
            head.append("X-Pad-").append(i).append(": ").append("p".repeat(90)).append("\r\n");
        }
        byte[] bytes = head.toString().getBytes(StandardCharsets.ISO_8859_1); // never "\r\n\r\n"
        ConcurrentLinkedQueue<Socket> open = new ConcurrentLinkedQueue<>();
        AtomicInteger refused = new AtomicInteger();
        ExecutorService pool = Executors.newFixedThreadPool(64);
        try {
            for (int i = 0; i < FLOOD_CONNECTIONS; i++) {
                pool.execute(() -> {
                    try {
                        Socket s = new Socket("127.0.0.1", port);
                        open.add(s);
                        s.setSoTimeout(30_000);
                        OutputStream out = s.getOutputStream();
                        out.write(bytes);
                        out.flush();
                    } catch (IOException shed) {
                        refused.incrementAndGet();
                    }
                });
            }
            pool.shutdown();
            assertTrue(pool.awaitTermination(120, TimeUnit.SECONDS), "flood did not finish");
            assertTrue(proxy.process().isAlive(), "the proxy died under the flood:\n" + proxy.log());
            // While the flood's connections are open, new clients are served.
            servesNewClients(20);
            double held = proxy.metric("envoy_overload_remora_header_budget_bytes");
            assertTrue(held <= 128L * 1024 * 1024 / 16 + 4096, "unfinished header bytes held: " + held);
            assertTrue(proxy.metric("envoy_overload_remora_header_budget_shed") > 0, "nothing was shed");
            // request_headers_timeout (10 s from each head's first byte) reaps what is left with 408.
            int answered408 = 0;
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            for (Socket s : open) {
                if (System.nanoTime() > deadline) {
                    break;
                }
                try {
                    byte[] resp = s.getInputStream().readNBytes(12);
                    if (new String(resp, StandardCharsets.ISO_8859_1).equals("HTTP/1.1 408")) {
                        answered408++;
                    }
                } catch (IOException reset) {
                    // shed connections end with a reset
                }
            }
            assertTrue(answered408 > 0, "no unfinished head was answered 408 by request_headers_timeout");
            assertEquals(0.0, proxy.metric("envoy_overload_remora_header_budget_bytes"));
        } finally {
            pool.shutdownNow();
            for (Socket s : open) {
                s.close();
            }
        }
        assertTrue(proxy.process().isAlive());
        servesNewClients(5);
    }

    @Test
    @Order(4)
    void slowlorisWithTwoThousandConnections() throws Exception {
        List<Socket> slow = new ArrayList<>();
        try {
            for (int i = 0; i < FLOOD_CONNECTIONS; i++) {
                Socket s = new Socket("127.0.0.1", port);
                s.getOutputStream().write("GET /slow HTTP/1.1\r\nHost: a\r\nX-A: ".getBytes(StandardCharsets.ISO_8859_1));
                slow.add(s);
            }
            for (int round = 0; round < 6; round++) {
                for (Socket s : slow) {
                    try {
                        s.getOutputStream().write('a');
                    } catch (IOException closed) {
                        // reaped
                    }
                }
                servesNewClients(2);
                Thread.sleep(500);
            }
            assertTrue(proxy.process().isAlive());
        } finally {
            for (Socket s : slow) {
                s.close();
            }
        }
        servesNewClients(5);
    }

    @Test
    @Order(5)
    void http2HeaderBlocksThatNeverEndAreBoundedAcrossTheProxy() throws Exception {
        // Each connection: a HEADERS frame and CONTINUATIONs, 48 KiB of header block, no END_HEADERS.
        int connections = 1000;
        byte[] fragment = new byte[12 * 1024];
        java.util.Arrays.fill(fragment, (byte) 0x40);
        double shedBefore = proxy.metric("envoy_overload_remora_header_budget_shed");
        ConcurrentLinkedQueue<RawH2> open = new ConcurrentLinkedQueue<>();
        ExecutorService pool = Executors.newFixedThreadPool(32);
        try {
            for (int i = 0; i < connections; i++) {
                pool.execute(() -> {
                    try {
                        RawH2 c = new RawH2("127.0.0.1", port);
                        open.add(c);
                        c.frame(RawH2.HEADERS, 0, 1, fragment);
                        for (int k = 0; k < 3; k++) {
                            c.frame(9, 0, 1, fragment); // CONTINUATION
                        }
                        c.flush();
                    } catch (IOException shed) {
                        // refused or reset: what the budget is for
                    }
                });
            }
            pool.shutdown();
            assertTrue(pool.awaitTermination(120, TimeUnit.SECONDS), "flood did not finish");
            assertTrue(proxy.process().isAlive(), "the proxy died under the flood:\n" + proxy.log());
            servesNewClients(20);
            double held = proxy.metric("envoy_overload_remora_header_budget_bytes");
            assertTrue(held <= 128L * 1024 * 1024 / 16 + 16 * 1024, "unfinished header bytes held: " + held);
            assertTrue(proxy.metric("envoy_overload_remora_header_budget_shed") > shedBefore, "nothing was shed");
        } finally {
            pool.shutdownNow();
            for (RawH2 c : open) {
                c.close();
            }
        }
        double held = -1;
        for (int i = 0; i < 100 && held != 0; i++) {
            held = proxy.metric("envoy_overload_remora_header_budget_bytes");
            if (held != 0) {
                Thread.sleep(100);
            }
        }
        assertEquals(0.0, held, "closed connections give their header bytes back");
        servesNewClients(5);
    }

    @Test
    @Order(6)
    void http2RapidResetIsCutAndPingAndSettingsFloodsGetEnhanceYourCalm() throws Exception {
        try (RawH2 h2 = new RawH2("127.0.0.1", port)) {
            h2.settingsAck();
            for (int i = 0; i < 1000; i++) {
                int id = 1 + 2 * i;
                h2.get(id, "a", "/reset/" + i, false).rst(id, 8);
            }
            try {
                h2.flush();
            } catch (IOException closed) {
                // cut off while writing: what is asserted below
            }
            // Envoy's premature reset check cuts the connection (no ENHANCE_YOUR_CALM: it is not a codec flood)
            assertTrue(h2.readTimeout(10_000).awaitEnd().closed(), "rapid reset: the connection is closed");
            assertEquals(1.0, proxy.metric("envoy_http_downstream_rq_too_many_premature_resets{envoy_http_conn_manager_prefix=\"ingress\"}"));
        }
        double floods = proxy.metric("envoy_http2_outbound_control_flood");
        try (RawH2 h2 = new RawH2("127.0.0.1", port)) {
            h2.socket().setReceiveBufferSize(4096);
            h2.settingsAck();
            for (int round = 0; round < 200; round++) {
                for (int i = 0; i < 1000; i++) {
                    h2.ping(round * 1000L + i);
                }
                try {
                    h2.flush();
                } catch (IOException closed) {
                    break;
                }
            }
            RawH2.Ending end = h2.awaitEnd();
            assertTrue(end.closedWith(RawH2.ENHANCE_YOUR_CALM), "PING flood: " + end);
            assertEquals(floods + 1, proxy.metric("envoy_http2_outbound_control_flood"));
        }
        // SETTINGS frames each owe an ACK: a peer that sends them without reading is cut off the same way.
        try (RawH2 h2 = new RawH2("127.0.0.1", port)) {
            h2.socket().setReceiveBufferSize(4096);
            h2.settingsAck();
            for (int round = 0; round < 200; round++) {
                for (int i = 0; i < 1000; i++) {
                    h2.settings(0x3, 100 + i); // MAX_CONCURRENT_STREAMS
                }
                try {
                    h2.flush();
                } catch (IOException closed) {
                    break;
                }
            }
            RawH2.Ending end = h2.awaitEnd();
            assertTrue(end.closedWith(RawH2.ENHANCE_YOUR_CALM), "SETTINGS flood: " + end);
            assertEquals(floods + 2, proxy.metric("envoy_http2_outbound_control_flood"));
        }
        assertTrue(proxy.process().isAlive());
        servesNewClients(3);
    }

    @Test
    @Order(7)
    void sigtermStillExitsZero() throws Exception {
        servesNewClients(1);
        assertEquals(0, proxy.terminate(Duration.ofSeconds(30)), proxy.log());
    }

    /** An HTTP/2 upstream that answers every request with 100 and 103 before its 200 "final". */
    static final class H2Informational implements AutoCloseable {
        final io.netty.channel.EventLoopGroup group = new io.netty.channel.MultiThreadIoEventLoopGroup(1,
                io.netty.channel.nio.NioIoHandler.newFactory());
        final io.netty.channel.Channel channel;

        H2Informational() throws InterruptedException {
            channel = new io.netty.bootstrap.ServerBootstrap().group(group)
                    .channel(io.netty.channel.socket.nio.NioServerSocketChannel.class)
                    .childHandler(new io.netty.channel.ChannelInitializer<io.netty.channel.Channel>() {
                        @Override
                        protected void initChannel(io.netty.channel.Channel ch) {
                            ch.pipeline().addLast(io.netty.handler.codec.http2.Http2FrameCodecBuilder.forServer().build(),
                                    new io.netty.handler.codec.http2.Http2MultiplexHandler(
                                            new io.netty.channel.ChannelInitializer<io.netty.handler.codec.http2.Http2StreamChannel>() {
                                                @Override
                                                protected void initChannel(io.netty.handler.codec.http2.Http2StreamChannel s) {
                                                    s.pipeline().addLast(new Answer());
                                                }
                                            }));
                        }
                    }).bind("127.0.0.1", 0).sync().channel();
        }

        private static final class Answer extends io.netty.channel.ChannelInboundHandlerAdapter {
            @Override
            public void channelRead(io.netty.channel.ChannelHandlerContext ctx, Object msg) {
                boolean end = msg instanceof io.netty.handler.codec.http2.Http2StreamFrame f
                        && (f instanceof io.netty.handler.codec.http2.Http2HeadersFrame h && h.isEndStream()
                        || f instanceof io.netty.handler.codec.http2.Http2DataFrame d && d.isEndStream());
                io.netty.util.ReferenceCountUtil.release(msg);
                if (!end) {
                    return;
                }
                ctx.write(new io.netty.handler.codec.http2.DefaultHttp2HeadersFrame(
                        new io.netty.handler.codec.http2.DefaultHttp2Headers().status("100")));
                ctx.write(new io.netty.handler.codec.http2.DefaultHttp2HeadersFrame(
                        new io.netty.handler.codec.http2.DefaultHttp2Headers().status("103").add("link", "</style.css>")));
                ctx.write(new io.netty.handler.codec.http2.DefaultHttp2HeadersFrame(
                        new io.netty.handler.codec.http2.DefaultHttp2Headers().status("200")));
                ctx.writeAndFlush(new io.netty.handler.codec.http2.DefaultHttp2DataFrame(
                        io.netty.buffer.Unpooled.copiedBuffer("final", StandardCharsets.US_ASCII), true));
            }
        }

        int port() {
            return ((java.net.InetSocketAddress) channel.localAddress()).getPort();
        }

        @Override
        public void close() {
            channel.close().syncUninterruptibly();
            group.shutdownGracefully(0, 1, java.util.concurrent.TimeUnit.SECONDS);
        }
    }
}
