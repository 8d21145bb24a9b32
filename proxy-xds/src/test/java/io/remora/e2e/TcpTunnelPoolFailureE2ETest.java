package io.remora.e2e;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.InputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * tcp_proxy tunnels (tunneling_config) whose cluster's circuit breakers refuse them, over HTTP/1.1
 * to a CONNECT proxy and over HTTP/2 to a Remora that terminates CONNECT, as Envoy's tcp_proxy takes
 * it: max_connections is checked before any pool (establishUpstreamConnection: UO,
 * upstream_cx_overflow, no retry), even where an HTTP/2 tunnel could share the open connection; the
 * pool's Overflow (max_pending_requests) is a local close (onGenericPoolFailure): no UF, no
 * connect failure counted, another attempt, URX once max_connect_attempts is spent.
 */
class TcpTunnelPoolFailureE2ETest {

    static UpgradeE2ETest.TunnelEcho h1Proxy;
    static UpgradeE2ETest.TunnelEcho echo;
    static ProxyProcess server;
    static ProxyProcess client;
    static int pendingH1;
    static int pendingH2;
    static int connectionsH1;
    static int connectionsH2;
    static java.nio.file.Path accessLog;

    @BeforeAll
    static void start() throws Exception {
        h1Proxy = new UpgradeE2ETest.TunnelEcho(true);
        echo = new UpgradeE2ETest.TunnelEcho(false);
        int serverAdmin = ProxyProcess.freePort();
        int serverPort = ProxyProcess.freePort();
        server = TcpTunnelingE2ETest.connectTerminator(serverAdmin, serverPort, echo.port(), """
                - name: terminate
                  domains: ["*"]
                  routes:
                  - match: { connect_matcher: {} }
                    route:
                      cluster: echo
                      upgrade_configs: [{ upgrade_type: CONNECT, connect_config: {} }]
                """);

        int clientAdmin = ProxyProcess.freePort();
        pendingH1 = ProxyProcess.freePort();
        pendingH2 = ProxyProcess.freePort();
        connectionsH1 = ProxyProcess.freePort();
        connectionsH2 = ProxyProcess.freePort();
        accessLog = io.remora.testing.TempPaths.file("remora-tcp-tunnel-pool", ".log");
        String noPending = "  circuit_breakers: { thresholds: [{ max_pending_requests: 0 }] }\n";
        String oneConnection = "  circuit_breakers: { thresholds: [{ max_connections: 1 }] }\n";
        client = ProxyProcess.start("""
                admin:
                  address: { socket_address: { address: 127.0.0.1, port_value: %d } }
                static_resources:
                  listeners:
                %s
                %s
                %s
                %s
                  clusters:
                %s
                %s
                %s
                %s
                """.formatted(clientAdmin,
                tunnelListener("pending_h1", pendingH1, "h1_no_pending"),
                tunnelListener("pending_h2", pendingH2, "h2_no_pending"),
                tunnelListener("connections_h1", connectionsH1, "h1_one_connection"),
                tunnelListener("connections_h2", connectionsH2, "h2_one_connection"),
                Bootstraps.indent(Bootstraps.cluster("h1_no_pending", false, noPending, h1Proxy.port()), 2),
                Bootstraps.indent(Bootstraps.cluster("h2_no_pending", true, noPending, serverPort), 2),
                Bootstraps.indent(Bootstraps.cluster("h1_one_connection", false, oneConnection, h1Proxy.port()), 2),
                Bootstraps.indent(Bootstraps.cluster("h2_one_connection", true, oneConnection, serverPort), 2)),
                clientAdmin);
    }

    /** A tunnelling tcp_proxy with two connect attempts; each session is logged under the listener's name. */
    private static String tunnelListener(String name, int port, String cluster) {
        return TcpTunnelingE2ETest.tunnelListener(name, port, cluster, """
                max_connect_attempts: 2
                tunneling_config: { hostname: "target.test:1" }
                """, accessLog, name + " flags=%RESPONSE_FLAGS% attempts=%UPSTREAM_REQUEST_ATTEMPT_COUNT%"
                + " failure=%UPSTREAM_TRANSPORT_FAILURE_REASON% rx=%BYTES_RECEIVED%"
                + " ready=%UPSTREAM_CONNECTION_POOL_READY_DURATION%");
    }

    @AfterAll
    static void stop() throws Exception {
        for (AutoCloseable c : new AutoCloseable[]{client, server, h1Proxy, echo}) {
            if (c != null) {
                c.close();
            }
        }
    }

    private static double clusterStat(String stat, String cluster) throws Exception {
        return client.metric("envoy_cluster_" + stat + "{envoy_cluster_name=\"" + cluster + "\"}");
    }

    /**
     * What the proxy sends a connection until it closes it. The client writes nothing: bytes the
     * proxy never read would turn its close into a reset.
     */
    private static String refused(int port) throws Exception {
        try (Socket s = new Socket("127.0.0.1", port)) {
            s.setSoTimeout(10_000);
            return new String(s.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
        }
    }

    private static String logged(String listener) throws Exception {
        return LogFiles.line(LogFiles.await(accessLog, l -> l.stream().anyMatch(x -> x.startsWith(listener + " "))),
                listener);
    }

    @Test
    void aPendingOverflowOverHttp11IsALocalCloseRetriedThenUrx() throws Exception {
        assertPendingOverflow(pendingH1, "pending_h1", "h1_no_pending");
    }

    @Test
    void aPendingOverflowOverHttp2IsALocalCloseRetriedThenUrx() throws Exception {
        assertPendingOverflow(pendingH2, "pending_h2", "h2_no_pending");
    }

    private static void assertPendingOverflow(int port, String listener, String cluster) throws Exception {
        assertEquals("", refused(port), "no tunnel: the connection ends");
        String line = logged(listener);
        assertEquals("URX", LogFiles.field(line, "flags"), line);
        assertEquals(2, LogFiles.number(line, "attempts"), line);
        assertEquals("-", LogFiles.field(line, "failure"), line);
        LogFiles.number(line, "ready"); // Envoy's onInitFailure ends the pool callback latency too
        assertEquals(2, clusterStat("upstream_rq_pending_overflow", cluster), () -> client.log());
        assertEquals(1, clusterStat("upstream_cx_connect_attempts_exceeded", cluster));
        assertEquals(0, clusterStat("upstream_cx_connect_fail", cluster), "no connection failed");
        assertEquals(0, clusterStat("upstream_cx_total", cluster), "no connection was opened");
    }

    @Test
    void maxConnectionsRefusesASecondHttp11TunnelWithUo() throws Exception {
        assertConnectionOverflow(connectionsH1, "connections_h1", "h1_one_connection");
    }

    @Test
    void maxConnectionsRefusesASecondHttp2TunnelThoughItCouldShareTheConnection() throws Exception {
        assertConnectionOverflow(connectionsH2, "connections_h2", "h2_one_connection");
    }

    private static void assertConnectionOverflow(int port, String listener, String cluster) throws Exception {
        try (Socket first = new Socket("127.0.0.1", port)) {
            first.setSoTimeout(10_000);
            first.getOutputStream().write("ping".getBytes(StandardCharsets.US_ASCII));
            InputStream in = first.getInputStream();
            assertEquals("ping", new String(in.readNBytes(4), StandardCharsets.US_ASCII),
                    () -> "the first tunnel is up: " + client.log());
            assertEquals(1, clusterStat("upstream_cx_total", cluster), "the pool's one connection");
            assertEquals("", refused(port), "the second has no tunnel");
            String line = logged(listener);
            assertEquals("UO", LogFiles.field(line, "flags"), line);
            assertEquals(0, LogFiles.number(line, "rx"), line);
            LogFiles.number(line, "ready");
            assertEquals(1, clusterStat("upstream_cx_overflow", cluster));
            assertEquals(1, clusterStat("upstream_cx_total", cluster), "a refused tunnel opens no connection");
        }
        // The first session, logged at its end: its pool callback latency ran to the tunnel's 200.
        String first = LogFiles.await(accessLog, l -> l.stream().filter(x -> x.startsWith(listener + " ")).count() == 2)
                .stream().filter(x -> x.startsWith(listener + " ")).reduce((a, b) -> b).orElseThrow();
        assertEquals("-", LogFiles.field(first, "flags"), first);
        LogFiles.number(first, "ready");
    }
}
