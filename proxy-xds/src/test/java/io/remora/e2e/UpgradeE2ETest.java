package io.remora.e2e;

import io.remora.testing.HttpHeads;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
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
import io.remora.testing.TempPaths;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.net.http.WebSocketHandshakeException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * WebSocket and CONNECT through the proxy, end to end: the JDK's WebSocket client to a Netty
 * WebSocket server over HTTP/1.1, an HTTP/2 extended CONNECT (RFC 8441) client to the same
 * HTTP/1.1 server, curl's CONNECT tunnel (-p) terminated by a connect_config route, and Envoy's
 * 403 upgrade_failed where upgrades are not configured or a route disables them.
 */
class UpgradeE2ETest {

    private static final String PREFIX = "envoy_http_conn_manager_prefix";

    static WebSocketEchoUpstream ws;
    static TunnelEcho echo;
    static TunnelEcho httpProxy;
    static H2ConnectEcho h2ws;
    static TestUpstream web;
    /** Answers every request, a WebSocket upgrade too, 200 with a body and a header of its own. */
    static TestUpstream refuser;
    /** Answers every WebSocket upgrade 101 with an accept that answers no key; the heads it read. */
    static java.net.ServerSocket badAccept;
    static final BlockingQueue<String> badAcceptHeads = new LinkedBlockingQueue<>();
    static ProxyProcess proxy;
    static int port;
    static int plainPort;
    static Path accessLog;

    @BeforeAll
    static void start() throws Exception {
        ws = new WebSocketEchoUpstream();
        echo = new TunnelEcho(false);
        httpProxy = new TunnelEcho(true);
        h2ws = new H2ConnectEcho();
        web = TestUpstream.text("through the tunnel");
        refuser = TestUpstream.start((ctx, req, n) -> TestUpstream.send(ctx, req, 200, "not a websocket",
                java.util.Map.of("x-refused", "yes")));
        badAccept = new java.net.ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress());
        io.remora.testing.SocketServers.acceptEach(badAccept, "bad-accept", s -> {
            try (s) {
                badAcceptHeads.add(HttpHeads.read(s.getInputStream()));
                s.getOutputStream().write(("HTTP/1.1 101 Switching Protocols\r\nconnection: upgrade\r\nupgrade: websocket\r\n"
                        + "sec-websocket-accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
                s.getInputStream().readAllBytes();
            } catch (java.io.IOException e) {
                // the proxy closed first
            }
        });
        accessLog = TempPaths.file("remora-upgrade", ".log");
        int admin = ProxyProcess.freePort();
        port = ProxyProcess.freePort();
        plainPort = ProxyProcess.freePort();
        String yaml = """
                admin:
                  address: { socket_address: { address: 127.0.0.1, port_value: %d } }
                static_resources:
                  listeners:
                  - name: upgrades
                    address: { socket_address: { address: 127.0.0.1, port_value: %d } }
                    filter_chains:
                    - filters:
                      - name: envoy.filters.network.http_connection_manager
                        typed_config:
                          "@type": type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager
                          stat_prefix: ingress
                          stream_idle_timeout: 30s
                          upgrade_configs:
                          - upgrade_type: WebSocket
                          - upgrade_type: CONNECT
                          http2_protocol_options: { allow_connect: true }
                          access_log:
                          - name: envoy.access_loggers.file
                            typed_config:
                              "@type": type.googleapis.com/envoy.extensions.access_loggers.file.v3.FileAccessLog
                              path: %s
                              log_format: { text_format_source: { inline_string: "%%REQ(:METHOD)%% %%REQ(:AUTHORITY)%% %%REQ(:PATH)%% %%RESPONSE_CODE%% %%RESPONSE_CODE_DETAILS%% %%BYTES_RECEIVED%% %%BYTES_SENT%% %%RESPONSE_FLAGS%%\\n" } }
                          route_config:
                            name: local
                            virtual_hosts:
                            - name: echo
                              domains: ["echo.test:1"]
                              routes:
                              - match: { connect_matcher: {} }
                                route:
                                  cluster: echo
                                  upgrade_configs: [{ upgrade_type: CONNECT, connect_config: {} }]
                            - name: idle
                              domains: ["idle.test:1"]
                              routes:
                              - match: { connect_matcher: {} }
                                route:
                                  cluster: echo
                                  idle_timeout: 1s
                                  upgrade_configs: [{ upgrade_type: CONNECT, connect_config: {} }]
                            - name: forwarded
                              domains: ["fwd.test:1"]
                              routes:
                              - match: { connect_matcher: {} }
                                route: { cluster: http_proxy }
                            - name: badaccept
                              domains: ["badaccept.test"]
                              routes:
                              - match: { prefix: "/" }
                                route: { cluster: badaccept }
                            - name: h2
                              domains: ["h2.test"]
                              routes:
                              - match: { prefix: "/" }
                                route: { cluster: h2ws }
                            - name: all
                              domains: ["*"]
                              routes:
                              - match: { connect_matcher: {} }
                                route:
                                  cluster: web
                                  upgrade_configs: [{ upgrade_type: CONNECT, connect_config: {} }]
                              - match: { prefix: "/refused" }
                                route: { cluster: refuser }
                              - match: { prefix: "/nows" }
                                route:
                                  cluster: ws
                                  upgrade_configs: [{ upgrade_type: websocket, enabled: false }]
                              - match: { prefix: "/" }
                                route: { cluster: ws, timeout: 1s }
                          http_filters:
                          - name: envoy.filters.http.router
                            typed_config:
                              "@type": type.googleapis.com/envoy.extensions.filters.http.router.v3.Router
                  - name: plain
                    address: { socket_address: { address: 127.0.0.1, port_value: %d } }
                    filter_chains:
                    - filters:
                      - name: envoy.filters.network.http_connection_manager
                        typed_config:
                          "@type": type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager
                          stat_prefix: plain
                          codec_type: HTTP1
                          route_config:
                            name: plain
                            virtual_hosts:
                            - name: all
                              domains: ["*"]
                              routes:
                              - match: { prefix: "/ws" }
                                route: { cluster: ws }
                              - match: { prefix: "/" }
                                route: { cluster: web }
                          http_filters:
                          - name: envoy.filters.http.router
                            typed_config:
                              "@type": type.googleapis.com/envoy.extensions.filters.http.router.v3.Router
                  clusters:
                %s
                %s
                %s
                %s
                %s
                %s
                  - name: h2ws
                    type: STATIC
                    connect_timeout: 1s
                    typed_extension_protocol_options:
                      envoy.extensions.upstreams.http.v3.HttpProtocolOptions:
                        "@type": type.googleapis.com/envoy.extensions.upstreams.http.v3.HttpProtocolOptions
                        explicit_http_config: { http2_protocol_options: { allow_connect: true } }
                    load_assignment:
                      cluster_name: h2ws
                      endpoints:
                      - lb_endpoints:
                        - endpoint: { address: { socket_address: { address: 127.0.0.1, port_value: %d } } }
                """.formatted(admin, port, accessLog, plainPort,
                Bootstraps.indent(Bootstraps.cluster("echo", false, null, echo.port()), 2),
                Bootstraps.indent(Bootstraps.cluster("http_proxy", false, null, httpProxy.port()), 2),
                Bootstraps.indent(Bootstraps.cluster("ws", false, null, ws.port()), 2),
                Bootstraps.indent(Bootstraps.cluster("web", false, null, web.port()), 2),
                Bootstraps.indent(Bootstraps.cluster("badaccept", false, null, badAccept.getLocalPort()), 2),
                Bootstraps.indent(Bootstraps.cluster("refuser", false, null, refuser.port()), 2), h2ws.port());
        proxy = ProxyProcess.start(yaml, admin);
    }

    @AfterAll
    static void stop() throws Exception {
        if (proxy != null) {
            proxy.close();
        }
        if (ws != null) {
            ws.close();
        }
        if (web != null) {
            web.close();
        }
        if (refuser != null) {
            refuser.close();
        }
        if (echo != null) {
            echo.close();
        }
        if (h2ws != null) {
            h2ws.close();
        }
        if (httpProxy != null) {
            httpProxy.close();
        }
        if (badAccept != null) {
            badAccept.close();
        }
        Files.deleteIfExists(accessLog);
    }

    /** Collects what a JDK WebSocket receives. */
    private static final class Received implements WebSocket.Listener {
        final BlockingQueue<Object> messages = new LinkedBlockingQueue<>();
        final CompletableFuture<Integer> closed = new CompletableFuture<>();
        private final StringBuilder text = new StringBuilder();
        private final ByteArrayOutputStream binary = new ByteArrayOutputStream();

        @Override
        public CompletionStage<?> onText(WebSocket w, CharSequence data, boolean last) {
            text.append(data);
            if (last) {
                messages.add(text.toString());
                text.setLength(0);
            }
            w.request(1);
            return null;
        }

        @Override
        public CompletionStage<?> onBinary(WebSocket w, ByteBuffer data, boolean last) {
            byte[] b = new byte[data.remaining()];
            data.get(b);
            binary.writeBytes(b);
            if (last) {
                messages.add(binary.toByteArray());
                binary.reset();
            }
            w.request(1);
            return null;
        }

        @Override
        public CompletionStage<?> onClose(WebSocket w, int status, String reason) {
            closed.complete(status);
            return null;
        }

        @Override
        public void onError(WebSocket w, Throwable error) {
            closed.completeExceptionally(error);
        }
    }

    private static double metric(String name, String prefix) throws Exception {
        return proxy.metric(name + "{" + PREFIX + "=\"" + prefix + "\"}");
    }

    @Test
    void jdkWebSocketClientThroughTheProxy() throws Exception {
        double before = metric("envoy_http_downstream_cx_upgrades_total", "ingress");
        HttpClient client = HttpClient.newHttpClient();
        Received rx = new Received();
        WebSocket w = client.newWebSocketBuilder().connectTimeout(Duration.ofSeconds(10))
                .buildAsync(URI.create("ws://127.0.0.1:" + port + "/ws"), rx).get(20, TimeUnit.SECONDS);
        w.sendText("hello through the proxy", true).get(10, TimeUnit.SECONDS);
        assertEquals("hello through the proxy", rx.messages.poll(10, TimeUnit.SECONDS));
        byte[] bin = new byte[70_000];
        new java.util.Random(3).nextBytes(bin);
        w.sendBinary(ByteBuffer.wrap(bin), true).get(10, TimeUnit.SECONDS);
        assertArrayEquals(bin, (byte[]) rx.messages.poll(10, TimeUnit.SECONDS));
        assertEquals(1.0, metric("envoy_http_downstream_cx_upgrades_active", "ingress"));
        // The route's 1 s timeout does not apply once upgraded.
        Thread.sleep(1500);
        w.sendText("still open", true).get(10, TimeUnit.SECONDS);
        assertEquals("still open", rx.messages.poll(10, TimeUnit.SECONDS));
        w.sendClose(WebSocket.NORMAL_CLOSURE, "done").get(10, TimeUnit.SECONDS);
        assertEquals(WebSocket.NORMAL_CLOSURE, rx.closed.get(10, TimeUnit.SECONDS));

        assertEquals(before + 1, metric("envoy_http_downstream_cx_upgrades_total", "ingress"));
        awaitMetric("envoy_http_downstream_cx_upgrades_active", "ingress", 0);
        String line = awaitLog("GET 127.0.0.1:" + port + " /ws 101");
        assertTrue(line.contains("via_upstream"), line);
        assertTrue(proxy.metric("envoy_cluster_upstream_rq_total{envoy_cluster_name=\"ws\"}") >= 1);
        assertTrue(proxy.metric("envoy_cluster_upstream_cx_rx_bytes_total{envoy_cluster_name=\"ws\"}") > bin.length);
    }

    @Test
    void upgradeNotConfiguredIsRefused() throws Exception {
        double before = metric("envoy_http_downstream_rq_ws_on_non_ws_route", "plain");
        int handshakes = ws.handshakes.get();
        HttpClient client = HttpClient.newHttpClient();
        CompletionException e = assertThrows(CompletionException.class, () -> client.newWebSocketBuilder()
                .buildAsync(URI.create("ws://127.0.0.1:" + plainPort + "/ws"), new Received()).join());
        WebSocketHandshakeException h = assertInstanceOf(WebSocketHandshakeException.class, e.getCause());
        assertEquals(403, h.getResponse().statusCode());
        assertEquals(before + 1, metric("envoy_http_downstream_rq_ws_on_non_ws_route", "plain"));
        assertEquals(handshakes, ws.handshakes.get(), "the refused upgrade reached the upstream");
    }

    @Test
    void routeDisablingTheUpgradeIsRefused() throws Exception {
        HttpClient client = HttpClient.newHttpClient();
        CompletionException e = assertThrows(CompletionException.class, () -> client.newWebSocketBuilder()
                .buildAsync(URI.create("ws://127.0.0.1:" + port + "/nows"), new Received()).join());
        WebSocketHandshakeException h = assertInstanceOf(WebSocketHandshakeException.class, e.getCause());
        assertEquals(403, h.getResponse().statusCode());
        assertNotNull(awaitLog("GET 127.0.0.1:" + port + " /nows 403 upgrade_failed"));
    }

    /** The JDK client offers Upgrade: h2c on http:// URIs; an HTTP/1.1-only manager ignores it. */
    @Test
    void h2cUpgradeOfferIsIgnoredNotRefused() throws Exception {
        HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_2).build();
        HttpResponse<String> r = client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + plainPort + "/x"))
                .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode());
        assertEquals("through the tunnel", r.body());
        assertEquals(HttpClient.Version.HTTP_1_1, r.version());
        assertEquals(null, web.lastHeaders.get("upgrade"));
    }

    /** curl -p: CONNECT to the proxy, terminated by the connect_config route, then HTTP inside. */
    @Test
    void curlConnectTunnelThroughConnectConfigRoute() throws Exception {
        double before = metric("envoy_http_downstream_cx_upgrades_total", "ingress");
        Curl c = Curl.run("-p", "-x", "http://127.0.0.1:" + port, "http://127.0.0.1:" + web.port() + "/inside");
        assertEquals(200, c.status());
        assertEquals("through the tunnel", c.text());
        assertEquals(before + 1, metric("envoy_http_downstream_cx_upgrades_total", "ingress"));
        // The request inside the tunnel reached the upstream as curl wrote it.
        assertEquals("127.0.0.1:" + web.port(), web.lastHeaders.get("host"));
        String line = awaitLog("CONNECT 127.0.0.1:" + web.port() + " - 200");
        assertTrue(line.contains("via_upstream"), line);
        assertTrue(proxy.metric("envoy_cluster_upstream_cx_total{envoy_cluster_name=\"web\"}") >= 1);
    }

    /** RFC 8441: an HTTP/2 client's extended CONNECT reaches the HTTP/1.1 WebSocket server as an upgrade. */
    @Test
    void http2ExtendedConnectToHttp1WebSocketUpstream() throws Exception {
        // RFC 8441 drops the key; this client sends one all the same, which the proxy leaves as it is.
        try (ExtendedConnectClient c = new ExtendedConnectClient(port, "127.0.0.1:" + port, "/ws",
                "sec-websocket-key", "dGhlIHNhbXBsZSBub25jZQ==")) {
            Http2Headers response = c.response();
            assertEquals("200", response.status().toString());
            // Not a key of the proxy's: its accept is not the proxy's to take out (Envoy's injected_websocket_key_ unset).
            assertEquals("s3pPLMBiTxaQ9kYGzzhZRbK+xOo=", String.valueOf(response.get("sec-websocket-accept")));
            assertEcho(c, "over h2");
        }
        assertNotNull(awaitLog("GET 127.0.0.1:" + port + " /ws 101"));
    }

    /**
     * Without a key (RFC 8441 has none), as Envoy since websocket_synthesize_key_on_h2_downgrade: the
     * HTTP/1.1 upstream gets a key of the proxy's, its accept is checked and not passed on; Netty's
     * server handshaker refuses a request without one.
     */
    @Test
    void http2ExtendedConnectWithoutAKeyGetsOneForTheHttp1Upstream() throws Exception {
        try (ExtendedConnectClient c = new ExtendedConnectClient(port, "127.0.0.1:" + port, "/ws")) {
            Http2Headers response = c.response();
            assertEquals("200", response.status().toString(), response.toString());
            assertNull(response.get("sec-websocket-accept"), response.toString());
            assertEcho(c, "keyed by the proxy");
        }
    }

    /**
     * An HTTP/1.1 upstream that answers a WebSocket upgrade with a 2xx other than 101 refused the
     * handshake: as Envoy's upstream_codec_filter, the client gets that status and the upstream's
     * headers in a local reply without the upstream's body (websocket_handshake_unsuccessful), and
     * the connection, whose request never ended, closes.
     */
    @Test
    void a200ToAWebSocketUpgradeIsALocalReplyWithoutTheBody() throws Exception {
        try (java.net.Socket s = new java.net.Socket(java.net.InetAddress.getLoopbackAddress(), port)) {
            s.setSoTimeout(10_000);
            s.getOutputStream().write(("GET /refused HTTP/1.1\r\nhost: refused.test\r\nconnection: upgrade\r\n"
                    + "upgrade: websocket\r\nsec-websocket-key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                    + "sec-websocket-version: 13\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            String response = readAll(s.getInputStream());
            assertTrue(response.startsWith("HTTP/1.1 200 "), response);
            String head = response.substring(0, response.indexOf("\r\n\r\n") + 4).toLowerCase(java.util.Locale.ROOT);
            assertTrue(head.contains("\r\nx-refused: yes\r\n"), head);
            // A local reply without a body has no content type, as Envoy's encodeLocalReply.
            assertFalse(head.contains("\r\ncontent-type:"), head);
            assertTrue(head.contains("\r\ncontent-length: 0\r\n"), head);
            assertTrue(head.contains("\r\nconnection: close\r\n"), head);
            assertEquals(head.length(), response.length(), "the upstream's body went downstream: " + response);
        }
        assertNotNull(awaitLog("GET refused.test /refused 200 websocket_handshake_unsuccessful 0 0 -"));
    }

    /** A 101 whose accept does not answer the proxy's key is 502 UPE, as Envoy's upstream_codec_filter. */
    @Test
    void a101ThatDoesNotAnswerTheProxysKeyIs502() throws Exception {
        try (ExtendedConnectClient c = new ExtendedConnectClient(port, "badaccept.test", "/ws")) {
            Http2Headers response = c.response();
            assertEquals("502", response.status().toString(), response.toString());
        }
        String line = awaitLog("GET badaccept.test /ws 502");
        assertTrue(line.contains(" websocket_handshake_invalid_accept ") && line.endsWith(" UPE"), line);
        String head = badAcceptHeads.poll(10, TimeUnit.SECONDS);
        assertNotNull(head);
        assertTrue(head.toLowerCase(java.util.Locale.ROOT).contains("\r\nsec-websocket-key: "), head);
    }

    private static void assertEcho(ExtendedConnectClient c, String text) throws Exception {
        byte[] payload = text.getBytes(StandardCharsets.UTF_8);
        c.write(maskedTextFrame(payload));
        byte[] echo = c.read(2 + payload.length);
        assertEquals((byte) 0x81, echo[0]); // FIN + text, unmasked from the server
        assertEquals(payload.length, echo[1]);
        assertArrayEquals(payload, java.util.Arrays.copyOfRange(echo, 2, echo.length));
    }

    /**
     * A TCP echo upstream that answers "bye" and FIN once the client ended its half; as an
     * HTTP proxy it first expects a CONNECT head and accepts it with 200.
     */
    static final class TunnelEcho implements AutoCloseable {
        final java.net.ServerSocket server;
        final BlockingQueue<String> connectHeads = new LinkedBlockingQueue<>();

        TunnelEcho(boolean proxy) throws java.io.IOException {
            server = new java.net.ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress());
            Thread t = new Thread(() -> {
                while (!server.isClosed()) {
                    try {
                        java.net.Socket s = server.accept();
                        Thread c = new Thread(() -> serve(s, proxy), "tunnel-echo-conn");
                        c.setDaemon(true);
                        c.start();
                    } catch (java.io.IOException e) {
                        return;
                    }
                }
            }, "tunnel-echo");
            t.setDaemon(true);
            t.start();
        }

        private void serve(java.net.Socket s, boolean proxy) {
            try (s) {
                java.io.InputStream in = s.getInputStream();
                java.io.OutputStream out = s.getOutputStream();
                if (proxy) {
                    connectHeads.add(HttpHeads.read(in));
                    out.write("HTTP/1.1 200 Connection established\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                }
                byte[] buf = new byte[65536];
                for (int n; (n = in.read(buf)) > 0; ) {
                    out.write(buf, 0, n);
                }
                out.write("bye".getBytes(StandardCharsets.US_ASCII));
                s.shutdownOutput();
                in.read(); // until the proxy closes
            } catch (java.io.IOException ignored) {
                // the test sees it on its side
            }
        }

        int port() {
            return server.getLocalPort();
        }

        @Override
        public void close() throws java.io.IOException {
            server.close();
        }
    }

    /** CONNECT authority through the proxy over a raw socket; returns the socket after a 200. */
    private static java.net.Socket connectTunnel(String authority) throws Exception {
        java.net.Socket s = new java.net.Socket("127.0.0.1", port);
        s.setSoTimeout(10_000);
        s.getOutputStream().write(("CONNECT " + authority + " HTTP/1.1\r\nHost: " + authority + "\r\n\r\n")
                .getBytes(StandardCharsets.US_ASCII));
        String head = HttpHeads.read(s.getInputStream());
        assertTrue(head.startsWith("HTTP/1.1 200"), head);
        assertTrue(!head.toLowerCase(java.util.Locale.ROOT).contains("content-length")
                && !head.toLowerCase(java.util.Locale.ROOT).contains("transfer-encoding"), head);
        return s;
    }

    private static String readAll(java.io.InputStream in) throws java.io.IOException {
        return new String(in.readAllBytes(), StandardCharsets.US_ASCII);
    }

    /** Half-close: the client's FIN reaches the upstream, which still answers before its own FIN. */
    @Test
    void connectTunnelHalfCloses() throws Exception {
        try (java.net.Socket s = connectTunnel("echo.test:1")) {
            s.getOutputStream().write("ping".getBytes(StandardCharsets.US_ASCII));
            byte[] four = new byte[4];
            new java.io.DataInputStream(s.getInputStream()).readFully(four);
            assertEquals("ping", new String(four, StandardCharsets.US_ASCII));
            s.shutdownOutput();
            assertEquals("bye", readAll(s.getInputStream()));
        }
        assertNotNull(awaitLog("CONNECT echo.test:1 - 200 via_upstream 4 7"));
    }

    /**
     * A long two-way echo through the tunnel ending in two half-closes: every byte and the
     * upstream's "bye" arrive (the client's FIN leaves the downstream channel asking epoll for
     * nothing while the echo still outgrows the socket buffers).
     */
    @Test
    void connectTunnelCarriesALongEchoPastTheClientsFin() throws Exception {
        byte[] data = new byte[24 * 1024 * 1024 + 7];
        new java.util.Random(11).nextBytes(data);
        try (java.net.Socket s = connectTunnel("echo.test:1")) {
            s.setSoTimeout(20_000);
            java.util.concurrent.atomic.AtomicReference<Exception> failed = new java.util.concurrent.atomic.AtomicReference<>();
            Thread writer = new Thread(() -> {
                try {
                    for (int off = 0; off < data.length; off += 100_000) {
                        s.getOutputStream().write(data, off, Math.min(100_000, data.length - off));
                    }
                    s.shutdownOutput();
                } catch (Exception e) {
                    failed.set(e);
                }
            });
            writer.start();
            byte[] got = s.getInputStream().readAllBytes();
            writer.join();
            assertNull(failed.get());
            assertEquals(data.length + 3, got.length);
            assertArrayEquals(data, java.util.Arrays.copyOf(got, data.length));
            assertEquals("bye", new String(got, data.length, 3, StandardCharsets.US_ASCII));
        }
        assertNotNull(awaitLog("CONNECT echo.test:1 - 200 via_upstream " + data.length + " " + (data.length + 3)));
    }

    /** No CONNECT config on the route: the CONNECT goes upstream (HTTP/1.1) and its 200 opens the tunnel. */
    @Test
    void connectWithoutConnectConfigIsForwardedUpstream() throws Exception {
        try (java.net.Socket s = connectTunnel("fwd.test:1")) {
            String head = httpProxy.connectHeads.poll(10, TimeUnit.SECONDS);
            assertNotNull(head);
            assertTrue(head.startsWith("CONNECT fwd.test:1 HTTP/1.1\r\n"), head);
            s.getOutputStream().write("GET / HTTP/1.1\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            s.shutdownOutput();
            // Tunnel bytes are never parsed as HTTP by the proxy: they come back as they went.
            assertEquals("GET / HTTP/1.1\r\n\r\nbye", readAll(s.getInputStream()));
        }
    }

    /** The client ends its half before the upstream's 200: the FIN follows the data once it accepts. */
    @Test
    void clientEndsItsHalfBeforeTheUpstreamAccepts() throws Exception {
        try (java.net.Socket s = new java.net.Socket("127.0.0.1", port)) {
            s.setSoTimeout(10_000);
            s.getOutputStream().write("CONNECT fwd.test:1 HTTP/1.1\r\nHost: fwd.test:1\r\n\r\nearly"
                    .getBytes(StandardCharsets.US_ASCII));
            s.shutdownOutput();
            String head = HttpHeads.read(s.getInputStream());
            assertTrue(head.startsWith("HTTP/1.1 200"), head);
            assertEquals("earlybye", readAll(s.getInputStream()));
        }
    }

    /** The route's idle_timeout ends an idle tunnel (the route timeout does not). */
    @Test
    void idleTunnelTimesOut() throws Exception {
        try (java.net.Socket s = connectTunnel("idle.test:1")) {
            long start = System.nanoTime();
            assertEquals(-1, s.getInputStream().read(), "an idle tunnel stays open");
            assertTrue(System.nanoTime() - start > TimeUnit.MILLISECONDS.toNanos(800));
        }
        assertNotNull(awaitLog("CONNECT idle.test:1 - 200 stream_idle_timeout"));
    }

    /**
     * An HTTP/2 upstream that accepts RFC 8441 extended CONNECT (it advertises
     * SETTINGS_ENABLE_CONNECT_PROTOCOL), answers 200 and echoes the stream's DATA.
     */
    static final class H2ConnectEcho implements AutoCloseable {
        final EventLoopGroup group = Transport.of(Transport.Kind.NIO).newEventLoopGroup(1, "test-h2-connect");
        final BlockingQueue<Http2Headers> requests = new LinkedBlockingQueue<>();
        final Channel channel;

        H2ConnectEcho() throws InterruptedException {
            channel = ExtendedConnectServer.start(group, Echo::new);
        }

        private final class Echo extends ChannelInboundHandlerAdapter {
            @Override
            public void channelRead(ChannelHandlerContext ctx, Object msg) {
                if (msg instanceof Http2HeadersFrame h) {
                    requests.add(h.headers());
                    ctx.writeAndFlush(new DefaultHttp2HeadersFrame(new DefaultHttp2Headers().status("200")));
                } else if (msg instanceof Http2DataFrame d) {
                    ctx.writeAndFlush(new DefaultHttp2DataFrame(d.content().retain(), d.isEndStream()));
                    d.release();
                } else {
                    ReferenceCountUtil.release(msg);
                }
            }
        }

        int port() {
            return ((java.net.InetSocketAddress) channel.localAddress()).getPort();
        }

        @Override
        public void close() {
            channel.close().syncUninterruptibly();
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
        }
    }

    /** An HTTP/1.1 upgrade to a cluster of HTTP/2 with allow_connect goes as extended CONNECT. */
    @Test
    void http1UpgradeToHttp2UpstreamAsExtendedConnect() throws Exception {
        try (java.net.Socket s = new java.net.Socket("127.0.0.1", port)) {
            s.setSoTimeout(10_000);
            s.getOutputStream().write(("GET /chat?x=1 HTTP/1.1\r\nHost: h2.test\r\nConnection: Upgrade\r\n"
                    + "Upgrade: websocket\r\nSec-WebSocket-Version: 13\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            String head = HttpHeads.read(s.getInputStream());
            assertTrue(head.startsWith("HTTP/1.1 101 "), head);
            String lower = head.toLowerCase(java.util.Locale.ROOT);
            assertTrue(lower.contains("\r\nupgrade: websocket\r\n") && lower.contains("\r\nconnection: upgrade\r\n"), head);
            Http2Headers seen = h2ws.requests.poll(10, TimeUnit.SECONDS);
            assertNotNull(seen);
            assertEquals("CONNECT", seen.method().toString());
            assertEquals("websocket", seen.get(Http2Headers.PseudoHeaderName.PROTOCOL.value()).toString());
            assertEquals("/chat?x=1", seen.path().toString());
            assertEquals("h2.test", seen.authority().toString());
            assertEquals(null, seen.get("upgrade"));
            s.getOutputStream().write("raw frames".getBytes(StandardCharsets.US_ASCII));
            s.shutdownOutput();
            assertEquals("raw frames", readAll(s.getInputStream()));
        }
    }

    /** A client-to-server WebSocket text frame (RFC 6455 5.2), masked as clients must. */
    private static ByteBuf maskedTextFrame(byte[] payload) {
        byte[] mask = {1, 2, 3, 4};
        ByteBuf b = Unpooled.buffer();
        b.writeByte(0x81);
        b.writeByte(0x80 | payload.length);
        b.writeBytes(mask);
        for (int i = 0; i < payload.length; i++) {
            b.writeByte(payload[i] ^ mask[i % 4]);
        }
        return b;
    }

    private static void awaitMetric(String name, String prefix, double want) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        double v;
        while ((v = metric(name, prefix)) != want && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        assertEquals(want, v, name);
    }

    private static String awaitLog(String start) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (System.nanoTime() < deadline) {
            for (String line : Files.readAllLines(accessLog)) {
                if (line.startsWith(start)) {
                    return line;
                }
            }
            Thread.sleep(50);
        }
        throw new AssertionError("no access log line starting '" + start + "' in:\n" + Files.readString(accessLog));
    }
}
