package io.remora.e2e;

import io.remora.testing.TempPaths;
import io.remora.testing.TestCerts;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The http_11_proxy transport socket around TLS, through real sockets: a host whose endpoint (or
 * locality) metadata names a proxy is reached with {@code CONNECT <ip:port> HTTP/1.1} to that
 * proxy (a second Remora listener terminating CONNECT, whose access log shows the request line it
 * parsed), then TLS with the real host's SNI through the tunnel; a host without the metadata is
 * reached directly; a proxy answering 403 fails the connect (503 to the client).
 */
class Http11ProxySocketE2ETest {

    @RegisterExtension
    static final E2EStack stack = new E2EStack();
    static final Map<String, Integer> PORTS = new HashMap<>();
    static TestUpstream backend;
    static ProxyProcess proxy;
    static Path connectLog;

    static final String SOCKET = """
              transport_socket:
                name: envoy.transport_sockets.http_11_proxy
                typed_config:
                  "@type": type.googleapis.com/envoy.extensions.transport_sockets.http_11_proxy.v3.Http11ProxyUpstreamTransport
                  transport_socket:
                    name: envoy.transport_sockets.tls
                    typed_config:
                      "@type": type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext
                      sni: backend.example
            """;

    /** Typed metadata naming the proxy on listener {@code proxyListener}. */
    static String proxyAt(String proxyListener) {
        return "{ typed_filter_metadata: { envoy.http11_proxy_transport_socket.proxy_address: { \"@type\":"
                + " type.googleapis.com/envoy.config.core.v3.Address, socket_address: { address: 127.0.0.1,"
                + " port_value: ${" + proxyListener + "} } } } }";
    }

    /**
     * A listener terminating CONNECT to cluster {@code tunnel} and logging each CONNECT's request
     * line as the tunnel comes up, or answering it {@code deny} when not null.
     */
    static String connectListener(String name, String deny) {
        String route = deny == null
                ? "route: { cluster: tunnel, upgrade_configs: [ { upgrade_type: CONNECT, connect_config: {} } ] }"
                : "direct_response: { status: " + deny + " }";
        String hcm = "upgrade_configs: [ { upgrade_type: CONNECT } ]\n" + (deny != null ? "" : """
                access_log_options: { flush_log_on_tunnel_successfully_established: true }
                access_log:
                - name: envoy.access_loggers.file
                  typed_config:
                    "@type": type.googleapis.com/envoy.extensions.access_loggers.file.v3.FileAccessLog
                    path: LOG
                    log_format: { text_format_source: { inline_string: "%REQ(:METHOD)% %REQ(:AUTHORITY)% %PROTOCOL%\\n" } }
                """.replace("LOG", connectLog.toString()));
        return Bootstraps.httpListener(name, "", hcm, "- match: { connect_matcher: {} }\n  " + route);
    }

    @BeforeAll
    static void start() throws Exception {
        Path dir = TempPaths.directory("http11-proxy");
        backend = stack.own(TestUpstream.startTlsEchoingSni(
                TestCerts.ca("h11-ca").issue("backend", "backend.example")));
        connectLog = Files.createFile(dir.resolve("connect.log"));
        for (String l : List.of("front", "tcp", "connect", "deny")) {
            PORTS.put(l, ProxyProcess.freePort());
        }
        String listeners = String.join("\n",
                Bootstraps.httpListener("front", "", "", """
                        - match: { prefix: /via-locality }
                          route: { cluster: vialocality }
                        - match: { prefix: /via }
                          route: { cluster: via }
                        - match: { prefix: /direct }
                          route: { cluster: direct }
                        - match: { prefix: /denied }
                          route: { cluster: denied }
                        """),
                Bootstraps.tcpListener("tcp", "tcpvia"), connectListener("connect", null), connectListener("deny", "403"));
        int port = backend.port();
        String locality = "    - metadata: " + proxyAt("connect") + "\n      lb_endpoints:";
        String clusters = String.join("\n",
                Bootstraps.cluster("via", SOCKET, port, proxyAt("connect")),
                Bootstraps.cluster("vialocality", false, SOCKET, port).replace("    - lb_endpoints:", locality),
                Bootstraps.cluster("direct", false, SOCKET, port),
                Bootstraps.cluster("tcpvia", SOCKET, port, proxyAt("connect")),
                Bootstraps.cluster("denied", SOCKET, port, proxyAt("deny")),
                Bootstraps.cluster("tunnel", false, null, port));
        proxy = stack.start(Bootstraps.listeners(stack.adminPort, listeners, clusters, PORTS));
    }

    static List<String> connects() throws Exception {
        return Files.readAllLines(connectLog).stream().filter(l -> l.startsWith("CONNECT")).toList();
    }

    @Test
    void endpointMetadataSendsConnectToTheProxyThenTlsWithTheHostsSni() throws Exception {
        int before = connects().size();
        Curl r = Curl.get(PORTS.get("front"), "/via");
        assertEquals(200, r.status(), r.text());
        assertEquals("sni=backend.example", r.text(), "TLS through the tunnel, with the host's SNI");
        List<String> seen = awaitConnects(before + 1);
        assertEquals("CONNECT 127.0.0.1:" + backend.port() + " HTTP/1.1", seen.get(before),
                "the proxy was asked for the endpoint's own address");
    }

    @Test
    void localityMetadataNamesTheProxyToo() throws Exception {
        int before = connects().size();
        Curl r = Curl.get(PORTS.get("front"), "/via-locality");
        assertEquals(200, r.status(), r.text());
        assertEquals("sni=backend.example", r.text());
        assertEquals("CONNECT 127.0.0.1:" + backend.port() + " HTTP/1.1", awaitConnects(before + 1).get(before));
    }

    /** tcp_proxy's upstream reads only on demand: the proxy's answer is read all the same. */
    @Test
    void tcpProxyGoesThroughTheTunnelToo() throws Exception {
        int before = connects().size();
        Curl r = Curl.get(PORTS.get("tcp"), "/");
        assertEquals(200, r.status(), r.text());
        assertEquals("sni=backend.example", r.text(), "the client's plaintext relayed over TLS through the tunnel");
        assertEquals("CONNECT 127.0.0.1:" + backend.port() + " HTTP/1.1", awaitConnects(before + 1).get(before));
    }

    @Test
    void withoutProxyMetadataTheHostIsReachedDirectly() throws Exception {
        double viaProxy = proxy.stat("http.connect.downstream_rq_total");
        Curl r = Curl.get(PORTS.get("front"), "/direct");
        assertEquals(200, r.status(), r.text());
        assertEquals("sni=backend.example", r.text());
        assertEquals(viaProxy, proxy.stat("http.connect.downstream_rq_total"), "no CONNECT went to the proxy");
        assertTrue(proxy.stat("cluster.direct.upstream_cx_total") >= 1);
    }

    @Test
    void aProxyAnsweringOtherThan200FailsTheConnect() throws Exception {
        Curl r = Curl.get(PORTS.get("front"), "/denied");
        assertEquals(503, r.status(), r.text());
        assertTrue(proxy.stat("cluster.denied.upstream_cx_connect_fail") >= 1);
        assertTrue(proxy.stat("http.deny.downstream_rq_total") >= 1, "the CONNECT reached the denying proxy");
        assertTrue(r.text().contains("answered CONNECT with 403"), "the transport failure reason: " + r.text());
        assertEquals(0, proxy.stat("cluster.denied.ssl.connection_error"), "no TLS handshake was tried");
    }

    /** The CONNECT lines once there are at least {@code n} (the access log is written as a stream ends). */
    static List<String> awaitConnects(int n) throws Exception {
        long deadline = System.nanoTime() + 20_000_000_000L;
        List<String> seen = connects();
        while (seen.size() < n && System.nanoTime() < deadline) {
            Thread.sleep(50);
            seen = connects();
        }
        assertTrue(seen.size() >= n, "CONNECT lines logged: " + seen);
        return seen;
    }
}
