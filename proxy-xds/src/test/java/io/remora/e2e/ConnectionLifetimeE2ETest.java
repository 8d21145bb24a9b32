package io.remora.e2e;

import io.remora.testing.RawH2;
import io.remora.testing.TempPaths;
import io.remora.testing.TestCerts;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * How long a downstream connection may live, through real sockets against the proxy as shipped:
 * a filter chain's transport_socket_connect_timeout closes handshakes that stall (openssl s_client
 * waiting for a greeting that never comes, a half-sent ClientHello) and spares those that finish;
 * the connection manager's max_requests_per_connection and max_connection_duration drain HTTP/1.1
 * (connection: close, a new connection for curl's next request) and HTTP/2 (GOAWAY, closed after
 * drain_timeout); reduce_timeouts (driven by Envoy's injected resource monitor) shortens both
 * timers, including those already running. Each is asserted on /stats/prometheus.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ConnectionLifetimeE2ETest {

    static ProxyProcess proxy;
    static TestUpstream slow;
    static final java.util.concurrent.CompletableFuture<Void> answerSlow = new java.util.concurrent.CompletableFuture<>();
    static Path pressure;
    static Path certs;
    static int http;
    static int httpLong;
    static int tls;
    static int tlsLong;

    @BeforeAll
    static void start() throws Exception {
        certs = TempPaths.directory("lifetime-certs");
        TestCerts.ca("lifetime-ca").issue("proxy", "127.0.0.1", "localhost").write(certs, "server");
        pressure = TempPaths.file("pressure", ".txt");
        Files.writeString(pressure, "0");
        // Answers once answerSlow completes: a request still in flight when a connection's duration runs out.
        slow = TestUpstream.start((ctx, req, n) -> {
            req.retain();
            answerSlow.thenRun(() -> ctx.executor().execute(() -> {
                TestUpstream.send(ctx, req, 200, "slow");
                req.release();
            }));
        });
        int admin = ProxyProcess.freePort();
        http = ProxyProcess.freePort();
        httpLong = ProxyProcess.freePort();
        tls = ProxyProcess.freePort();
        tlsLong = ProxyProcess.freePort();
        String listeners = String.join("\n",
                listener("lifetime", "", "max_connection_duration: 3s, max_requests_per_connection: 3"),
                listener("long", "", "max_connection_duration: 120s"),
                listener("tls", "transport_socket_connect_timeout: 2s\n" + Bootstraps.downstreamTls(certs, "server"), ""),
                listener("tls_long", "transport_socket_connect_timeout: 120s\n" + Bootstraps.downstreamTls(certs, "server"), ""));
        String yaml = Bootstraps.listeners(admin, listeners, Bootstraps.cluster("slow", false, null, slow.port()),
                java.util.Map.of("lifetime", http, "long", httpLong, "tls", tls, "tls_long", tlsLong)) + """
                overload_manager:
                  refresh_interval: 0.1s
                  resource_monitors:
                  - name: envoy.resource_monitors.injected_resource
                    typed_config:
                      "@type": type.googleapis.com/envoy.extensions.resource_monitors.injected_resource.v3.InjectedResourceConfig
                      filename: %s
                  actions:
                  - name: envoy.overload_actions.reduce_timeouts
                    triggers:
                    - name: envoy.resource_monitors.injected_resource
                      scaled: { scaling_threshold: 0.5, saturation_threshold: 0.9 }
                    typed_config:
                      "@type": type.googleapis.com/envoy.config.overload.v3.ScaleTimersOverloadActionConfig
                      timer_scale_factors:
                      - timer: TRANSPORT_SOCKET_CONNECT
                        min_timeout: 0.5s
                      - timer: HTTP_DOWNSTREAM_CONNECTION_MAX
                        min_timeout: 0.5s
                """.formatted(pressure);
        proxy = ProxyProcess.start(yaml, admin);
    }

    /** A listener NAME (its connection manager's stat prefix too) with these chain fields and common HTTP options. */
    private static String listener(String name, String chainFields, String commonHttpOptions) {
        return Bootstraps.httpListener(name, chainFields,
                "drain_timeout: 1s\ncommon_http_protocol_options: { " + commonHttpOptions + " }",
                Bootstraps.routeElseOk("/slow", "cluster: slow"));
    }

    @AfterAll
    static void stop() throws Exception {
        if (proxy != null) {
            proxy.closeCheckingLeaks();
        }
        if (slow != null) {
            slow.close();
        }
    }

    private static double hcmStat(String name, String prefix) throws Exception {
        return proxy.metric("envoy_http_" + name + "{envoy_http_conn_manager_prefix=\"" + prefix + "\"}");
    }

    private static double connectTimeouts(int port) throws Exception {
        return proxy.metric("envoy_listener_downstream_cx_transport_socket_connect_timeout{envoy_listener_address=\"127.0.0.1_"
                + port + "\"}");
    }

    /** Reads until the peer closes; the bytes read. Fails if it stays open for timeoutMs. */
    private static String readToClose(Socket s, int timeoutMs) throws IOException {
        s.setSoTimeout(timeoutMs);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] buf = new byte[4096];
        InputStream in = s.getInputStream();
        try {
            for (int n = in.read(buf); n >= 0; n = in.read(buf)) {
                out.write(buf, 0, n);
            }
        } catch (SocketTimeoutException e) {
            throw new AssertionError("still open after " + timeoutMs + " ms; read: " + out, e);
        } catch (java.net.SocketException reset) {
            // closed with a reset
        }
        return out.toString(StandardCharsets.ISO_8859_1);
    }

    /** The first part of a real TLS ClientHello: a handshake that starts and never finishes. */
    private static byte[] halfClientHello() throws Exception {
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(null, null, null);
        SSLEngine engine = ctx.createSSLEngine("localhost", 443);
        engine.setUseClientMode(true);
        ByteBuffer net = ByteBuffer.allocate(engine.getSession().getPacketBufferSize());
        engine.beginHandshake();
        engine.wrap(ByteBuffer.allocate(0), net);
        net.flip();
        byte[] hello = new byte[net.remaining() / 2];
        net.get(hello);
        return hello;
    }

    private static Socket stalledHandshake(int port) throws Exception {
        Socket s = new Socket("127.0.0.1", port);
        s.getOutputStream().write(halfClientHello());
        s.getOutputStream().flush();
        return s;
    }

    @Test
    @Order(1)
    void stalledHandshakesAreClosedAfterTransportSocketConnectTimeout() throws Exception {
        // openssl s_client -starttls smtp waits for the server's greeting before its ClientHello: a
        // transport socket that never connects.
        long start = System.nanoTime();
        Process smtp = new ProcessBuilder("openssl", "s_client", "-connect", "127.0.0.1:" + tls, "-starttls", "smtp")
                .redirectErrorStream(true).start();
        Socket half = stalledHandshake(tls);
        try {
            String rest = readToClose(half, 30_000);
            assertEquals("", rest, "the proxy answered a half ClientHello");
            assertTrue(smtp.waitFor(30, TimeUnit.SECONDS), "openssl s_client is still connected");
            long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            assertTrue(ms >= 1500, "closed after " + ms + " ms, before the 2 s timeout");
        } finally {
            half.close();
            smtp.destroyForcibly();
        }
        assertEquals(2.0, connectTimeouts(tls));
    }

    @Test
    @Order(2)
    void aFinishedHandshakeOutlivesTheTimeout() throws Exception {
        Process client = new ProcessBuilder("openssl", "s_client", "-connect", "127.0.0.1:" + tls, "-quiet")
                .redirectErrorStream(true).start();
        try {
            Thread.sleep(3500); // past the 2 s transport_socket_connect_timeout
            OutputStream in = client.getOutputStream();
            in.write("GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
            in.flush();
            assertTrue(client.waitFor(30, TimeUnit.SECONDS), "no answer over the TLS connection");
            String out = new String(client.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
            assertTrue(out.contains("HTTP/1.1 200") && out.endsWith("ok"), out);
        } finally {
            client.destroyForcibly();
        }
        assertEquals(2.0, connectTimeouts(tls), "a connection that finished its handshake was counted");
    }

    @Test
    @Order(3)
    void http1MaxRequestsPerConnectionMovesCurlToANewConnection() throws Exception {
        double before = hcmStat("downstream_cx_max_requests_reached", "lifetime");
        List<String> cmd = new ArrayList<>(List.of("curl", "-sS", "--max-time", "30",
                "-w", "%{num_connects} %{http_code} %header{connection}\\n"));
        for (int i = 0; i < 4; i++) {
            cmd.addAll(List.of("-o", "/dev/null", "http://127.0.0.1:" + http + "/r" + i));
        }
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), out);
        // The third request is the connection's last: connection: close, and the fourth reconnects.
        assertEquals(List.of("1 200", "0 200", "0 200 close", "1 200"), out.strip().lines().map(String::strip).toList());
        assertEquals(before + 1, hcmStat("downstream_cx_max_requests_reached", "lifetime"));
    }

    @Test
    @Order(4)
    void http2MaxRequestsPerConnectionSendsGoAwayAndCloses() throws Exception {
        double before = hcmStat("downstream_cx_max_requests_reached", "lifetime");
        try (RawH2 h2 = new RawH2("127.0.0.1", http)) {
            h2.socket().setSoTimeout(20_000);
            // The third stream reaches the limit; the fourth, sent before the client saw a GOAWAY, is
            // still served and counted again, as in Envoy.
            h2.settingsAck().get(1, "a", "/1", true).get(3, "a", "/2", true).get(5, "a", "/3", true)
                    .get(7, "a", "/4", true).flush();
            List<Integer> answered = new ArrayList<>();
            List<RawH2.Frame> goAways = new ArrayList<>();
            for (RawH2.Frame f = h2.read(); f != null; f = h2.read()) {
                if (f.type() == RawH2.HEADERS) {
                    answered.add(f.streamId());
                } else if (f.type() == RawH2.GOAWAY) {
                    goAways.add(f);
                }
            }
            assertEquals(List.of(1, 3, 5, 7), answered);
            // Envoy's drain: a notice (last stream 2^31-1), then after drain_timeout the real last stream.
            assertEquals(2, goAways.size(), "GOAWAY frames: " + goAways.size());
            assertEquals(RawH2.NO_ERROR, goAways.get(0).goAwayError());
            assertEquals(Integer.MAX_VALUE, lastStreamId(goAways.get(0)));
            assertEquals(7, lastStreamId(goAways.get(1)));
            assertEquals(-1, h2.socket().getInputStream().read(), "the connection stayed open");
        }
        assertEquals(before + 2, hcmStat("downstream_cx_max_requests_reached", "lifetime"));
    }

    private static int lastStreamId(RawH2.Frame goAway) {
        byte[] p = goAway.payload();
        return ((p[0] & 0x7f) << 24) | ((p[1] & 0xff) << 16) | ((p[2] & 0xff) << 8) | (p[3] & 0xff);
    }

    @Test
    @Order(5)
    void http1MaxConnectionDurationClosesIdleAndInFlightConnections() throws Exception {
        double before = hcmStat("downstream_cx_max_duration_reached", "lifetime");
        long start = System.nanoTime();
        try (Socket idle = new Socket("127.0.0.1", http); Socket busy = new Socket("127.0.0.1", http)) {
            idle.getOutputStream().write("GET /a HTTP/1.1\r\nHost: a\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
            // Answered once past the 3 s duration: the answer closes the connection.
            busy.getOutputStream().write("GET /slow HTTP/1.1\r\nHost: a\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
            String idleRead = readToClose(idle, 30_000);
            long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            assertTrue(idleRead.startsWith("HTTP/1.1 200"), idleRead);
            assertTrue(!idleRead.toLowerCase().contains("connection: close"), idleRead);
            assertTrue(ms >= 2500, "closed after " + ms + " ms, before max_connection_duration");
            for (int i = 0; i < 300 && hcmStat("downstream_cx_max_duration_reached", "lifetime") < before + 2; i++) {
                Thread.sleep(100);
            }
            assertEquals(before + 2, hcmStat("downstream_cx_max_duration_reached", "lifetime"),
                    "the busy connection's duration ran out");
            answerSlow.complete(null);
            String busyRead = readToClose(busy, 30_000);
            assertTrue(busyRead.startsWith("HTTP/1.1 200"), busyRead);
            assertTrue(busyRead.toLowerCase().contains("connection: close"), busyRead);
            assertTrue(busyRead.endsWith("slow"), busyRead);
        }
        assertEquals(before + 2, hcmStat("downstream_cx_max_duration_reached", "lifetime"));
    }

    @Test
    @Order(6)
    void http2MaxConnectionDurationDrainsWithGoAway() throws Exception {
        double before = hcmStat("downstream_cx_max_duration_reached", "lifetime");
        long start = System.nanoTime();
        try (RawH2 h2 = new RawH2("127.0.0.1", http)) {
            h2.socket().setSoTimeout(20_000);
            h2.settingsAck().get(1, "a", "/1", true).flush();
            List<RawH2.Frame> goAways = new ArrayList<>();
            boolean answered = false;
            for (RawH2.Frame f = h2.read(); f != null; f = h2.read()) {
                answered |= f.type() == RawH2.HEADERS && f.streamId() == 1;
                if (f.type() == RawH2.GOAWAY) {
                    if (goAways.isEmpty()) {
                        long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
                        assertTrue(ms >= 2500, "GOAWAY after " + ms + " ms, before max_connection_duration");
                    }
                    goAways.add(f);
                }
            }
            assertTrue(answered);
            assertEquals(2, goAways.size());
            assertEquals(Integer.MAX_VALUE, lastStreamId(goAways.get(0)));
            assertEquals(1, lastStreamId(goAways.get(1)));
            assertEquals(RawH2.NO_ERROR, goAways.get(1).goAwayError());
            assertEquals(-1, h2.socket().getInputStream().read(), "the connection stayed open");
        }
        assertEquals(before + 1, hcmStat("downstream_cx_max_duration_reached", "lifetime"));
    }

    @Test
    @Order(7)
    void reduceTimeoutsShortensRunningHandshakeAndDurationTimers() throws Exception {
        // Timers of 120 s, already running when pressure rises.
        Socket handshake = stalledHandshake(tlsLong);
        Socket keepAlive = new Socket("127.0.0.1", httpLong);
        try {
            keepAlive.getOutputStream().write("GET /a HTTP/1.1\r\nHost: a\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
            Thread.sleep(1000);
            assertEquals(0.0, connectTimeouts(tlsLong));
            Files.writeString(pressure, "1");
            String gauge = "envoy_overload_envoy_overload_actions_reduce_timeouts_scale_percent";
            for (int i = 0; i < 100 && proxy.metric(gauge) < 100; i++) {
                Thread.sleep(100);
            }
            assertEquals(100.0, proxy.metric(gauge));
            // Saturated, both shrink to their 0.5 s floor and have been running longer: closed now.
            assertEquals("", readToClose(handshake, 30_000));
            String r = readToClose(keepAlive, 30_000);
            assertTrue(r.startsWith("HTTP/1.1 200"), r);
            assertEquals(1.0, connectTimeouts(tlsLong));
            assertEquals(1.0, hcmStat("downstream_cx_max_duration_reached", "long"));
            // A new handshake gets the scaled timeout from its start.
            try (Socket again = stalledHandshake(tlsLong)) {
                assertEquals("", readToClose(again, 30_000));
            }
            assertEquals(2.0, connectTimeouts(tlsLong));
        } finally {
            handshake.close();
            keepAlive.close();
            Files.writeString(pressure, "0");
        }
        String gauge = "envoy_overload_envoy_overload_actions_reduce_timeouts_scale_percent";
        for (int i = 0; i < 100 && proxy.metric(gauge) > 0; i++) {
            Thread.sleep(100);
        }
        assertEquals(0.0, proxy.metric(gauge));
        // Without pressure the 120 s timers are back: a keep-alive connection is not closed.
        try (Socket s = new Socket("127.0.0.1", httpLong)) {
            s.getOutputStream().write("GET /a HTTP/1.1\r\nHost: a\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
            s.setSoTimeout(3000);
            byte[] head = s.getInputStream().readNBytes(12);
            assertEquals("HTTP/1.1 200", new String(head, StandardCharsets.ISO_8859_1));
            byte[] buf = new byte[1024];
            try {
                for (int n = s.getInputStream().read(buf); ; n = s.getInputStream().read(buf)) {
                    assertTrue(n >= 0, "closed without pressure");
                }
            } catch (SocketTimeoutException stillOpen) {
                // as it should be
            }
        }
        assertNotNull(proxy.process());
        assertEquals(1.0, hcmStat("downstream_cx_max_duration_reached", "long"));
    }
}
