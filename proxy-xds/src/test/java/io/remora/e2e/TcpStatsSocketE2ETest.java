package io.remora.e2e;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The tcp_stats transport socket around raw_buffer on a tcp_proxy listener's chain and on its
 * cluster, through a real proxy to an echo upstream: after a transfer the kernel's TCP_INFO
 * counts under {@code listener.<address>.tcp_stats.*} and {@code cluster.<name>.tcp_stats.*}
 * (read as the connection closes), with update_period while it is still open, and the gauges
 * give a closed connection's share back.
 */
class TcpStatsSocketE2ETest {

    @RegisterExtension
    static final E2EStack stack = new E2EStack();
    static final Map<String, Integer> PORTS = new HashMap<>();
    static ProxyProcess proxy;
    static final int SIZE = 64 * 1024;

    /** A transport_socket block: tcp_stats with {@code fields} around raw_buffer. */
    static String tcpStats(String fields) {
        return """
                transport_socket:
                  name: envoy.transport_sockets.tcp_stats
                  typed_config:
                    "@type": type.googleapis.com/envoy.extensions.transport_sockets.tcp_stats.v3.Config
                    FIELDS
                    transport_socket:
                      name: envoy.transport_sockets.raw_buffer
                      typed_config: { "@type": type.googleapis.com/envoy.extensions.transport_sockets.raw_buffer.v3.RawBuffer }
                """.replace("    FIELDS\n", fields.isEmpty() ? "" : "    " + fields + "\n");
    }

    /** A tcp_proxy listener to {@code cluster} whose chain's transport socket is tcp_stats. */
    static String counted(String name, String cluster, String fields) {
        return Bootstraps.tcpListener(name, cluster).replace("  - filters:\n",
                "  - " + Bootstraps.indent(tcpStats(fields), 4).stripLeading() + "\n    filters:\n");
    }

    @BeforeAll
    static void start() throws Exception {
        ServerSocket echo = stack.own(new ServerSocket(0, 50, InetAddress.getLoopbackAddress()));
        TcpEcho.serve(echo);
        PORTS.put("atclose", ProxyProcess.freePort());
        PORTS.put("periodic", ProxyProcess.freePort());
        String listeners = counted("atclose", "echo", "") + "\n"
                + counted("periodic", "echoperiodic", "update_period: 0.1s");
        String clusters = Bootstraps.cluster("echo", false, Bootstraps.indent(tcpStats(""), 2) + "\n",
                echo.getLocalPort()) + "\n"
                + Bootstraps.cluster("echoperiodic", false, Bootstraps.indent(tcpStats("update_period: 0.1s"), 2) + "\n",
                echo.getLocalPort());
        proxy = stack.start(Bootstraps.listeners(stack.adminPort, listeners, clusters, PORTS));
    }

    static byte[] payload() {
        byte[] b = new byte[SIZE];
        Arrays.fill(b, (byte) 'x');
        return b;
    }

    /** Sends the payload and reads its echo on {@code s}. */
    static void transfer(Socket s) throws Exception {
        s.setSoTimeout(20_000);
        s.getOutputStream().write(payload());
        InputStream in = s.getInputStream();
        assertArrayEquals(payload(), in.readNBytes(SIZE));
    }

    static String listener(String name) {
        return "listener.127.0.0.1_" + PORTS.get(name) + ".tcp_stats.";
    }

    /** {@code stat} once it is at least {@code min}, waiting up to 20 s (stats land as connections close). */
    static double await(String stat, double min) throws Exception {
        long deadline = System.nanoTime() + 20_000_000_000L;
        double v = proxy.stat(stat);
        while (v < min && System.nanoTime() < deadline) {
            Thread.sleep(50);
            v = proxy.stat(stat);
        }
        return v;
    }

    @Test
    void aClosedConnectionCountsInTheListenersAndTheClustersScope() throws Exception {
        try (Socket s = new Socket("127.0.0.1", PORTS.get("atclose"))) {
            transfer(s);
        }
        String l = listener("atclose");
        assertTrue(await(l + "cx_rx_bytes_received", SIZE) >= SIZE, "the client's bytes, as the kernel counted them");
        assertTrue(proxy.stat(l + "cx_tx_bytes_sent") >= SIZE, "the echo sent back");
        assertTrue(proxy.stat(l + "cx_rx_segments") > 0);
        assertTrue(proxy.stat(l + "cx_tx_segments") > 0);
        assertTrue(proxy.stat(l + "cx_rx_data_segments") > 0);
        assertTrue(proxy.stat(l + "cx_tx_data_segments") > 0);
        String c = "cluster.echo.tcp_stats.";
        assertTrue(await(c + "cx_tx_bytes_sent", SIZE) >= SIZE, "the proxy's bytes to the echo");
        assertTrue(proxy.stat(c + "cx_rx_bytes_received") >= SIZE);
        assertTrue(proxy.stat(c + "cx_tx_segments") > 0);
        assertTrue(proxy.stat(c + "cx_data_segments_delivered") > 0);
        String stats = proxy.admin("/stats");
        for (String histogram : new String[] {"cx_rtt_us", "cx_rtt_variance_us", "cx_tx_mss_bytes",
            "cx_congestion_window", "cx_tx_percent_retransmitted_segments"}) {
            assertTrue(stats.contains(c + histogram + ": P0("), histogram + " recorded:\n" + stats);
        }
        assertEquals(0, proxy.stat(c + "cx_tx_unsent_bytes"), "a closed connection gives its gauge share back");
        assertTrue(stats.contains(c + "cx_tx_unacked_segments: 0"), stats);
    }

    @Test
    void updatePeriodCountsWhileTheConnectionIsOpen() throws Exception {
        try (Socket s = new Socket("127.0.0.1", PORTS.get("periodic"))) {
            transfer(s);
            assertTrue(await(listener("periodic") + "cx_rx_bytes_received", SIZE) >= SIZE,
                    "read by the timer: the connection is still open");
            assertTrue(await("cluster.echoperiodic.tcp_stats.cx_tx_bytes_sent", SIZE) >= SIZE);
            s.getOutputStream().write('y');
            assertEquals('y', s.getInputStream().read(), "the connection is still open");
        }
    }
}
