package io.remora.e2e;

import io.remora.testing.FullBacklog;
import io.remora.testing.TempPaths;
import org.junit.jupiter.api.Test;

import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A failed upstream connect in Envoy's words: the router's 503 body and details and the access
 * log's %UPSTREAM_TRANSPORT_FAILURE_REASON% carry the connection's failure reason ("delayed
 * connect error: Connection refused", strerror's text, not the socket library's message; the log
 * operator writes it with '_' for ' ', as Envoy's formatter), and a
 * connect_timeout is the reset reason "connection timeout" with no transport failure reason
 * (Envoy's pool reports PoolFailureReason::Timeout, the router StreamResetReason::ConnectionTimeout).
 */
class ConnectFailureE2ETest {
    private static final String FORMAT =
            "%REQ(:PATH)% %RESPONSE_FLAGS% %RESPONSE_CODE_DETAILS% [%UPSTREAM_TRANSPORT_FAILURE_REASON%]";

    @Test
    void refusedAndTimedOutConnectsAreReportedAsEnvoyReportsThem() throws Exception {
        int admin = ProxyProcess.freePort();
        int port = ProxyProcess.freePort();
        int refused = ProxyProcess.freePort();
        Path log = TempPaths.file("access", ".log");
        String routes = """
                - match: { prefix: /refused }
                  route: { cluster: refused }
                - match: { prefix: /timeout }
                  route: { cluster: blackhole }
                """;
        // A listener whose accept queue is full: the kernel drops further SYNs, so a connect to it
        // neither succeeds nor fails until the cluster's connect_timeout.
        try (FullBacklog full = FullBacklog.open()) {
            String clusters = Bootstraps.cluster("refused", false, null, refused) + """
                    - name: blackhole
                      type: STATIC
                      connect_timeout: 0.3s
                      load_assignment:
                        cluster_name: blackhole
                        endpoints:
                        - lb_endpoints:
                          - endpoint: { address: { socket_address: { address: 127.0.0.1, port_value: %d } } }
                    """.formatted(full.port());
            String yaml = Bootstraps.logFormat(Bootstraps.http(admin, port, log.toString(), routes, clusters), log, FORMAT);
            try (ProxyProcess proxy = ProxyProcess.start(yaml, admin, List.of())) {
                Curl r = Curl.get(port, "/refused");
                assertEquals(503, r.status());
                // Envoy 1.39 keeps the transport failure out of the body; the log has it.
                assertEquals("upstream connect error or disconnect/reset before headers. reset reason: remote connection"
                        + " failure", r.text());
                assertEquals("/refused UF upstream_reset_before_response_started{remote_connection_failure|delayed_connect"
                        + "_error:_Connection_refused} [delayed_connect_error:_Connection_refused]",
                        HttpProxyE2ETest.awaitLogLine(log, "/refused"));

                Curl t = Curl.get(port, "/timeout");
                assertEquals(503, t.status());
                assertEquals("upstream connect error or disconnect/reset before headers. reset reason: connection timeout",
                        t.text());
                assertEquals("/timeout UF upstream_reset_before_response_started{connection_timeout} [-]",
                        HttpProxyE2ETest.awaitLogLine(log, "/timeout"));
                String stats = proxy.admin("/stats");
                assertTrue(stats.contains("cluster.blackhole.upstream_cx_connect_timeout: 1\n"), stats);
                assertTrue(stats.contains("cluster.refused.upstream_cx_connect_fail: 1\n"), stats);
                // conn_pool_base.cc's onConnectionEvent: a client closed while CONNECTING is destroyed like any
                // other, RemoteClose for a refusal, LocalClose for its connect timer; never with a request on it
                assertTrue(stats.contains("cluster.refused.upstream_cx_destroy: 1\n"), stats);
                assertTrue(stats.contains("cluster.refused.upstream_cx_destroy_remote: 1\n"), stats);
                assertTrue(stats.contains("cluster.refused.upstream_cx_destroy_local: 0\n"), stats);
                assertTrue(stats.contains("cluster.refused.upstream_cx_destroy_with_active_rq: 0\n"), stats);
                assertTrue(stats.contains("cluster.blackhole.upstream_cx_destroy: 1\n"), stats);
                assertTrue(stats.contains("cluster.blackhole.upstream_cx_destroy_local: 1\n"), stats);
                assertTrue(stats.contains("cluster.blackhole.upstream_cx_destroy_remote: 0\n"), stats);
                assertTrue(stats.contains("cluster.blackhole.upstream_cx_length_ms: P0("), stats);
            }
        }
    }

    /**
     * Istio's default retry (connect-failure) run out against a refused port: Envoy's router marks
     * the retry limit (URX) when it turns the last reset away, then the abort's UF, and prints its
     * flags in the order set: "URX,UF", as today's Istio logs read.
     */
    @Test
    void exhaustedConnectRetriesLogUrxThenUf() throws Exception {
        int admin = ProxyProcess.freePort();
        int port = ProxyProcess.freePort();
        int refused = ProxyProcess.freePort();
        Path log = TempPaths.file("access", ".log");
        String routes = """
                - match: { prefix: /retried }
                  route: { cluster: refused, retry_policy: { retry_on: connect-failure, num_retries: 1 } }
                """;
        String yaml = Bootstraps.logFormat(Bootstraps.http(admin, port, log.toString(), routes,
                Bootstraps.cluster("refused", false, null, refused)), log, FORMAT);
        try (ProxyProcess proxy = ProxyProcess.start(yaml, admin, List.of())) {
            assertEquals(503, Curl.get(port, "/retried").status());
            assertEquals("/retried URX,UF upstream_reset_before_response_started{remote_connection_failure|delayed"
                    + "_connect_error:_Connection_refused} [delayed_connect_error:_Connection_refused]",
                    HttpProxyE2ETest.awaitLogLine(log, "/retried"));
        }
    }

    /**
     * A TLS upstream that accepts the connection and never answers its ClientHello: Envoy's
     * connect_timeout runs until the handshake ends (the connection is Connected only then), so
     * the request fails as a connect timeout after 0.3 s, not after a TLS library's own bound.
     */
    @Test
    void aTlsHandshakeThatNeverEndsIsAConnectTimeout() throws Exception {
        int admin = ProxyProcess.freePort();
        int port = ProxyProcess.freePort();
        Path log = TempPaths.file("access", ".log");
        String routes = """
                - match: { prefix: / }
                  route: { cluster: silent_tls }
                """;
        try (ServerSocket silent = new ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress())) {
            String clusters = """
                    - name: silent_tls
                      type: STATIC
                      connect_timeout: 0.3s
                      transport_socket:
                        name: envoy.transport_sockets.tls
                        typed_config: { "@type": type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext }
                      load_assignment:
                        cluster_name: silent_tls
                        endpoints:
                        - lb_endpoints:
                          - endpoint: { address: { socket_address: { address: 127.0.0.1, port_value: %d } } }
                    """.formatted(silent.getLocalPort());
            String yaml = Bootstraps.logFormat(Bootstraps.http(admin, port, log.toString(), routes, clusters), log, FORMAT);
            try (ProxyProcess proxy = ProxyProcess.start(yaml, admin, List.of())) {
                long start = System.nanoTime();
                Curl r = Curl.get(port, "/tls");
                long tookMs = (System.nanoTime() - start) / 1_000_000;
                assertEquals(503, r.status());
                assertEquals("upstream connect error or disconnect/reset before headers. reset reason: connection timeout",
                        r.text());
                assertTrue(tookMs < 5_000, "answered after " + tookMs + " ms");
                assertEquals("/tls UF upstream_reset_before_response_started{connection_timeout} [-]",
                        HttpProxyE2ETest.awaitLogLine(log, "/tls"));
                String stats = proxy.admin("/stats");
                assertTrue(stats.contains("cluster.silent_tls.upstream_cx_connect_timeout: 1\n"), stats);
            }
        }
    }

    @Test
    void tcpProxyLogsTheConnectionsFailureReason() throws Exception {
        int admin = ProxyProcess.freePort();
        int refused = ProxyProcess.freePort();
        Path log = TempPaths.file("tcp-access", ".log");
        Map<String, Integer> ports = Map.of("tcp", ProxyProcess.freePort());
        String proxyFields = """
                access_log:
                - name: envoy.access_loggers.file
                  typed_config:
                    "@type": type.googleapis.com/envoy.extensions.access_loggers.file.v3.FileAccessLog
                    path: %s
                    log_format: { text_format_source: { inline_string: "tcp %%RESPONSE_FLAGS%% [%%UPSTREAM_TRANSPORT_FAILURE_REASON%%]\\n" } }
                """.formatted(log);
        String yaml = Bootstraps.listeners(admin, Bootstraps.tcpListener("tcp", "refused", proxyFields),
                Bootstraps.cluster("refused", false, null, refused), ports);
        try (ProxyProcess proxy = ProxyProcess.start(yaml, admin, List.of());
             Socket s = new Socket("127.0.0.1", ports.get("tcp"))) {
            s.setSoTimeout(10_000);
            assertEquals(-1, s.getInputStream().read(), "closed after the connect failed");
            assertEquals("tcp UF,URX [delayed_connect_error:_Connection_refused]",
                    HttpProxyE2ETest.awaitLogLine(log, "tcp "));
            // tcp_proxy's connections are the tcp pool's, counted as conn_pool_base.cc counts them
            assertEquals(1, proxy.metric("envoy_cluster_upstream_cx_destroy{envoy_cluster_name=\"refused\"}"));
            assertEquals(1, proxy.metric("envoy_cluster_upstream_cx_destroy_remote{envoy_cluster_name=\"refused\"}"));
            String hosts = proxy.admin("/clusters");
            assertTrue(hosts.contains("refused::127.0.0.1:" + refused + "::cx_total::1\n"), hosts);
            assertTrue(hosts.contains("refused::127.0.0.1:" + refused + "::cx_connect_fail::1\n"), hosts);
        }
    }

    /**
     * A source address the host does not have fails the bind: Envoy's connection raises a local
     * close, which its tcp_proxy takes as a local failure (onGenericPoolFailure's
     * LocalConnectionFailure): no UF, another attempt, URX when none is left; the connect failures
     * are counted as the pool counts them, each bind failure in the cluster's bind_errors, and its
     * failure reason is ClientConnectionImpl's "failed to bind to <source>: <strerror>".
     */
    @Test
    void tcpProxyTakesABindFailureAsALocalClose() throws Exception {
        int admin = ProxyProcess.freePort();
        Path log = TempPaths.file("tcp-bind", ".log");
        Map<String, Integer> ports = Map.of("tcp", ProxyProcess.freePort());
        String proxyFields = "max_connect_attempts: 2\n" + Bootstraps.fileAccessLog(log,
                "tcp %RESPONSE_FLAGS% %UPSTREAM_REQUEST_ATTEMPT_COUNT% ready=%UPSTREAM_CONNECTION_POOL_READY_DURATION%"
                        + " [%UPSTREAM_TRANSPORT_FAILURE_REASON%]");
        String bind = "  upstream_bind_config: { source_address: { address: 192.0.2.1, port_value: 0 } }\n";
        String yaml = Bootstraps.listeners(admin, Bootstraps.tcpListener("tcp", "unbindable", proxyFields),
                Bootstraps.cluster("unbindable", false, bind, ProxyProcess.freePort()), ports);
        try (ProxyProcess proxy = ProxyProcess.start(yaml, admin, List.of());
             Socket s = new Socket("127.0.0.1", ports.get("tcp"))) {
            s.setSoTimeout(10_000);
            assertEquals(-1, s.getInputStream().read(), "closed after the connects failed");
            // As Envoy's onInitFailure, the pool callback latency ends with the last failure.
            String line = HttpProxyE2ETest.awaitLogLine(log, "tcp ");
            assertTrue(line.matches("tcp URX 2 ready=\\d+ \\[failed_to_bind_to_192\\.0\\.2\\.1:0:_Cannot_assign_requested_address]"),
                    line);
            assertEquals(2, proxy.metric("envoy_cluster_upstream_cx_connect_fail{envoy_cluster_name=\"unbindable\"}"));
            assertEquals(2, proxy.metric("envoy_cluster_bind_errors{envoy_cluster_name=\"unbindable\"}"));
        }
    }

    /**
     * Envoy's onGenericPoolFailure sets the transport failure reason at each failure and nothing
     * clears it: a session whose first host refused it and whose retry connected logs UF and the
     * refusal's reason beside its bytes. Round robin over a refusing and a listening host makes
     * every session after a worker's first start at the refusing one.
     */
    @Test
    void tcpProxyKeepsAFailuresReasonThoughTheRetryConnects() throws Exception {
        int admin = ProxyProcess.freePort();
        Path log = TempPaths.file("tcp-retried", ".log");
        Map<String, Integer> ports = Map.of("tcp", ProxyProcess.freePort());
        String proxyFields = "max_connect_attempts: 2\n" + Bootstraps.fileAccessLog(log,
                "tcp %RESPONSE_FLAGS% %BYTES_SENT% [%UPSTREAM_TRANSPORT_FAILURE_REASON%]");
        try (UpgradeE2ETest.TunnelEcho echo = new UpgradeE2ETest.TunnelEcho(false)) {
            String yaml = Bootstraps.listeners(admin, Bootstraps.tcpListener("tcp", "half", proxyFields),
                    Bootstraps.cluster("half", false, null, ProxyProcess.freePort(), echo.port()), ports);
            int sessions = 8;
            try (ProxyProcess proxy = ProxyProcess.start(yaml, admin, List.of())) {
                for (int i = 0; i < sessions; i++) {
                    try (Socket s = new Socket("127.0.0.1", ports.get("tcp"))) {
                        s.setSoTimeout(10_000);
                        s.shutdownOutput();
                        assertEquals("bye", new String(s.getInputStream().readAllBytes(),
                                java.nio.charset.StandardCharsets.US_ASCII), () -> proxy.log());
                    }
                }
                List<String> lines = LogFiles.await(log, sessions);
                assertTrue(lines.stream().anyMatch(l -> l.equals("tcp UF 3 [delayed_connect_error:_Connection_refused]")),
                        lines.toString());
                assertTrue(lines.stream().allMatch(l -> l.equals("tcp - 3 [-]")
                        || l.equals("tcp UF 3 [delayed_connect_error:_Connection_refused]")), lines.toString());
            }
        }
    }
}
