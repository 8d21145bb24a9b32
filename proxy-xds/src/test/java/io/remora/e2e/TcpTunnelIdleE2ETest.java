package io.remora.e2e;

import io.remora.http.testing.H2Upstream;
import io.remora.testing.SocketServers;
import io.remora.testing.TempPaths;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * tcp_proxy's idle_timeout over a tunnel whose CONNECT is never answered, after Envoy's
 * tcp_tunneling_integration_test.cc IdleTimeoutNoUpstreamConnectionWithIdleTimeoutSetOnNewConnection:
 * since Envoy 1.36 the idle timer runs from the connection's start, so the waiting session is
 * closed as idle (tcp.&lt;prefix&gt;.idle_timeout), the client gets its FIN and the tunnel goes: an
 * HTTP/1.1 upstream sees its connection closed.
 */
class TcpTunnelIdleE2ETest {

    static ServerSocket silentH1;
    static H2Upstream silentH2;
    static ProxyProcess proxy;
    static int viaH1;
    static int viaH2;
    static Path accessLog;
    /** What the HTTP/1.1 upstream read: the CONNECT's first line, then how its connection ended. */
    static final BlockingQueue<String> H1_SEEN = new LinkedBlockingQueue<>();

    @BeforeAll
    static void start() throws Exception {
        silentH1 = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        SocketServers.acceptEach(silentH1, "silent-connect-proxy", s -> {
            try (s) {
                InputStream in = s.getInputStream();
                String head = io.remora.testing.HttpHeads.read(in);
                H1_SEEN.add(head.lines().findFirst().orElse(""));
                H1_SEEN.add("read " + in.read()); // never answered: the proxy's close ends this
            } catch (IOException e) {
                H1_SEEN.add("read " + e.getMessage());
            }
        });
        silentH2 = new H2Upstream(io.remora.server.Transport.detect(), 100, (ctx, headers, body, trailers, n) -> {
        });
        silentH2.onOpenHeaders = (ctx, headers, body, trailers, n) -> {
            // the CONNECT stays unanswered
        };
        accessLog = TempPaths.file("remora-tcp-tunnel-idle", ".log");
        int admin = ProxyProcess.freePort();
        viaH1 = ProxyProcess.freePort();
        viaH2 = ProxyProcess.freePort();
        proxy = ProxyProcess.start("""
                admin:
                  address: { socket_address: { address: 127.0.0.1, port_value: %d } }
                static_resources:
                  listeners:
                %s
                %s
                  clusters:
                %s
                %s
                """.formatted(admin, listener("idle_h1", viaH1, "h1"), listener("idle_h2", viaH2, "h2"),
                Bootstraps.indent(Bootstraps.cluster("h1", false, null, silentH1.getLocalPort()), 2),
                Bootstraps.indent(Bootstraps.cluster("h2", true, null, silentH2.address().getPort()), 2)), admin);
    }

    private static String listener(String name, int port, String cluster) {
        return TcpTunnelingE2ETest.tunnelListener(name, port, cluster, """
                idle_timeout: 3s
                tunneling_config: { hostname: "target.test:1" }
                """, accessLog, name + " flags=%RESPONSE_FLAGS% details=%CONNECTION_TERMINATION_DETAILS%");
    }

    @AfterAll
    static void stop() throws Exception {
        for (AutoCloseable c : new AutoCloseable[]{proxy, silentH2, silentH1}) {
            if (c != null) {
                c.close();
            }
        }
    }

    /** Connects, and waits for the proxy to end the connection: what it sent, and how long that took. */
    private static long closedAfterMillis(int port) throws Exception {
        try (Socket s = new Socket("127.0.0.1", port)) {
            s.setSoTimeout(15_000);
            long start = System.nanoTime();
            assertEquals("", new String(s.getInputStream().readAllBytes(), StandardCharsets.US_ASCII));
            return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        }
    }

    @Test
    void anUnansweredHttp11ConnectIsClosedAsIdle() throws Exception {
        long took = closedAfterMillis(viaH1);
        assertTrue(took >= 2500, "closed after " + took + " ms, before the idle timeout");
        assertEquals(1.0, proxy.stat("tcp.idle_h1.idle_timeout"), () -> proxy.log());
        assertEquals("CONNECT target.test:1 HTTP/1.1", H1_SEEN.poll(10, TimeUnit.SECONDS));
        String end = H1_SEEN.poll(10, TimeUnit.SECONDS);
        assertNotNull(end, "the tunnel's connection must be closed with the session");
        assertTrue(end.equals("read -1") || end.contains("reset"), end);
        String line = LogFiles.line(LogFiles.await(accessLog,
                l -> l.stream().anyMatch(x -> x.startsWith("idle_h1 "))), "idle_h1");
        assertEquals("idle_timeout", LogFiles.field(line, "details"), line);
    }

    @Test
    void anUnansweredHttp2ConnectIsClosedAsIdle() throws Exception {
        long took = closedAfterMillis(viaH2);
        assertTrue(took >= 2500, "closed after " + took + " ms, before the idle timeout");
        assertEquals(1.0, proxy.stat("tcp.idle_h2.idle_timeout"), () -> proxy.log());
        assertEquals(1, silentH2.seen.size(), () -> "the CONNECT reached the upstream: " + proxy.log());
        assertEquals("CONNECT", String.valueOf(silentH2.seen.get(0).method()));
    }
}
