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
 * reached directly; a proxy answering 403 fails the connect (503 to the client). A raw socket
 * playing the proxy shows the request's bytes: RFC 9110's form with a Host header, the endpoint's
 * hostname preferred to its address (Envoy 1.36).
 */
class Http11ProxySocketE2ETest {

    @RegisterExtension
    static final E2EStack stack = new E2EStack();
    static final Map<String, Integer> PORTS = new HashMap<>();
    static TestUpstream backend;
    static ProxyProcess proxy;
    static Path connectLog;
    /** What the raw "proxy" received, one CONNECT head per connection; it answers each 403. */
    static final java.util.concurrent.BlockingQueue<String> RAW_CONNECTS = new java.util.concurrent.LinkedBlockingQueue<>();

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
        java.net.ServerSocket raw = stack.own(new java.net.ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress()));
        PORTS.put("raw", raw.getLocalPort());
        Thread recorder = new Thread(() -> recordConnects(raw), "raw-http11-proxy");
        recorder.setDaemon(true);
        recorder.start();
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
                        - match: { prefix: /raw-named }
                          route: { cluster: rawnamed }
                        - match: { prefix: /raw }
                          route: { cluster: raw }
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
                Bootstraps.cluster("raw", SOCKET, port, proxyAt("raw")),
                Bootstraps.cluster("rawnamed", SOCKET, port, proxyAt("raw")).replace(
                        "- endpoint: { address:", "- endpoint: { hostname: backend.example, address:"),
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
        // The transport failure reason is not told to the client (Envoy 1.39).
        assertEquals("upstream connect error or disconnect/reset before headers. reset reason: remote connection"
                + " failure", r.text());
        assertEquals(0, proxy.stat("cluster.denied.ssl.connection_error"), "no TLS handshake was tried");
    }

    /** Reads each connection's request head into {@link #RAW_CONNECTS} and answers 403. */
    static void recordConnects(java.net.ServerSocket raw) {
        while (!raw.isClosed()) {
            try (java.net.Socket s = raw.accept()) {
                s.setSoTimeout(10_000);
                java.io.InputStream in = s.getInputStream();
                StringBuilder head = new StringBuilder();
                int c;
                while (!head.toString().endsWith("\r\n\r\n") && (c = in.read()) >= 0) {
                    head.append((char) c);
                }
                RAW_CONNECTS.add(head.toString());
                s.getOutputStream().write("HTTP/1.1 403 Forbidden\r\ncontent-length: 0\r\n\r\n"
                        .getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            } catch (java.io.IOException e) {
                // closed at the end, or a connection given up: the next one
            }
        }
    }

    /**
     * Envoy 1.36's RFC 9110 CONNECT: a Host header naming the target; the target is the endpoint's
     * hostname and port when it has one, else its address.
     */
    @Test
    void connectCarriesHostAndPrefersTheEndpointsHostname() throws Exception {
        RAW_CONNECTS.clear();
        assertEquals(503, Curl.get(PORTS.get("front"), "/raw-named").status());
        String target = "backend.example:" + backend.port();
        assertEquals("CONNECT " + target + " HTTP/1.1\r\nHost: " + target + "\r\n\r\n",
                RAW_CONNECTS.poll(20, java.util.concurrent.TimeUnit.SECONDS));
        RAW_CONNECTS.clear();
        assertEquals(503, Curl.get(PORTS.get("front"), "/raw").status());
        target = "127.0.0.1:" + backend.port();
        assertEquals("CONNECT " + target + " HTTP/1.1\r\nHost: " + target + "\r\n\r\n",
                RAW_CONNECTS.poll(20, java.util.concurrent.TimeUnit.SECONDS));
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
