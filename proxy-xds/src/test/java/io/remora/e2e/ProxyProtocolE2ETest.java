package io.remora.e2e;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The proxy_protocol listener filter through real sockets: the client a PROXY header (version 1
 * or 2) names is the connection's remote address (x-forwarded-for with use_remote_address); a
 * connection without one is closed, unless allow_requests_without_proxy_protocol. What closes a
 * connection and what each decision counts follow Envoy's proxy_protocol.cc (readProxyHeader,
 * parseV2Header, the unicast check) and proxy_proto_integration_test.cc's stats.
 */
class ProxyProtocolE2ETest {

    static TestUpstream upstream;
    static java.net.ServerSocket echo;
    static ProxyProcess proxy;
    static final Map<String, Integer> PORTS = new HashMap<>();
    static java.nio.file.Path accessLog;

    static String listener(String name, String proxyProtocol) {
        return """
                - name: NAME
                  address: { socket_address: { address: 127.0.0.1, port_value: ${NAME} } }
                  listener_filters:
                  - name: envoy.filters.listener.proxy_protocol
                    typed_config:
                      "@type": type.googleapis.com/envoy.extensions.filters.listener.proxy_protocol.v3.ProxyProtocol
                PP
                  - name: envoy.filters.listener.http_inspector
                    typed_config: { "@type": type.googleapis.com/envoy.extensions.filters.listener.http_inspector.v3.HttpInspector }
                  filter_chains:
                  - filters:
                    - name: envoy.filters.network.http_connection_manager
                      typed_config:
                        "@type": type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager
                        stat_prefix: NAME
                        use_remote_address: true
                        access_log:
                        - name: envoy.access_loggers.file
                          typed_config:
                            "@type": type.googleapis.com/envoy.extensions.access_loggers.file.v3.FileAccessLog
                            path: LOG
                            log_format: { text_format_source: { inline_string: "NAME %DOWNSTREAM_REMOTE_ADDRESS_WITHOUT_PORT% %DOWNSTREAM_DIRECT_REMOTE_ADDRESS_WITHOUT_PORT%\\n" } }
                        http_filters:
                        - name: envoy.filters.http.router
                          typed_config: { "@type": type.googleapis.com/envoy.extensions.filters.http.router.v3.Router }
                        route_config:
                          virtual_hosts:
                          - name: all
                            domains: ["*"]
                            routes: [{ match: { prefix: "/" }, route: { cluster: web } }]
                """.replace("NAME", name).replace("LOG", accessLog.toString())
                .replace("PP", proxyProtocol.indent(6).stripTrailing());
    }

    @BeforeAll
    static void start() throws Exception {
        upstream = TestUpstream.start((ctx, req, n) -> TestUpstream.send(ctx, req, 200,
                "xff=" + req.headers().get("x-forwarded-for")));
        int admin = ProxyProcess.freePort();
        accessLog = io.remora.testing.TempPaths.file("proxy-protocol", ".log");
        PORTS.put("strict", ProxyProcess.freePort());
        PORTS.put("lax", ProxyProcess.freePort());
        PORTS.put("tlv", ProxyProcess.freePort());
        PORTS.put("v1only", ProxyProcess.freePort());
        echo = new java.net.ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress());
        TcpEcho.serve(echo);
        String v1only = """
                - name: v1only
                  address: { socket_address: { address: 127.0.0.1, port_value: ${v1only} } }
                  listener_filters:
                  - name: envoy.filters.listener.proxy_protocol
                    typed_config:
                      "@type": type.googleapis.com/envoy.extensions.filters.listener.proxy_protocol.v3.ProxyProtocol
                      allow_requests_without_proxy_protocol: true
                      disallowed_versions: [V2]
                      stat_prefix: v1only
                  filter_chains:
                  - filters:
                    - name: envoy.filters.network.tcp_proxy
                      typed_config:
                        "@type": type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy
                        stat_prefix: v1only
                        cluster: echo
                """;
        String tlv = """
                - name: tlv
                  address: { socket_address: { address: 127.0.0.1, port_value: ${tlv} } }
                  listener_filters:
                  - name: envoy.filters.listener.proxy_protocol
                    typed_config:
                      "@type": type.googleapis.com/envoy.extensions.filters.listener.proxy_protocol.v3.ProxyProtocol
                      rules:
                      - { tlv_type: 234, on_tlv_present: { key: vpce } }
                      - { tlv_type: 5, on_tlv_present: { key: id, metadata_namespace: acme } }
                      - { tlv_type: 7, on_tlv_present: { key: replaced } }
                      - { tlv_type: 7, on_tlv_present: { key: seven } }
                      - { tlv_type: 8, on_tlv_present: { key: bin } }
                  filter_chains:
                  - filters:
                    - name: envoy.filters.network.tcp_proxy
                      typed_config:
                        "@type": type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy
                        stat_prefix: tlv
                        cluster: web
                        access_log:
                        - name: envoy.access_loggers.file
                          typed_config:
                            "@type": type.googleapis.com/envoy.extensions.access_loggers.file.v3.FileAccessLog
                            path: LOG
                            log_format: { text_format_source: { inline_string: "tlv %DYNAMIC_METADATA(envoy.filters.listener.proxy_protocol:vpce)% %DYNAMIC_METADATA(acme:id)% %DYNAMIC_METADATA(envoy.filters.listener.proxy_protocol:replaced)% %DYNAMIC_METADATA(envoy.filters.listener.proxy_protocol:seven)% %DYNAMIC_METADATA(envoy.filters.listener.proxy_protocol:bin)%\\n" } }
                """.replace("LOG", accessLog.toString());
        proxy = ProxyProcess.start(Bootstraps.listeners(admin, listener("strict", "disallowed_versions: [V1]\nstat_prefix: strict")
                + listener("lax", "allow_requests_without_proxy_protocol: true") + tlv + v1only,
                Bootstraps.cluster("web", false, null, upstream.port())
                        + Bootstraps.cluster("echo", false, null, echo.getLocalPort()), PORTS), admin, List.of(),
                "--file-flush-interval-msec", "100");
    }

    @AfterAll
    static void stop() throws Exception {
        if (proxy != null) {
            proxy.close();
        }
        if (upstream != null) {
            upstream.close();
        }
        if (echo != null) {
            echo.close();
        }
    }

    /** Sends the bytes then a GET, and returns everything the proxy answered before it closed. */
    static String exchange(String listener, byte[] header) throws Exception {
        try (Socket s = new Socket("127.0.0.1", PORTS.get(listener))) {
            s.setSoTimeout(20_000);
            s.getOutputStream().write(header);
            s.getOutputStream().write("GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
                    .getBytes(StandardCharsets.US_ASCII));
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            s.getInputStream().transferTo(out);
            return out.toString(StandardCharsets.US_ASCII);
        }
    }

    static byte[] v2(byte[] client, int clientPort, byte[] destination, int destinationPort) {
        return v2(0x11, client, clientPort, destination, destinationPort);
    }

    /** A version 2 PROXY header with this family/transport byte and IPv4 addresses. */
    static byte[] v2(int family, byte[] client, int clientPort, byte[] destination, int destinationPort) {
        java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(28);
        b.put(new byte[]{0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A, 0x21, (byte) family, 0, 12});
        b.put(client).put(destination).putShort((short) clientPort).putShort((short) destinationPort);
        return b.array();
    }

    @Test
    void theHeadersClientIsTheRemoteAddress() throws Exception {
        String v2 = exchange("strict", v2(new byte[]{(byte) 198, 51, 100, 9}, 4000, new byte[]{127, 0, 0, 1},
                PORTS.get("strict")));
        assertTrue(v2.startsWith("HTTP/1.1 200"), v2);
        assertTrue(v2.endsWith("xff=198.51.100.9"), v2);
        String logged = "strict 198.51.100.9 127.0.0.1";
        for (int i = 0; i < 100 && !java.nio.file.Files.readAllLines(accessLog).contains(logged); i++) {
            Thread.sleep(50);
        }
        assertTrue(java.nio.file.Files.readAllLines(accessLog).contains(logged),
                "the direct remote address stays the socket's peer: " + java.nio.file.Files.readString(accessLog));

        String v1 = exchange("lax", ("PROXY TCP4 203.0.113.7 127.0.0.1 5555 " + PORTS.get("lax") + "\r\n")
                .getBytes(StandardCharsets.US_ASCII));
        assertTrue(v1.endsWith("xff=203.0.113.7"), v1);
    }

    /** rules: a version 2 header's TLVs become the connection's dynamic metadata, which tcp_proxy logs. */
    @Test
    void tlvRulesMakeConnectionMetadata() throws Exception {
        byte[] vpce = "vpce-0abc123".getBytes(StandardCharsets.US_ASCII);
        byte[] base = v2(new byte[]{(byte) 198, 51, 100, 9}, 4000, new byte[]{127, 0, 0, 1}, PORTS.get("tlv"));
        java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(base.length + 3 + vpce.length + 3 + 2 + 3 + 1);
        b.put(base).put((byte) 234).putShort((short) vpce.length).put(vpce)
                .put((byte) 5).putShort((short) 2).put("42".getBytes(StandardCharsets.US_ASCII))
                .put((byte) 0x20).putShort((short) 1).put((byte) 0); // a TLV no rule asks for
        byte[] header = b.array();
        header[14] = 0;
        header[15] = (byte) (12 + 3 + vpce.length + 3 + 2 + 3 + 1); // the length now covers the TLVs
        assertTrue(exchange("tlv", header).startsWith("HTTP/1.1 200"));
        String logged = "tlv vpce-0abc123 42 - - -";
        for (int i = 0; i < 100 && !java.nio.file.Files.readAllLines(accessLog).contains(logged); i++) {
            Thread.sleep(50);
        }
        assertTrue(java.nio.file.Files.readAllLines(accessLog).contains(logged), java.nio.file.Files.readString(accessLog));

        header[15] += 5; // past the bytes sent: the last TLV now runs over the header's end
        byte[] broken = java.util.Arrays.copyOf(header, header.length + 5);
        broken[broken.length - 5] = 0x20;
        broken[broken.length - 4] = 0;
        broken[broken.length - 3] = 9;
        assertEquals("", exchange("tlv", broken), "a TLV past the header's end: closed");
    }

    /** A version 2 header to the tlv listener with these TLVs, given as type then value. */
    static byte[] withTlvs(Object... tlvs) {
        ByteArrayOutputStream t = new ByteArrayOutputStream();
        for (int i = 0; i < tlvs.length; i += 2) {
            byte[] v = (byte[]) tlvs[i + 1];
            t.write((Integer) tlvs[i]);
            t.write(v.length >> 8);
            t.write(v.length);
            t.writeBytes(v);
        }
        byte[] base = v2(new byte[]{(byte) 198, 51, 100, 9}, 4000, new byte[]{127, 0, 0, 1}, PORTS.get("tlv"));
        byte[] header = java.util.Arrays.copyOf(base, base.length + t.size());
        System.arraycopy(t.toByteArray(), 0, header, base.length, t.size());
        header[14] = (byte) ((12 + t.size()) >> 8);
        header[15] = (byte) (12 + t.size());
        return header;
    }

    /**
     * As Envoy's parseTlvs: of a TLV type received twice the first value is kept (a key, once set,
     * is never replaced); of two rules for one type the last is the one used; a value's bytes that
     * are not UTF-8 each become '!' (MessageUtil::sanitizeUtf8String), valid ones stay.
     */
    @Test
    void repeatedTlvsKeepTheFirstAndBytesThatAreNotUtf8BecomeBangs() throws Exception {
        byte[] header = withTlvs(234, "vpce-first".getBytes(StandardCharsets.UTF_8),
                234, "vpce-second".getBytes(StandardCharsets.UTF_8),
                7, "x".getBytes(StandardCharsets.UTF_8),
                8, new byte[]{'a', (byte) 0xFF, (byte) 0xE2, (byte) 0x82, 'b', (byte) 0xC3, (byte) 0xA9, (byte) 0xED, (byte) 0xA0,
                        (byte) 0x80, 'c'},
                8, "later".getBytes(StandardCharsets.UTF_8));
        assertTrue(exchange("tlv", header).startsWith("HTTP/1.1 200"));
        String logged = "tlv vpce-first - - x a!!!b\u00e9!!!c";
        for (int i = 0; i < 100 && !java.nio.file.Files.readAllLines(accessLog).contains(logged); i++) {
            Thread.sleep(50);
        }
        assertTrue(java.nio.file.Files.readAllLines(accessLog).contains(logged), java.nio.file.Files.readString(accessLog));
    }

    /**
     * Envoy right-trims a version 1 line before splitting it at single spaces: whitespace before
     * the CRLF is taken, and a port may have leading zeros.
     */
    @Test
    void version1WhitespaceBeforeTheCrlf() throws Exception {
        String v1 = exchange("lax", ("PROXY TCP4 203.0.113.8 127.0.0.1 05555 " + PORTS.get("lax") + " \t\r\n")
                .getBytes(StandardCharsets.US_ASCII));
        assertTrue(v1.endsWith("xff=203.0.113.8"), v1);
        double errors = proxy.stat("proxy_proto.versions.v1.error");
        assertEquals("", exchange("lax", ("PROXY TCP4  203.0.113.8 127.0.0.1 5555 " + PORTS.get("lax") + "\r\n")
                .getBytes(StandardCharsets.US_ASCII)), "two spaces make an empty field");
        assertEquals(errors + 1, proxy.stat("proxy_proto.versions.v1.error"));
    }

    /**
     * No header where one is required is an error (not_found_disallowed and the legacy root
     * downstream_cx_proxy_proto_error); a disallowed version is Envoy's Denied: found and
     * disallowed for its version, and not an error.
     */
    @Test
    void withoutAHeaderOrWithADisallowedOne() throws Exception {
        String plain = exchange("lax", new byte[0]);
        assertTrue(plain.startsWith("HTTP/1.1 200") && !plain.contains("203.0.113.7"),
                "allow_requests_without_proxy_protocol: served as the socket's peer: " + plain);
        double errors = proxy.stat("downstream_cx_proxy_proto_error");
        double notFound = proxy.stat("proxy_proto.strict.not_found_disallowed");
        assertEquals("", exchange("strict", new byte[0]), "no header: closed unanswered");
        assertEquals(errors + 1, proxy.stat("downstream_cx_proxy_proto_error"));
        assertEquals(notFound + 1, proxy.stat("proxy_proto.strict.not_found_disallowed"));
        assertEquals("", exchange("strict", "PROXY TCP4 203.0.113.7 127.0.0.1 5555 80\r\n"
                .getBytes(StandardCharsets.US_ASCII)), "version 1 is disallowed here");
        assertEquals(errors + 1, proxy.stat("downstream_cx_proxy_proto_error"), "a disallowed version is no error");
        assertEquals(1.0, proxy.stat("proxy_proto.strict.versions.v1.found"));
        assertEquals(1.0, proxy.stat("proxy_proto.strict.versions.v1.disallowed"));
        assertEquals(0.0, proxy.stat("proxy_proto.strict.versions.v1.error"));
        assertTrue(proxy.admin("/stats/prometheus").lines().anyMatch(l -> l.startsWith("envoy_proxy_proto_disallowed{")
                && l.contains("envoy_proxy_protocol_prefix=\"strict\"") && l.contains("envoy_proxy_protocol_version=\"1\"")
                && l.endsWith(" 1")), "Envoy's tag-extracted name and labels");
    }

    /**
     * Under allow_requests_without_proxy_protocol a header of a disallowed version is no header:
     * its bytes are the connection's own (here echoed back through tcp_proxy), counted not_found_allowed.
     */
    @Test
    void aDisallowedVersionPassesAsDataWhenHeaderlessIsAllowed() throws Exception {
        byte[] header = v2(new byte[]{(byte) 198, 51, 100, 9}, 4000, new byte[]{127, 0, 0, 1}, PORTS.get("v1only"));
        byte[] sent = java.util.Arrays.copyOf(header, header.length + 5);
        System.arraycopy("hello".getBytes(StandardCharsets.US_ASCII), 0, sent, header.length, 5);
        double allowed = proxy.stat("proxy_proto.v1only.not_found_allowed");
        try (Socket s = new Socket("127.0.0.1", PORTS.get("v1only"))) {
            s.setSoTimeout(20_000);
            s.getOutputStream().write(sent);
            byte[] back = s.getInputStream().readNBytes(sent.length);
            assertEquals(java.util.HexFormat.of().formatHex(sent), java.util.HexFormat.of().formatHex(back));
        }
        assertEquals(allowed + 1, proxy.stat("proxy_proto.v1only.not_found_allowed"));
        assertEquals(0.0, proxy.stat("proxy_proto.v1only.versions.v2.found"));
    }

    /**
     * A version 2 PROXY header must carry TCP or UDP over IPv4 or IPv6, and both addresses of
     * either version must be unicast: anything else closes the connection as a version error.
     */
    @Test
    void unsupportedFamiliesAndNonUnicastAddressesClose() throws Exception {
        byte[] client = {(byte) 198, 51, 100, 9};
        byte[] local = {127, 0, 0, 1};
        int port = PORTS.get("strict");
        byte[] unspec = {0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A, 0x21, 0x00, 0, 0};
        assertEquals("", exchange("strict", unspec), "PROXY with AF_UNSPEC");
        assertEquals("", exchange("strict", v2(0x10, client, 4000, local, port)), "IPv4 over an unspecified transport");
        assertEquals("", exchange("strict", v2(new byte[4], 4000, local, port)), "source 0.0.0.0");
        assertEquals("", exchange("strict", v2(client, 4000, new byte[]{(byte) 224, 0, 0, 1}, port)), "multicast");
        assertEquals(4.0, proxy.stat("proxy_proto.strict.versions.v2.error"));
        double v1Errors = proxy.stat("proxy_proto.versions.v1.error");
        assertEquals("", exchange("lax", ("PROXY TCP4 255.255.255.255 127.0.0.1 5555 " + PORTS.get("lax") + "\r\n")
                .getBytes(StandardCharsets.US_ASCII)), "broadcast");
        assertEquals(v1Errors + 1, proxy.stat("proxy_proto.versions.v1.error"));
    }
}
