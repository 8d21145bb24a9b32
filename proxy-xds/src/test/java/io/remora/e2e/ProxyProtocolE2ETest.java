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
 * connection without one is closed, unless allow_requests_without_proxy_protocol.
 */
class ProxyProtocolE2ETest {

    static TestUpstream upstream;
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
                            log_format: { text_format_source: { inline_string: "tlv %DYNAMIC_METADATA(envoy.filters.listener.proxy_protocol:vpce)% %DYNAMIC_METADATA(acme:id)%\\n" } }
                """.replace("LOG", accessLog.toString());
        proxy = ProxyProcess.start(Bootstraps.listeners(admin, listener("strict", "disallowed_versions: [V1]")
                + listener("lax", "allow_requests_without_proxy_protocol: true") + tlv,
                Bootstraps.cluster("web", false, null, upstream.port()), PORTS), admin, List.of(),
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
        java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(28);
        b.put(new byte[]{0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A, 0x21, 0x11, 0, 12});
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
        String logged = "tlv vpce-0abc123 42";
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

    @Test
    void withoutAHeaderOrWithADisallowedOne() throws Exception {
        String plain = exchange("lax", new byte[0]);
        assertTrue(plain.startsWith("HTTP/1.1 200") && !plain.contains("203.0.113.7"),
                "allow_requests_without_proxy_protocol: served as the socket's peer: " + plain);
        assertEquals("", exchange("strict", new byte[0]), "no header: closed unanswered");
        assertEquals("", exchange("strict", "PROXY TCP4 203.0.113.7 127.0.0.1 5555 80\r\n"
                .getBytes(StandardCharsets.US_ASCII)), "version 1 is disallowed here");
        assertEquals(2.0, proxy.metric("envoy_listener_downstream_cx_proxy_proto_error{envoy_listener_address=\"127.0.0.1_"
                + PORTS.get("strict") + "\"}"));
    }
}
