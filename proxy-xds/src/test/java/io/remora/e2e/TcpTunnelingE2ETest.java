package io.remora.e2e;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * tcp_proxy's tunneling_config end to end, in the shape of Istio's connect_originate (HBONE): a
 * client proxy carries TCP connections in HTTP CONNECT streams, over HTTP/1.1 to a real CONNECT
 * proxy, and over HTTP/2 to a second Remora whose connect_config route terminates them to a TCP
 * echo. Half-closes cross the tunnel both ways; a refused tunnel fails the connection.
 */
class TcpTunnelingE2ETest {

    static UpgradeE2ETest.TunnelEcho h1Proxy;
    static UpgradeE2ETest.TunnelEcho echo;
    static ProxyProcess server;
    static ProxyProcess client;
    static int viaH1;
    static int viaH2;
    static int refused;
    static int ended;
    static int postH1;
    static int postH2;
    static java.nio.file.Path accessLog;

    @BeforeAll
    static void start() throws Exception {
        h1Proxy = new UpgradeE2ETest.TunnelEcho(true);
        echo = new UpgradeE2ETest.TunnelEcho(false);
        int serverAdmin = ProxyProcess.freePort();
        int serverPort = ProxyProcess.freePort();
        server = connectTerminator(serverAdmin, serverPort, echo.port(), """
                - name: refused
                  domains: ["refused.test:1"]
                  routes:
                  - match: { connect_matcher: {} }
                    direct_response: { status: 403 }
                - name: ended
                  domains: ["ended.test:1"]
                  routes:
                  - match: { connect_matcher: {} }
                    direct_response: { status: 200 }
                - name: terminate
                  domains: ["*"]
                  routes:
                  - match: { prefix: "/tunnel/", headers: [{ name: ":method", exact_match: POST }] }
                    route:
                      cluster: echo
                      upgrade_configs: [{ upgrade_type: CONNECT, connect_config: { allow_post: true } }]
                  - match: { connect_matcher: {}, headers: [{ name: x-tunnel, exact_match: "from 127.0.0.1" }] }
                    route:
                      cluster: echo
                      upgrade_configs: [{ upgrade_type: CONNECT, connect_config: {} }]
                """);

        int clientAdmin = ProxyProcess.freePort();
        viaH1 = ProxyProcess.freePort();
        viaH2 = ProxyProcess.freePort();
        refused = ProxyProcess.freePort();
        ended = ProxyProcess.freePort();
        postH1 = ProxyProcess.freePort();
        postH2 = ProxyProcess.freePort();
        accessLog = io.remora.testing.TempPaths.file("remora-tcp-tunneling", ".log");
        client = ProxyProcess.start("""
                admin:
                  address: { socket_address: { address: 127.0.0.1, port_value: %1$d } }
                static_resources:
                  listeners:
                %2$s
                %3$s
                %4$s
                %7$s
                %8$s
                %9$s
                  clusters:
                %5$s
                %6$s
                """.formatted(clientAdmin,
                tunnelListener("via_h1", viaH1, "h1_proxy", "%DOWNSTREAM_LOCAL_ADDRESS%"),
                tunnelListener("via_h2", viaH2, "hbone", "%DOWNSTREAM_LOCAL_ADDRESS%"),
                tunnelListener("refused", refused, "hbone", "refused.test:1"),
                Bootstraps.indent(Bootstraps.cluster("h1_proxy", false, null, h1Proxy.port()), 2),
                Bootstraps.indent(Bootstraps.cluster("hbone", true, null, serverPort), 2),
                tunnelListener("ended", ended, "hbone", "ended.test:1"),
                tunnelListener("post_h1", postH1, "h1_proxy", "post.test:1", "/tunnel/h1"),
                tunnelListener("post_h2", postH2, "hbone", "post.test:1", "/tunnel/h2")), clientAdmin);
    }

    /**
     * A proxy terminating HTTP/2 CONNECT on {@code port}: these virtual hosts (YAML list items,
     * unindented) route to cluster "echo" on {@code echoPort}.
     */
    static ProxyProcess connectTerminator(int admin, int port, int echoPort, String virtualHosts) throws Exception {
        return ProxyProcess.start("""
                admin:
                  address: { socket_address: { address: 127.0.0.1, port_value: %d } }
                static_resources:
                  listeners:
                  - name: connect_terminate
                    address: { socket_address: { address: 127.0.0.1, port_value: %d } }
                    filter_chains:
                    - filters:
                      - name: envoy.filters.network.http_connection_manager
                        typed_config:
                          "@type": type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager
                          stat_prefix: connect_terminate
                          codec_type: HTTP2
                          upgrade_configs: [{ upgrade_type: CONNECT }]
                          http2_protocol_options: { allow_connect: true }
                          route_config:
                            virtual_hosts:
                %s
                          http_filters:
                          - name: envoy.filters.http.router
                            typed_config: { "@type": type.googleapis.com/envoy.extensions.filters.http.router.v3.Router }
                  clusters:
                %s
                """.formatted(admin, port, Bootstraps.indent(virtualHosts, 12),
                Bootstraps.indent(Bootstraps.cluster("echo", false, null, echoPort), 2)), admin);
    }

    private static String tunnelListener(String name, int port, String cluster, String hostname) {
        return tunnelListener(name, port, cluster, hostname, null);
    }

    /** With a post path, the tunnel is a POST to it (use_post); every session is logged under the listener's name. */
    private static String tunnelListener(String name, int port, String cluster, String hostname, String postPath) {
        String post = postPath == null ? "" : "\n  use_post: true\n  post_path: " + postPath;
        return tunnelListener(name, port, cluster, """
                tunneling_config:
                  hostname: "%s"
                  headers_to_add:
                  - header: { key: x-tunnel, value: "from %%DOWNSTREAM_REMOTE_ADDRESS_WITHOUT_PORT%%" }%s
                """.formatted(hostname, post), accessLog, name + " type=%ACCESS_LOG_TYPE% host=%UPSTREAM_HOST%"
                + " flags=%RESPONSE_FLAGS% rx=%BYTES_RECEIVED% tx=%BYTES_SENT% local=%UPSTREAM_LOCAL_ADDRESS%"
                + " cx=%UPSTREAM_CONNECTION_ID% failure=%UPSTREAM_TRANSPORT_FAILURE_REASON% cluster=%UPSTREAM_CLUSTER%");
    }

    /**
     * A tcp_proxy listener item (indented for a bootstrap's listener list) on 127.0.0.1:{@code port} to
     * {@code cluster}, with {@code proxyFields} (YAML, unindented) and one access log line of {@code format}.
     */
    static String tunnelListener(String name, int port, String cluster, String proxyFields, java.nio.file.Path log,
                                 String format) {
        String yaml = Bootstraps.tcpListener(name, "", "", cluster,
                proxyFields.stripTrailing() + "\n" + Bootstraps.fileAccessLog(log, format));
        return Bootstraps.indent(ProxyProcess.render(yaml, java.util.Map.of(name, port)), 2);
    }

    @AfterAll
    static void stop() throws Exception {
        for (AutoCloseable c : new AutoCloseable[]{client, server, h1Proxy, echo}) {
            if (c != null) {
                c.close();
            }
        }
    }

    /** Sends, half-closes, and reads what comes back until the far side's FIN. */
    static String roundTrip(int port, String payload) throws Exception {
        try (Socket s = new Socket("127.0.0.1", port)) {
            s.setSoTimeout(10_000);
            OutputStream out = s.getOutputStream();
            out.write(payload.getBytes(StandardCharsets.US_ASCII));
            out.flush();
            s.shutdownOutput();
            return new String(s.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
        }
    }

    /**
     * What a connection whose tunnel never opens hears: nothing. The proxy read none of the payload
     * (reads wait for the upstream), so its close of the connection is a FIN or, once the payload
     * has reached its socket, the kernel's RST (Envoy's close is the same); both mean no tunnel.
     */
    static String noTunnel(int port, String payload) throws Exception {
        try {
            return roundTrip(port, payload);
        } catch (java.net.SocketException reset) {
            assertTrue(String.valueOf(reset.getMessage()).contains("reset"), () -> reset.toString());
            return "";
        }
    }

    @Test
    void overHttp11TheBytesGoInsideAConnectToTheFormattedHostname() throws Exception {
        assertEquals("over http/1.1bye", roundTrip(viaH1, "over http/1.1"), () -> client.log());
        String head = h1Proxy.connectHeads.poll(5, TimeUnit.SECONDS);
        assertNotNull(head, "the CONNECT proxy saw no request");
        assertTrue(head.startsWith("CONNECT 127.0.0.1:" + viaH1 + " HTTP/1.1\r\n"), head);
        assertTrue(head.toLowerCase().contains("\r\nx-tunnel: from 127.0.0.1\r\n"), head);
    }

    @Test
    void overHttp2ARemoraConnectRouteTerminatesTheTunnel() throws Exception {
        byte[] big = new byte[300_000];
        java.util.Arrays.fill(big, (byte) 'x');
        String payload = new String(big, StandardCharsets.US_ASCII);
        assertEquals(payload + "bye", roundTrip(viaH2, payload), "every byte both ways, and each side's FIN");
        assertTrue(server.metric("envoy_cluster_upstream_cx_total{envoy_cluster_name=\"echo\"}") >= 1);
        assertTrue(client.metric("envoy_cluster_upstream_cx_total{envoy_cluster_name=\"hbone\"}") >= 1);
    }

    @Test
    void aTunnelTheServerRefusesEndsTheConnection() throws Exception {
        double failures = client.metric("envoy_cluster_upstream_cx_connect_fail{envoy_cluster_name=\"hbone\"}");
        assertEquals("", noTunnel(refused, "nobody hears this"), "the server answers 403: no tunnel");
        // The pool's connection is up: Envoy's HttpConnPool::Callbacks::onFailure counts no connect failure.
        assertEquals(failures,
                client.metric("envoy_cluster_upstream_cx_connect_fail{envoy_cluster_name=\"hbone\"}"),
                () -> client.log() + server.log());
        // Envoy's tcp_proxy: the refusal is a remote connect failure (UF) on the one attempt allowed (URX),
        // whose pool failure carries no transport reason; HttpConnPool::onPoolReady set the upstream
        // connection id, onGenericPoolReady (never reached) would have set the local address.
        String line = LogFiles.line(LogFiles.await(accessLog, l -> l.stream().anyMatch(x -> x.startsWith("refused "))), "refused");
        assertEquals("UF,URX", LogFiles.field(line, "flags"), line);
        assertEquals("127.0.0.1:" + serverPortOf(), LogFiles.field(line, "host"), line);
        assertEquals("-", LogFiles.field(line, "failure"), line);
        assertEquals("0", LogFiles.field(line, "tx"), line);
        // The tunnel's stream had its connection: its id is logged, its local address is not.
        LogFiles.number(line, "cx");
        assertEquals("-", LogFiles.field(line, "local"), line);
    }

    /** A 200 that ends its stream opens no tunnel: Envoy's HttpUpstream fails the connect on end_stream too. */
    @Test
    void aTunnelAnsweredWithItsEndIsAFailedConnect() throws Exception {
        double failures = client.metric("envoy_cluster_upstream_cx_connect_fail{envoy_cluster_name=\"hbone\"}");
        assertEquals("", noTunnel(ended, "nobody hears this"), "the server's 200 ends the stream: no tunnel");
        String line = LogFiles.line(LogFiles.await(accessLog, l -> l.stream().anyMatch(x -> x.startsWith("ended "))), "ended");
        assertEquals("UF,URX", LogFiles.field(line, "flags"), line);
        assertEquals(failures,
                client.metric("envoy_cluster_upstream_cx_connect_fail{envoy_cluster_name=\"hbone\"}"),
                () -> client.log() + server.log());
    }

    /**
     * Envoy's HTTP pools count a tunnel's stream as they bind it to a connection (upstream_rq_total,
     * the host's rq_total) and, no router being there, no host result (rq_success, rq_error).
     */
    @Test
    void aTunnelCountsAsAPoolStreamWithNoHostResult() throws Exception {
        assertEquals("counted" + "bye", roundTrip(viaH1, "counted"), () -> client.log());
        assertTrue(client.metric("envoy_cluster_upstream_rq_total{envoy_cluster_name=\"h1_proxy\"}") >= 1);
        String clusters = client.admin("/clusters");
        String prefix = "h1_proxy::127.0.0.1:" + h1Proxy.port() + "::";
        assertTrue(clusters.contains(prefix + "rq_success::0\n"), clusters);
        assertTrue(clusters.contains(prefix + "rq_error::0\n"), clusters);
    }

    /**
     * use_post over HTTP/1.1: the tunnel is a POST to post_path whose body is the raw bytes (Envoy's
     * HttpUpstream turns the HTTP/1 encoder to tunneling: no chunking, no content-length), and the
     * session's log names the host, its bytes and the tunnel connection (tcp_tunneling_integration_test).
     */
    @Test
    void overHttp11UsePostSendsTheBytesAsAPostsBody() throws Exception {
        assertEquals("posted" + "bye", roundTrip(postH1, "posted"), () -> client.log());
        String head;
        do { // other tests' CONNECT heads may be queued before it
            head = h1Proxy.connectHeads.poll(5, TimeUnit.SECONDS);
            assertNotNull(head, "the proxy saw no POST");
        } while (!head.startsWith("POST "));
        assertTrue(head.startsWith("POST /tunnel/h1 HTTP/1.1\r\n"), head);
        String lower = head.toLowerCase(java.util.Locale.ROOT);
        assertTrue(lower.contains("\r\nhost: post.test:1\r\n"), head);
        assertFalse(lower.contains("transfer-encoding") || lower.contains("content-length"), head);
        String line = LogFiles.line(LogFiles.await(accessLog, l -> l.stream().anyMatch(x -> x.startsWith("post_h1 "))), "post_h1");
        assertSession(line, h1Proxy.port(), "h1_proxy", 6, 9);
    }

    /** use_post over HTTP/2 to a Remora whose connect_config allows POST: the route terminates it to the echo. */
    @Test
    void overHttp2UsePostIsTerminatedByAnAllowPostRoute() throws Exception {
        assertEquals("posted over h2" + "bye", roundTrip(postH2, "posted over h2"), () -> client.log() + server.log());
        String line = LogFiles.line(LogFiles.await(accessLog, l -> l.stream().anyMatch(x -> x.startsWith("post_h2 "))), "post_h2");
        assertSession(line, serverPortOf(), "hbone", 14, 17);
    }

    private static int serverPortOf() throws Exception {
        String clusters = client.admin("/clusters");
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("hbone::127\\.0\\.0\\.1:(\\d+)::").matcher(clusters);
        assertTrue(m.find(), clusters);
        return Integer.parseInt(m.group(1));
    }

    /** A tunnelled session's log, as Envoy's tcp_proxy writes it at the connection's end. */
    private static void assertSession(String line, int hostPort, String cluster, long rx, long tx) {
        assertEquals("TcpConnectionEnd", LogFiles.field(line, "type"), line);
        assertEquals("127.0.0.1:" + hostPort, LogFiles.field(line, "host"), line);
        assertEquals("-", LogFiles.field(line, "flags"), line);
        assertEquals(rx, LogFiles.number(line, "rx"), line);
        assertEquals(tx, LogFiles.number(line, "tx"), line);
        assertTrue(LogFiles.field(line, "local").matches("127\\.0\\.0\\.1:\\d+"), line);
        LogFiles.number(line, "cx");
        assertEquals("-", LogFiles.field(line, "failure"), line);
        assertEquals(cluster, LogFiles.field(line, "cluster"), line);
    }
}
