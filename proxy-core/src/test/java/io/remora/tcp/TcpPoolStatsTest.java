package io.remora.tcp;

import static io.remora.tcp.TcpProxyTest.waitFor;
import static io.remora.tcp.TestNet.chain;
import static io.remora.tcp.TestNet.listener;
import static io.remora.tcp.TestNet.serverConfig;
import static io.remora.tcp.TestNet.tcpListener;
import static io.remora.tcp.TestNet.tcpProxy;
import static io.remora.upstream.TestClusters.ep;
import static io.remora.upstream.TestClusters.staticCluster;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.remora.config.ClusterConfig;
import io.remora.config.ClusterConfig.LbPolicy;
import io.remora.config.ClusterSpecifier;
import io.remora.config.FilterChainMatch;
import io.remora.config.ServerConfig;
import io.remora.server.Server;
import io.remora.server.ServerOptions;
import io.remora.server.Transport;
import io.remora.stats.ClusterStats;
import io.remora.stats.StatsRegistry;
import io.remora.testing.FullBacklog;
import io.remora.upstream.Host;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * What Envoy's TCP connection pool counts for tcp_proxy's connections: the session as a pending
 * stream, then a stream on its connection (upstream_rq_*, the host's rq_total), and each close as
 * local or remote, with an active request.
 */
class TcpPoolStatsTest {
    private final List<AutoCloseable> closeables = new CopyOnWriteArrayList<>();

    @AfterEach
    void tearDown() throws Exception {
        for (AutoCloseable c : closeables) {
            c.close();
        }
    }

    private Server start(ServerConfig config) {
        Server server = new Server(new ServerOptions(2, Transport.detect(), Duration.ofSeconds(5), Duration.ofSeconds(10),
                io.remora.server.DrainStrategy.IMMEDIATE), new StatsRegistry(), List.of(new TcpProxyFactory()));
        closeables.add(0, server);
        server.start(config);
        return server;
    }

    private int echo() {
        TestNet.EchoServer e = new TestNet.EchoServer();
        closeables.add(e);
        return e.port();
    }

    private static Socket connect(Server s) throws Exception {
        Socket sock = new Socket("127.0.0.1", ((InetSocketAddress) s.boundAddress("l")).getPort());
        sock.setSoTimeout(10_000);
        return sock;
    }

    private static void roundTrip(Socket sock) throws Exception {
        sock.getOutputStream().write('x');
        assertEquals('x', sock.getInputStream().read());
    }

    private static ClusterStats stats(Server s, String cluster) {
        return s.clusterManager().get(cluster).stats();
    }

    private static Host host(Server s, String cluster) {
        return s.clusterManager().get(cluster).hosts().get(0);
    }

    @Test
    void sessionIsAStreamOnItsConnectionAndTheUpstreamsLastFinIsARemoteClose() throws Exception {
        Server s = start(serverConfig(List.of(tcpListener("l", "echo")),
                List.of(staticCluster("echo", LbPolicy.ROUND_ROBIN, ep("127.0.0.1", echo())))));
        ClusterStats cs = stats(s, "echo");
        Host h = host(s, "echo");
        try (Socket sock = connect(s)) {
            roundTrip(sock);
            assertEquals(1.0, cs.upstreamRqTotal.count());
            assertEquals(1, cs.upstreamRqActive.get());
            assertEquals(1, h.stats.rqTotal.sum());
            assertEquals(1, h.activeRequests.get());
            assertEquals(1.0, cs.upstreamRqPendingTotal.count());
            assertEquals(0, cs.upstreamRqPendingActive.get());
            // The client's FIN goes on; the echo server answers and sends its own: the last FIN is the upstream's.
            sock.shutdownOutput();
            InputStream in = sock.getInputStream();
            while (in.read() >= 0) {
                // "bye"
            }
        }
        waitFor(() -> cs.upstreamCxDestroy.count() == 1.0);
        assertEquals(1.0, cs.upstreamCxDestroyRemote.count());
        assertEquals(0.0, cs.upstreamCxDestroyLocal.count());
        assertEquals(1.0, cs.upstreamCxDestroyWithActiveRq.count());
        assertEquals(1.0, cs.upstreamCxDestroyRemoteWithActiveRq.count());
        waitFor(() -> cs.upstreamRqActive.get() == 0 && h.activeRequests.get() == 0 && cs.upstreamCxActive.get() == 0);
        assertEquals(1.0, cs.upstreamRqTotal.count());
    }

    @Test
    void idleTimeoutClosesTheUpstreamLocally() throws Exception {
        var cfg = listener("l", 0, List.of(chain("c", FilterChainMatch.ANY,
                tcpProxy(new ClusterSpecifier.Single("echo"), Duration.ofMillis(200), 1))), List.of());
        Server s = start(serverConfig(List.of(cfg),
                List.of(staticCluster("echo", LbPolicy.ROUND_ROBIN, ep("127.0.0.1", echo())))));
        ClusterStats cs = stats(s, "echo");
        try (Socket sock = connect(s)) {
            roundTrip(sock);
            assertEquals(-1, sock.getInputStream().read());
        }
        waitFor(() -> cs.upstreamCxDestroy.count() == 1.0);
        assertEquals(1.0, cs.upstreamCxDestroyLocal.count());
        assertEquals(1.0, cs.upstreamCxDestroyLocalWithActiveRq.count());
        assertEquals(0.0, cs.upstreamCxDestroyRemote.count());
    }

    @Test
    void upstreamResetIsARemoteClose() throws Exception {
        ServerSocket server = new ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress());
        closeables.add(server);
        Thread t = new Thread(() -> {
            try (Socket c = server.accept()) {
                c.getInputStream().read();
                c.setSoLinger(true, 0); // RST
            } catch (Exception ignored) {
                // the test's sockets closed
            }
        }, "reset-upstream");
        t.setDaemon(true);
        t.start();
        Server s = start(serverConfig(List.of(tcpListener("l", "rst")),
                List.of(staticCluster("rst", LbPolicy.ROUND_ROBIN, ep("127.0.0.1", server.getLocalPort())))));
        ClusterStats cs = stats(s, "rst");
        try (Socket sock = connect(s)) {
            sock.getOutputStream().write('x');
            try {
                sock.getInputStream().read();
            } catch (java.net.SocketException reset) {
                // the upstream's reset passed on
            }
        }
        waitFor(() -> cs.upstreamCxDestroy.count() == 1.0);
        assertEquals(1.0, cs.upstreamCxDestroyRemote.count());
        assertEquals(1.0, cs.upstreamCxDestroyRemoteWithActiveRq.count());
        assertEquals(0.0, cs.upstreamCxDestroyLocal.count());
    }

    @Test
    void refusedConnectEjectsThePendingStream() throws Exception {
        int dead = TestNet.closedPort();
        Server s = start(serverConfig(List.of(tcpListener("l", "dead")),
                List.of(staticCluster("dead", LbPolicy.ROUND_ROBIN, ep("127.0.0.1", dead)))));
        ClusterStats cs = stats(s, "dead");
        try (Socket sock = connect(s)) {
            assertEquals(-1, sock.getInputStream().read());
        }
        waitFor(() -> cs.upstreamRqPendingFailureEject.count() == 1.0);
        assertEquals(1.0, cs.upstreamRqPendingTotal.count());
        assertEquals(0, cs.upstreamRqPendingActive.get());
        assertEquals(0.0, cs.upstreamRqTotal.count());
        assertEquals(1.0, cs.upstreamCxDestroyRemote.count());
        assertEquals(0.0, cs.upstreamCxDestroyWithActiveRq.count());
        assertEquals(0, cs.upstreamCxActive.get());
    }

    @Test
    void clientLeavingWhileConnectingCancelsAndClosesTheConnect() throws Exception {
        try (FullBacklog full = FullBacklog.open()) {
            ClusterConfig slow = staticCluster("slow", LbPolicy.ROUND_ROBIN, ep("127.0.0.1", full.port()))
                    .toBuilder().connectTimeout(Duration.ofSeconds(60)).build();
            Server s = start(serverConfig(List.of(tcpListener("l", "slow")), List.of(slow)));
            ClusterStats cs = stats(s, "slow");
            try (Socket sock = connect(s)) {
                waitFor(() -> cs.upstreamRqPendingActive.get() == 1);
                // Envoy counts the connection active from its connect.
                assertEquals(1, cs.upstreamCxActive.get());
                // A reset: a FIN would be a half-close, which Envoy does not see while its reads wait for the upstream.
                sock.setSoLinger(true, 0);
            }
            // Long before the connect timeout, the connect is given up as a local close.
            waitFor(() -> cs.upstreamCxActive.get() == 0);
            assertEquals(1.0, cs.upstreamRqCancelled.count());
            assertEquals(0, cs.upstreamRqPendingActive.get());
            assertEquals(0.0, cs.upstreamRqPendingFailureEject.count());
            assertEquals(1.0, cs.upstreamCxConnectFail.count());
            assertEquals(1.0, cs.upstreamCxDestroyLocal.count());
            assertEquals(0.0, cs.upstreamCxConnectTimeout.count());
            assertEquals(0.0, cs.upstreamRqTotal.count());
        }
    }

    /** max_pending_requests bounds the sessions still connecting, as Envoy's pool bounds its pending streams. */
    @Test
    void maxPendingRequestsBoundsTheSessionsStillConnecting() throws Exception {
        try (FullBacklog full = FullBacklog.open()) {
            ClusterConfig slow = staticCluster("slow", LbPolicy.ROUND_ROBIN, ep("127.0.0.1", full.port()))
                    .toBuilder().connectTimeout(Duration.ofSeconds(60))
                    .circuitBreakers(new ClusterConfig.CircuitBreakers(1024, 1, 1024, 3)).build();
            Server s = start(serverConfig(List.of(tcpListener("l", "slow")), List.of(slow)));
            ClusterStats cs = stats(s, "slow");
            try (Socket first = connect(s)) {
                waitFor(() -> cs.upstreamRqPendingActive.get() == 1);
                try (Socket second = connect(s)) {
                    // No room for a second pending stream: the attempt fails and, the only one, ends the session.
                    assertEquals(-1, second.getInputStream().read());
                }
                assertEquals(1.0, cs.upstreamRqPendingOverflow.count());
                assertEquals(1.0, cs.upstreamCxConnectAttemptsExceeded.count());
                assertEquals(1.0, cs.upstreamCxTotal.count(), "no connection for the second session");
                first.setSoLinger(true, 0);
            }
            waitFor(() -> cs.upstreamRqPendingActive.get() == 0 && cs.upstreamCxActive.get() == 0);
        }
    }
}
