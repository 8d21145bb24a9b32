package io.remora.e2e;

import io.remora.testing.HttpHeads;
import io.remora.testing.SocketServers;
import io.remora.testing.TempPaths;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * WebSocket bytes a client sends right behind its upgrade request, before the upstream's answer, after
 * Envoy's websocket_integration_test.cc (BidirectionalUpgradeFailedWithPrePayload,
 * Http1UpgradeStatusCodeUpgradeRequired) and its router's paused_for_websocket_: over HTTP/1.1 they wait
 * for the 101, and an upstream that refuses the upgrade never sees them; while they wait, they are held
 * under the listener's per_connection_buffer_limit_bytes (Envoy's upstream filter manager buffers them
 * with watermarks: above the limit the client is read-disabled). The upstream is a raw socket that reads
 * the head, waits to see whether anything follows it, then answers by path.
 */
class WebSocketEarlyDataE2ETest {

    static ServerSocket upstream;
    static ProxyProcess proxy;
    static int port;
    /** Per upgrade: what the upstream had after the head before it answered, then after. */
    static final BlockingQueue<String[]> SEEN = new LinkedBlockingQueue<>();
    /** The request heads the upstream read, by path. */
    static final Map<String, String> HEADS = new java.util.concurrent.ConcurrentHashMap<>();
    /** Released by the test: the upstream answers /late only then. */
    static final CountDownLatch LATE = new CountDownLatch(1);
    static final int LIMIT = 32 * 1024;

    @BeforeAll
    static void start() throws Exception {
        upstream = new ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress());
        SocketServers.acceptEach(upstream, "ws-upstream", WebSocketEarlyDataE2ETest::serve);
        int admin = ProxyProcess.freePort();
        port = ProxyProcess.freePort();
        String yaml = Bootstraps.http(admin, port, TempPaths.file("ws-early", ".log").toString(), """
                - match: { prefix: "/" }
                  route: { cluster: ws }
                - match: { connect_matcher: {} }
                  route: { cluster: ws }
                """, Bootstraps.cluster("ws", false, null, upstream.getLocalPort()))
                .replace("stat_prefix: ingress\n", "stat_prefix: ingress\n          upgrade_configs: [{ upgrade_type: websocket },"
                        + " { upgrade_type: foo }, { upgrade_type: CONNECT }]\n")
                .replace("    filter_chains:\n", "    per_connection_buffer_limit_bytes: " + LIMIT + "\n    filter_chains:\n");
        assertTrue(yaml.contains("upgrade_configs") && yaml.contains("per_connection_buffer_limit_bytes"), yaml);
        proxy = ProxyProcess.start(yaml, admin, List.of());
    }

    private static void serve(Socket s) {
        try (s) {
            s.setSoTimeout(5000);
            InputStream in = s.getInputStream();
            String head = HttpHeads.read(in);
            HEADS.put(head.split(" ", 3)[1], head);
            if (head.startsWith("GET /late ")) {
                LATE.await(30, TimeUnit.SECONDS);
            }
            Thread.sleep(300);
            String before = new String(in.readNBytes(in.available()), StandardCharsets.US_ASCII);
            OutputStream out = s.getOutputStream();
            if (head.startsWith("GET /refuse ")) {
                out.write("HTTP/1.1 426 Upgrade Required\r\nconnection: upgrade\r\nupgrade: websocket\r\ncontent-length: 0\r\n\r\n"
                        .getBytes(StandardCharsets.US_ASCII));
                out.flush();
                String after = new String(in.readAllBytes(), StandardCharsets.US_ASCII);
                SEEN.add(new String[]{before, after});
                return;
            }
            String upgrade = head.toLowerCase(java.util.Locale.ROOT).contains("\r\nupgrade: foo") ? "foo" : "websocket";
            out.write((head.startsWith("CONNECT ") ? "HTTP/1.1 200 OK\r\n\r\n"
                    : "HTTP/1.1 101 Switching Protocols\r\nconnection: upgrade\r\nupgrade: " + upgrade + "\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            out.flush();
            String after = new String(in.readAllBytes(), StandardCharsets.US_ASCII);
            SEEN.add(new String[]{before, after});
            String echo = head.startsWith("GET /late ") ? "got:" + after.length() : "echo:" + after;
            out.write(echo.getBytes(StandardCharsets.US_ASCII));
        } catch (Exception e) {
            SEEN.add(new String[]{"error", e.toString()});
        }
    }

    @AfterAll
    static void stop() throws Exception {
        if (proxy != null) {
            proxy.close();
        }
        if (upstream != null) {
            upstream.close();
        }
    }

    private static String upgrade(String path, String early) throws Exception {
        return exchange("GET " + path + " HTTP/1.1\r\nHost: host\r\nconnection: upgrade\r\nupgrade: websocket\r\n\r\n", early);
    }

    private static String exchange(String head, String early) throws Exception {
        try (Socket c = new Socket("127.0.0.1", port)) {
            c.setSoTimeout(10_000);
            c.getOutputStream().write((head + early).getBytes(StandardCharsets.US_ASCII));
            c.shutdownOutput();
            return new String(c.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
        }
    }

    @Test
    void bytesBeforeThe101WaitForIt() throws Exception {
        String answer = upgrade("/accept", "foo boo");
        assertTrue(answer.startsWith("HTTP/1.1 101 "), answer);
        assertTrue(answer.endsWith("\r\n\r\necho:foo boo"), answer);
        String[] seen = SEEN.poll(10, TimeUnit.SECONDS);
        assertEquals("", seen[0], "nothing past the head before the upstream switched");
        assertEquals("foo boo", seen[1]);
        // As Envoy's websocket_integration_test validateUpgradeRequestHeaders: an upgrade carries the
        // route's deadline (the default 15 s) like any request (router.cc finalTimeout has no exception).
        assertTrue(HEADS.get("/accept").toLowerCase(java.util.Locale.ROOT)
                .contains("\r\nx-envoy-expected-rq-timeout-ms: 15000\r\n"), HEADS.get("/accept"));
    }

    @Test
    void anUpstreamThatRefusesNeverSeesThem() throws Exception {
        String answer = upgrade("/refuse", "foo boo");
        assertTrue(answer.startsWith("HTTP/1.1 426 "), answer);
        // Envoy keeps a refused upgrade's Connection and Upgrade (Http1UpgradeStatusCodeUpgradeRequired).
        String head = answer.substring(0, answer.indexOf("\r\n\r\n") + 2).toLowerCase(java.util.Locale.ROOT);
        assertTrue(head.contains("\r\nconnection: upgrade\r\n") && head.contains("\r\nupgrade: websocket\r\n"), answer);
        String[] seen = SEEN.poll(10, TimeUnit.SECONDS);
        assertEquals("", seen[0]);
        assertEquals("", seen[1], "the refused upgrade's early bytes never went upstream");
    }

    @Test
    void bytesBeforeThe101AreHeldUnderTheBufferLimit() throws Exception {
        int size = 64 * LIMIT;
        AtomicReference<Throwable> writeFailure = new AtomicReference<>();
        try (Socket c = new Socket("127.0.0.1", port)) {
            c.setSoTimeout(20_000);
            Thread writer = new Thread(() -> {
                try {
                    OutputStream out = c.getOutputStream();
                    out.write(("GET /late HTTP/1.1\r\nHost: host\r\nconnection: upgrade\r\nupgrade: websocket\r\n\r\n")
                            .getBytes(StandardCharsets.US_ASCII));
                    out.write("x".repeat(size).getBytes(StandardCharsets.US_ASCII));
                    c.shutdownOutput();
                } catch (Exception e) {
                    writeFailure.set(e);
                }
            }, "ws-early-writer");
            writer.start();
            String paused = "http.ingress.downstream_flow_control_paused_reading_total";
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
            while (proxy.stat(paused) < 1) {
                assertTrue(System.nanoTime() < deadline,
                        "the client was never read-disabled while its bytes waited for the 101\n"
                                + proxy.admin("/stats?filter=http.ingress."));
                Thread.sleep(20);
            }
            LATE.countDown();
            String answer = new String(c.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
            writer.join(10_000);
            assertEquals(null, writeFailure.get());
            assertTrue(answer.startsWith("HTTP/1.1 101 "), answer);
            assertTrue(answer.endsWith("\r\n\r\ngot:" + size), answer.substring(0, Math.min(answer.length(), 300)));
        } finally {
            LATE.countDown();
        }
        String[] seen = SEEN.poll(10, TimeUnit.SECONDS);
        assertEquals("", seen[0], "nothing past the head before the upstream switched");
        assertEquals(size, seen[1].length(), "every held byte went out after the 101, once reading resumed");
    }

    /**
     * Envoy pauses a CONNECT's payload until the 2xx (UpstreamRequest's paused_for_connect_) and, since
     * its http_pause_generic_upgrade_request_body fix, any other upgrade's until the 101
     * (paused_for_generic_upgrade_): bytes sent early could otherwise be read upstream as a pipelined request.
     */
    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"GET /generic HTTP/1.1\r\nHost: host\r\nconnection: upgrade\r\nupgrade: foo\r\n\r\n",
            "CONNECT tunnel.test:443 HTTP/1.1\r\nHost: tunnel.test:443\r\n\r\n"})
    void otherTunnelsBytesWaitForTheUpstreamsAcceptanceToo(String head) throws Exception {
        String answer = exchange(head, "GET /smuggled HTTP/1.1\r\n\r\n");
        assertTrue(answer.startsWith(head.startsWith("CONNECT") ? "HTTP/1.1 200 " : "HTTP/1.1 101 "), answer);
        assertTrue(answer.endsWith("\r\n\r\necho:GET /smuggled HTTP/1.1\r\n\r\n"), answer);
        String[] seen = SEEN.poll(10, TimeUnit.SECONDS);
        assertEquals("", seen[0], "nothing past the head before the upstream accepted");
        assertEquals("GET /smuggled HTTP/1.1\r\n\r\n", seen[1]);
    }
}
