package io.remora.e2e;

import io.remora.testing.RawH2;
import io.remora.testing.SocketServers;
import io.remora.testing.TempPaths;
import io.remora.testing.TestCerts;
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
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The connection manager's connection stats (http.PREFIX.downstream_cx_*, the flow control and
 * request-completion counters) through real sockets: each scenario has a listener, so a stat
 * prefix, of its own. Raw sockets hold HTTP/1.1 and HTTP/2 connections open and close them (or
 * break HTTP/2's rules, so that the proxy closes) with or without a request in flight; openssl s_client holds a TLS one; an idle timeout with a
 * delayed close the client never answers closes from the proxy's side; a body pushed at an
 * upstream that reads nothing pauses the downstream's reads; /drain_listeners drains. Every stat
 * is listed at 0 before its listener saw a connection.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class HcmConnectionStatsE2ETest {

    static ProxyProcess proxy;
    static ServerSocket deaf;
    static final List<Socket> deafPeers = new CopyOnWriteArrayList<>();
    static Path certs;
    static Map<String, Integer> ports;
    static int admin;

    @BeforeAll
    static void start() throws Exception {
        certs = TempPaths.directory("hcmstats-certs");
        TestCerts.ca("hcmstats-ca").issue("proxy", "127.0.0.1", "localhost").write(certs, "server");
        // An upstream that accepts and never reads nor answers: requests stay in flight, bodies back up.
        deaf = new ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress());
        SocketServers.acceptEach(deaf, "deaf-upstream", deafPeers::add);
        admin = ProxyProcess.freePort();
        ports = new java.util.HashMap<>();
        for (String n : List.of("fresh", "h1", "h2", "h2err", "inflight", "idle", "tls", "early", "paused", "drain")) {
            ports.put(n, ProxyProcess.freePort());
        }
        String listeners = String.join("\n",
                listener("fresh", "", ""),
                listener("h1", "", ""),
                listener("h2", "", ""),
                listener("h2err", "", ""),
                listener("inflight", "", ""),
                listener("idle", "", "common_http_protocol_options: { idle_timeout: 0.5s }\ndelayed_close_timeout: 0.3s"),
                listener("tls", Bootstraps.downstreamTls(certs, "server"), ""),
                listener("early", "", ""),
                listener("paused", "", ""),
                listener("drain", "", ""));
        String yaml = Bootstraps.listeners(admin, listeners, Bootstraps.cluster("deaf", false, null, deaf.getLocalPort()), ports);
        // Immediate: the drain's first response closes (gradual, the default, closes 1 in 600 at first).
        proxy = ProxyProcess.start(yaml, admin, java.util.List.of(), "--drain-strategy", "immediate");
    }

    private static String listener(String name, String chainFields, String hcmFields) {
        return Bootstraps.httpListener(name, chainFields, hcmFields, Bootstraps.routeElseOk("/deaf", "cluster: deaf, timeout: 0s"));
    }

    @AfterAll
    static void stop() throws Exception {
        if (proxy != null) {
            proxy.closeCheckingLeaks();
        }
        if (deaf != null) {
            deaf.close();
        }
        for (Socket s : deafPeers) {
            s.close();
        }
    }

    private static double hcm(String prefix, String stat) throws Exception {
        return proxy.metric("envoy_http_" + stat + "{envoy_http_conn_manager_prefix=\"" + prefix + "\"}");
    }

    /** Waits for a stat to equal {@code value} (gauges fall as well as rise, so not at-least). */
    private static void await(String prefix, String stat, double value) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (hcm(prefix, stat) != value) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("http." + prefix + "." + stat + " is " + hcm(prefix, stat) + ", not " + value
                        + "\n" + proxy.admin("/stats?filter=http." + prefix + "."));
            }
            Thread.sleep(50);
        }
    }

    private static Socket http1(String listener) throws IOException {
        Socket s = new Socket("127.0.0.1", ports.get(listener));
        s.setSoTimeout(10_000);
        return s;
    }

    private static void send(Socket s, String text) throws IOException {
        OutputStream out = s.getOutputStream();
        out.write(text.getBytes(StandardCharsets.ISO_8859_1));
        out.flush();
    }

    /** Reads one small response (headers and a short body) that fits one read. */
    private static String readResponse(Socket s) throws IOException {
        byte[] buf = new byte[4096];
        StringBuilder sb = new StringBuilder();
        InputStream in = s.getInputStream();
        while (!sb.toString().endsWith("ok")) {
            int n = in.read(buf);
            if (n < 0) {
                break;
            }
            sb.append(new String(buf, 0, n, StandardCharsets.ISO_8859_1));
        }
        return sb.toString();
    }

    @Test
    @Order(1)
    void everyStatIsListedAtZeroBeforeAnyConnection() throws Exception {
        String stats = proxy.admin("/stats?filter=http.fresh.");
        for (String name : List.of("downstream_cx_ssl_total", "downstream_cx_ssl_active", "downstream_cx_http1_active",
                "downstream_cx_http2_active", "downstream_cx_http3_total", "downstream_cx_http3_active",
                "downstream_rq_http3_total", "downstream_cx_destroy_remote", "downstream_cx_destroy_local",
                "downstream_cx_destroy_active_rq", "downstream_cx_destroy_local_active_rq",
                "downstream_cx_destroy_remote_active_rq", "downstream_cx_drain_close", "downstream_cx_idle_timeout",
                "downstream_cx_delayed_close_timeout", "downstream_flow_control_paused_reading_total",
                "downstream_flow_control_resumed_reading_total", "downstream_rq_response_before_rq_complete",
                "downstream_rq_completed")) {
            assertTrue(stats.contains("http.fresh." + name + ": 0\n"), name + " not listed at 0 in\n" + stats);
        }
        String prom = proxy.admin("/stats/prometheus");
        assertTrue(prom.contains("envoy_http_downstream_cx_destroy_remote_active_rq{envoy_http_conn_manager_prefix=\"fresh\"} 0"),
                prom);
    }

    @Test
    @Order(2)
    void http1ConnectionIsActiveUntilTheClientClosesIt() throws Exception {
        try (Socket s = http1("h1")) {
            send(s, "GET / HTTP/1.1\r\nhost: x\r\n\r\n");
            assertTrue(readResponse(s).startsWith("HTTP/1.1 200"));
            await("h1", "downstream_cx_http1_active", 1);
            assertEquals(1, hcm("h1", "downstream_rq_completed"));
            assertEquals(0, hcm("h1", "downstream_rq_response_before_rq_complete"));
        }
        await("h1", "downstream_cx_http1_active", 0);
        assertEquals(1, hcm("h1", "downstream_cx_destroy_remote"));
        assertEquals(0, hcm("h1", "downstream_cx_destroy_local"));
        assertEquals(0, hcm("h1", "downstream_cx_destroy_active_rq"));
        assertEquals(0, hcm("h1", "downstream_cx_ssl_total"));
    }

    @Test
    @Order(3)
    void http2ConnectionIsActiveUntilTheClientClosesIt() throws Exception {
        RawH2 h2 = new RawH2("127.0.0.1", ports.get("h2"));
        try {
            await("h2", "downstream_cx_http2_active", 1);
            assertEquals(0, hcm("h2", "downstream_cx_http1_active"));
        } finally {
            h2.socket().close();
        }
        await("h2", "downstream_cx_http2_active", 0);
        assertEquals(1, hcm("h2", "downstream_cx_destroy_remote"));
        assertEquals(1, hcm("h2", "downstream_cx_http2_total"));
    }

    @Test
    @Order(4)
    void http2ProtocolErrorWithAStreamInFlightIsALocalCloseWithAnActiveRequest() throws Exception {
        RawH2 h2 = new RawH2("127.0.0.1", ports.get("h2err"));
        try {
            h2.get(1, "x", "/deaf", true).flush();
            await("h2err", "downstream_rq_active", 1);
            h2.frame(0, 0, 0, new byte[1]).flush(); // DATA on stream 0: a connection error
            await("h2err", "downstream_cx_destroy_local_active_rq", 1);
        } finally {
            h2.socket().close();
        }
        assertEquals(1, hcm("h2err", "downstream_cx_destroy_local"));
        assertEquals(1, hcm("h2err", "downstream_cx_destroy_active_rq"));
        assertEquals(0, hcm("h2err", "downstream_cx_destroy_remote"));
        assertEquals(0, hcm("h2err", "downstream_cx_destroy_remote_active_rq"));
        assertEquals(1, hcm("h2err", "downstream_cx_protocol_error"));
    }

    @Test
    @Order(5)
    void clientClosingWithARequestInFlightIsARemoteCloseWithAnActiveRequest() throws Exception {
        try (Socket s = http1("inflight")) {
            send(s, "GET /deaf HTTP/1.1\r\nhost: x\r\n\r\n");
            await("inflight", "downstream_rq_active", 1);
        }
        await("inflight", "downstream_cx_destroy_remote_active_rq", 1);
        assertEquals(1, hcm("inflight", "downstream_cx_destroy_active_rq"));
        assertEquals(0, hcm("inflight", "downstream_cx_destroy_local_active_rq"));
        assertEquals(1, hcm("inflight", "downstream_cx_destroy_remote"));
        assertEquals(0, hcm("inflight", "downstream_rq_completed"));
        await("inflight", "downstream_cx_http1_active", 0);
    }

    @Test
    @Order(6)
    void idleTimeoutClosesFromTheProxysSideAfterTheDelayedClose() throws Exception {
        try (Socket s = http1("idle")) {
            send(s, "GET / HTTP/1.1\r\nhost: x\r\n\r\n");
            assertTrue(readResponse(s).startsWith("HTTP/1.1 200"));
            // The proxy's FIN after the idle timeout; this client never closes, so the delayed close times out.
            assertEquals(-1, s.getInputStream().read());
            await("idle", "downstream_cx_destroy_local", 1);
        }
        assertEquals(1, hcm("idle", "downstream_cx_idle_timeout"));
        assertEquals(1, hcm("idle", "downstream_cx_delayed_close_timeout"));
        assertEquals(0, hcm("idle", "downstream_cx_destroy_remote"));
        assertEquals(0, hcm("idle", "downstream_cx_destroy_active_rq"));
    }

    @Test
    @Order(7)
    void tlsConnectionsAreCountedWhileOpen() throws Exception {
        Process sClient = new ProcessBuilder("openssl", "s_client", "-connect", "127.0.0.1:" + ports.get("tls"), "-quiet")
                .redirectErrorStream(true).start();
        try {
            await("tls", "downstream_cx_ssl_active", 1);
            assertEquals(1, hcm("tls", "downstream_cx_ssl_total"));
        } finally {
            sClient.destroy();
            sClient.waitFor(10, TimeUnit.SECONDS);
        }
        await("tls", "downstream_cx_ssl_active", 0);
        assertEquals(1, hcm("tls", "downstream_cx_ssl_total"));
        assertEquals(0, hcm("h1", "downstream_cx_ssl_total"));
    }

    @Test
    @Order(8)
    void responseSentBeforeTheRequestBodyIsCounted() throws Exception {
        try (Socket s = http1("early")) {
            send(s, "POST / HTTP/1.1\r\nhost: x\r\ncontent-length: 100\r\n\r\n");
            assertTrue(readResponse(s).startsWith("HTTP/1.1 200"));
        }
        await("early", "downstream_rq_response_before_rq_complete", 1);
        assertEquals(1, hcm("early", "downstream_rq_completed"));
    }

    @Test
    @Order(9)
    void aBodyTheUpstreamDoesNotReadPausesTheDownstreamsReads() throws Exception {
        long length = 256L << 20;
        Socket s = http1("paused");
        Thread writer = new Thread(() -> {
            try {
                send(s, "POST /deaf HTTP/1.1\r\nhost: x\r\ncontent-length: " + length + "\r\n\r\n");
                byte[] chunk = new byte[64 * 1024];
                for (long sent = 0; sent < length; sent += chunk.length) {
                    s.getOutputStream().write(chunk);
                }
            } catch (IOException closed) {
                // the test closes the socket once reads paused
            }
        }, "paused-writer");
        writer.setDaemon(true);
        writer.start();
        try {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (hcm("paused", "downstream_flow_control_paused_reading_total") < 1) {
                assertTrue(System.nanoTime() < deadline, "reads never paused:\n" + proxy.admin("/stats?filter=http.paused."));
                Thread.sleep(50);
            }
        } finally {
            s.close();
        }
        assertEquals(1, hcm("paused", "downstream_flow_control_paused_reading_total"));
        // the router's upstream stream went above its high watermark: the cluster counts it backed up
        assertEquals(1, proxy.metric("envoy_cluster_upstream_flow_control_backed_up_total{envoy_cluster_name=\"deaf\"}"));
    }

    @Test
    @Order(10)
    void aResponseWhileTheListenerDrainsCountsADrainClose() throws Exception {
        try (Socket s = http1("drain")) {
            send(s, "GET / HTTP/1.1\r\nhost: x\r\n\r\n");
            assertTrue(readResponse(s).startsWith("HTTP/1.1 200"));
            assertEquals(0, hcm("drain", "downstream_cx_drain_close"));
            Curl drained = Curl.run("-X", "POST", "http://127.0.0.1:" + admin + "/drain_listeners?graceful");
            assertEquals(200, drained.status());
            send(s, "GET / HTTP/1.1\r\nhost: x\r\n\r\n");
            String response = readResponse(s).toLowerCase(java.util.Locale.ROOT);
            assertTrue(response.contains("connection: close"), response);
            await("drain", "downstream_cx_drain_close", 1);
        }
    }
}
