package io.remora.e2e;

import io.remora.testing.TestCerts;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The upstream_proxy_protocol transport socket through real sockets: the exact header bytes an
 * upstream receives from tcp_proxy (version 1, version 2 with added and passed-through TLVs) and
 * from the HTTP router (one upstream connection per downstream, each with its own header), the
 * header ahead of the inner TLS socket's ClientHello, health checks' headers (the checker's own
 * addresses in version 1, LOCAL in version 2), and Remora's own proxy_protocol listener filter
 * taking a version 2 header before a TLS handshake as the downstream's client.
 */
class UpstreamProxyProtocolE2ETest {

    static final byte[] SIG = {0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A};
    static final Map<String, Integer> PORTS = new HashMap<>();
    static final Map<String, ProxyHeaderRecorder> RECORDERS = new HashMap<>();
    static TestUpstream echo;
    static ProxyProcess proxy;

    /** A cluster transport socket: upstream_proxy_protocol with {@code config} around {@code inner}. */
    static String socket(String config, String inner) {
        return """
                  transport_socket:
                    name: envoy.transport_sockets.upstream_proxy_protocol
                    typed_config:
                      "@type": type.googleapis.com/envoy.extensions.transport_sockets.proxy_protocol.v3.ProxyProtocolUpstreamTransport
                      config: CONFIG
                      transport_socket:
                INNER
                """.replace("CONFIG", config).replace("INNER", inner.indent(8).stripTrailing());
    }

    static final String RAW = """
            name: envoy.transport_sockets.raw_buffer
            typed_config: { "@type": type.googleapis.com/envoy.extensions.transport_sockets.raw_buffer.v3.RawBuffer }
            """;
    static final String TLS = """
            name: envoy.transport_sockets.tls
            typed_config:
              "@type": type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext
              sni: ppin.example
            """;
    static final String HEALTH_CHECK = """
              health_checks:
              - timeout: 1s
                interval: 0.5s
                no_traffic_interval: 0.5s
                unhealthy_threshold: 1
                healthy_threshold: 1
                tcp_health_check: {}
            """;

    /** {@code listener} with the proxy_protocol listener filter, {@code fields} ("" or ", name: value") in its config. */
    static String withProxyProtocolFilter(String listener, String fields) {
        String filter = """
                  listener_filters:
                  - name: envoy.filters.listener.proxy_protocol
                    typed_config: { "@type": type.googleapis.com/envoy.extensions.filters.listener.proxy_protocol.v3.ProxyProtocolFIELDS }
                """.replace("FIELDS", fields);
        return listener.replaceFirst("\n  filter_chains:\n", "\n" + filter + "  filter_chains:\n");
    }

    static String recorded(String cluster, String extra) throws Exception {
        ProxyHeaderRecorder r = ProxyHeaderRecorder.start();
        RECORDERS.put(cluster, r);
        return Bootstraps.cluster(cluster, false, extra, r.port());
    }

    @BeforeAll
    static void start() throws Exception {
        echo = TestUpstream.start((ctx, req, n) -> TestUpstream.send(ctx, req, 200,
                "client=" + req.headers().get("x-client")));
        Path dir = io.remora.testing.TempPaths.directory("upstream-proxy-protocol");
        TestCerts.ca("pp-ca").issue("ppin", "ppin.example").write(dir, "ppin");
        for (String l : List.of("tcp1", "tcp2", "tcp3", "pp", "http", "tls", "front", "ppin")) {
            PORTS.put(l, ProxyProcess.freePort());
        }
        String ppin = withProxyProtocolFilter(Bootstraps.httpListener("ppin", Bootstraps.downstreamTls(dir, "ppin"), "", """
                - match: { prefix: / }
                  route: { cluster: echo }
                  request_headers_to_add: [ { header: { key: x-client, value: "%DOWNSTREAM_REMOTE_ADDRESS%" } } ]
                """), "");
        // tcp_proxy's own TLVs: sent when it makes the PROXY data (and the socket passes them through),
        // ignored when a received header made it
        String tcpTlvs = "proxy_protocol_tlvs: [ { type: 225, value: dGNw } ]"; // "tcp"
        String passing = withProxyProtocolFilter(Bootstraps.tcpListener("pp", "v2pass", tcpTlvs),
                ", pass_through_tlvs: { match_type: INCLUDE, tlv_type: [5] }");
        String listeners = String.join("\n", Bootstraps.tcpListener("tcp1", "v1"), Bootstraps.tcpListener("tcp2", "v2", tcpTlvs), Bootstraps.tcpListener("tcp3", "v2host"),
                passing, Bootstraps.tcpListener("tls", "tlsv1"),
                Bootstraps.httpListener("http", "", "", "- match: { prefix: / }\n  route: { cluster: httpv1 }"),
                Bootstraps.httpListener("front", "", "", "- match: { prefix: / }\n  route: { cluster: tlsv2 }"), ppin);
        String added = "[ { type: 224, value: cmVtb3Jh } ]"; // "remora"
        String clusters = String.join("\n",
                recorded("v1", socket("{ version: V1 }", RAW)),
                recorded("v2", socket("{ version: V2, added_tlvs: " + added
                        + ", pass_through_tlvs: { match_type: INCLUDE, tlv_type: [225] } }", RAW)),
                recorded("v2pass", socket("{ version: V2, pass_through_tlvs: {}, added_tlvs: " + added + " }", RAW)),
                recorded("httpv1", socket("{ version: V1 }", RAW)),
                recorded("v2host", socket("{ version: V2, added_tlvs: [ { type: 224, value: cmVtb3Jh },"
                        + " { type: 226, value: Y2Zn } ] }", RAW)).replace("      - endpoint: {", Bootstraps.indent("""
                              - metadata:
                                  typed_filter_metadata:
                                    envoy.transport_sockets.proxy_protocol:
                                      "@type": type.googleapis.com/envoy.config.core.v3.PerHostConfig
                                      added_tlvs: [ { type: 226, value: aG9zdA== } ] # "host"
                                endpoint: {""", 6)),
                recorded("tlsv1", socket("{ version: V1 }", TLS)),
                recorded("hcv1", socket("{ version: V1 }", RAW) + HEALTH_CHECK),
                recorded("hcv2", socket("{ version: V2 }", RAW) + HEALTH_CHECK),
                Bootstraps.cluster("tlsv2", false, socket("{ version: V2 }", TLS), PORTS.get("ppin")),
                Bootstraps.cluster("echo", false, null, echo.port()));
        int admin = ProxyProcess.freePort();
        proxy = ProxyProcess.start(Bootstraps.listeners(admin, listeners, clusters, PORTS), admin);
    }

    @AfterAll
    static void stop() throws Exception {
        if (proxy != null) {
            proxy.close();
        }
        if (echo != null) {
            echo.close();
        }
        for (ProxyHeaderRecorder r : RECORDERS.values()) {
            r.close();
        }
    }

    /** An HTTP/1.1 client on one connection: each call sends a GET and returns the response's body. */
    static final class Client implements AutoCloseable {
        final Socket socket;

        Client(String listener) throws Exception {
            socket = new Socket("127.0.0.1", PORTS.get(listener));
            socket.setSoTimeout(20_000);
        }

        int port() {
            return socket.getLocalPort();
        }

        String get() throws Exception {
            socket.getOutputStream().write("GET / HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            InputStream in = socket.getInputStream();
            StringBuilder head = new StringBuilder();
            while (!head.toString().endsWith("\r\n\r\n")) {
                int b = in.read();
                if (b < 0) {
                    throw new AssertionError("closed after " + head);
                }
                head.append((char) b);
            }
            assertTrue(head.toString().startsWith("HTTP/1.1 200"), head.toString());
            int length = 0;
            for (String line : head.toString().split("\r\n")) {
                if (line.toLowerCase(java.util.Locale.ROOT).startsWith("content-length:")) {
                    length = Integer.parseInt(line.substring(15).trim());
                }
            }
            return new String(in.readNBytes(length), StandardCharsets.US_ASCII);
        }

        @Override
        public void close() throws Exception {
            socket.close();
        }
    }

    @Test
    void tcpProxyVersion1NamesTheClientAndTheListener() throws Exception {
        try (Client c = new Client("tcp1")) {
            assertEquals("conn=1", c.get());
            assertEquals("PROXY TCP4 127.0.0.1 127.0.0.1 " + c.port() + " " + PORTS.get("tcp1") + "\r\n",
                    RECORDERS.get("v1").next().text());
        }
    }

    static final byte[] LOOPBACKS = {127, 0, 0, 1, 127, 0, 0, 1};

    /**
     * A version 2 PROXY header over IPv4: {@code addresses} (source then destination), the ports,
     * then TLVs given as type and ASCII value pairs.
     */
    static byte[] v2(byte[] addresses, int sourcePort, int destinationPort, Object... tlvs) {
        ByteArrayOutputStream t = new ByteArrayOutputStream();
        for (int i = 0; i < tlvs.length; i += 2) {
            byte[] v = ((String) tlvs[i + 1]).getBytes(StandardCharsets.US_ASCII);
            t.write((Integer) tlvs[i]);
            t.write(v.length >> 8);
            t.write(v.length);
            t.writeBytes(v);
        }
        return ByteBuffer.allocate(16 + 12 + t.size()).put(SIG).put((byte) 0x21).put((byte) 0x11)
                .putShort((short) (12 + t.size())).put(addresses).putShort((short) sourcePort)
                .putShort((short) destinationPort).put(t.toByteArray()).array();
    }

    @Test
    void tcpProxyVersion2CarriesAddressesPortsAndTlvs() throws Exception {
        try (Client c = new Client("tcp2")) {
            c.get();
            assertArrayEquals(v2(LOOPBACKS, c.port(), PORTS.get("tcp2"), 0xE0, "remora", 0xE1, "tcp"),
                    RECORDERS.get("v2").next().header());
        }
    }

    @Test
    void theHostsOwnTlvsGoFirstAndWinOverTheSockets() throws Exception {
        try (Client c = new Client("tcp3")) {
            c.get();
            assertArrayEquals(v2(LOOPBACKS, c.port(), PORTS.get("tcp3"), 0xE2, "host", 0xE0, "remora"),
                    RECORDERS.get("v2host").next().header());
        }
    }

    @Test
    void aReceivedHeadersAddressesAndKeptTlvsGoOn() throws Exception {
        byte[] addresses = {(byte) 198, 51, 100, 9, (byte) 203, 0, 113, 7};
        try (Socket s = new Socket("127.0.0.1", PORTS.get("pp"))) {
            s.setSoTimeout(20_000);
            s.getOutputStream().write(v2(addresses, 4000, 443, 5, "abc", 6, "zz", 5, "def"));
            s.getOutputStream().write("GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
                    .getBytes(StandardCharsets.US_ASCII));
            ByteArrayOutputStream answer = new ByteArrayOutputStream();
            s.getInputStream().transferTo(answer);
            assertTrue(answer.toString(StandardCharsets.US_ASCII).startsWith("HTTP/1.1 200"), answer.toString());
        }
        // The listener kept TLV 5 only (its pass_through_tlvs); the added TLV goes first, as Envoy orders
        // them; tcp_proxy's TLV is not there: the received header made the data. Of TLV 5 received
        // twice the first goes on (Envoy's generateV2Header skips a type it has already written).
        assertArrayEquals(v2(addresses, 4000, 443, 0xE0, "remora", 5, "abc"), RECORDERS.get("v2pass").next().header());
    }

    @Test
    void httpDownstreamsWithDifferentSourcesNeverShareAnUpstreamConnection() throws Exception {
        ProxyHeaderRecorder r = RECORDERS.get("httpv1");
        try (Client a = new Client("http"); Client b = new Client("http")) {
            String a1 = a.get();
            ProxyHeaderRecorder.Received first = r.next();
            String b1 = b.get();
            ProxyHeaderRecorder.Received second = r.next();
            String a2 = a.get();
            assertEquals(a1, a2, "a's requests share its upstream connection");
            assertNotEquals(a1, b1, "b gets an upstream connection of its own");
            assertEquals("PROXY TCP4 127.0.0.1 127.0.0.1 " + a.port() + " " + PORTS.get("http") + "\r\n", first.text());
            assertEquals("PROXY TCP4 127.0.0.1 127.0.0.1 " + b.port() + " " + PORTS.get("http") + "\r\n", second.text());
            assertEquals(a1, "conn=" + first.number());
            assertEquals(b1, "conn=" + second.number());
            assertNull(r.poll(), "no third upstream connection");
        }
    }

    @Test
    void theHeaderGoesBeforeTheClientHello() throws Exception {
        try (Socket s = new Socket("127.0.0.1", PORTS.get("tls"))) {
            ProxyHeaderRecorder.Received r = RECORDERS.get("tlsv1").next();
            assertEquals("PROXY TCP4 127.0.0.1 127.0.0.1 " + s.getLocalPort() + " " + PORTS.get("tls") + "\r\n",
                    r.text());
            assertEquals(0x16, r.next(), "a TLS handshake record follows the header");
        }
    }

    @Test
    void remorasListenerTakesTheHeaderAheadOfTls() throws Exception {
        try (Client c = new Client("front")) {
            assertEquals("client=127.0.0.1:" + c.port(), c.get());
        }
    }

    @Test
    void healthChecksSendTheirOwnAddressesOrLocal() throws Exception {
        ProxyHeaderRecorder.Received v1 = RECORDERS.get("hcv1").next();
        assertEquals("PROXY TCP4 127.0.0.1 127.0.0.1 " + v1.peerPort() + " " + RECORDERS.get("hcv1").port() + "\r\n",
                v1.text());
        byte[] local = ByteBuffer.allocate(16).put(SIG).put((byte) 0x20).put((byte) 0).putShort((short) 0).array();
        assertArrayEquals(local, RECORDERS.get("hcv2").next().header());
    }
}
