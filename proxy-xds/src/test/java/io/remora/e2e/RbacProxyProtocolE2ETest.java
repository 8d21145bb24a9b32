package io.remora.e2e;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * RBAC's address principals behind a PROXY header, as config/rbac/v3/rbac.proto and matchers.cc
 * define them: {@code direct_remote_ip} is always the socket's peer (the stream's direct remote
 * address), while {@code source_ip} (the connection's remote address) and {@code remote_ip} are
 * the client the header names. Checked on the HTTP filter (one policy per path) and on the network
 * filter, with a client on 127.0.0.1 whose PROXY header names 203.0.113.9.
 */
class RbacProxyProtocolE2ETest {

    @RegisterExtension
    static final E2EStack stack = new E2EStack();
    static final Map<String, Integer> PORTS = new HashMap<>();
    static ProxyProcess proxy;

    private static final String PROXY_PROTOCOL = """
            listener_filters:
            - name: envoy.filters.listener.proxy_protocol
              typed_config:
                "@type": type.googleapis.com/envoy.extensions.filters.listener.proxy_protocol.v3.ProxyProtocol
            """;

    /** A connection manager answering 200 "served", its HTTP filters (list items) before the router. */
    private static String hcm(String httpFilters) {
        return """
                - name: envoy.filters.network.http_connection_manager
                  typed_config:
                    "@type": type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager
                    stat_prefix: ingress
                    route_config:
                      virtual_hosts:
                      - name: all
                        domains: ["*"]
                        routes: [{ match: { prefix: / }, direct_response: { status: 200, body: { inline_string: served } } }]
                    http_filters:
                %s    - name: envoy.filters.http.router
                      typed_config: { "@type": type.googleapis.com/envoy.extensions.filters.http.router.v3.Router }
                """.formatted(httpFilters.indent(4));
    }

    private static String policy(String name, String path, String principal) {
        return """
                %s:
                  permissions: [{ url_path: { path: { exact: %s } } }]
                  principals: [%s]
                """.formatted(name, path, principal);
    }

    private static String listener(String name, String filters) {
        return """
                - name: %s
                  address: { socket_address: { address: 127.0.0.1, port_value: ${%s} } }
                %s  filter_chains:
                  - filters:
                %s""".formatted(name, name, PROXY_PROTOCOL.indent(2), filters.indent(4));
    }

    @BeforeAll
    static void start() throws Exception {
        PORTS.put("http", ProxyProcess.freePort());
        PORTS.put("tcp", ProxyProcess.freePort());
        String rbac = """
                - name: envoy.filters.http.rbac
                  typed_config:
                    "@type": type.googleapis.com/envoy.extensions.filters.http.rbac.v3.RBAC
                    rules:
                      policies:
                %s""".formatted((policy("peer", "/peer", "{ direct_remote_ip: { address_prefix: 127.0.0.1, prefix_len: 32 } }")
                + policy("peer-proxied", "/peer-proxied",
                        "{ direct_remote_ip: { address_prefix: 203.0.113.0, prefix_len: 24 } }")
                + policy("source", "/source", "{ source_ip: { address_prefix: 203.0.113.0, prefix_len: 24 } }")
                + policy("remote", "/remote", "{ remote_ip: { address_prefix: 203.0.113.0, prefix_len: 24 } }"))
                .indent(8));
        String network = """
                - name: envoy.filters.network.rbac
                  typed_config:
                    "@type": type.googleapis.com/envoy.extensions.filters.network.rbac.v3.RBAC
                    stat_prefix: tcp_rbac.
                    rules:
                      policies:
                        both:
                          permissions: [{ any: true }]
                          principals:
                          - and_ids:
                              ids:
                              - { direct_remote_ip: { address_prefix: 127.0.0.1, prefix_len: 32 } }
                              - { source_ip: { address_prefix: 203.0.113.0, prefix_len: 24 } }
                              - { remote_ip: { address_prefix: 203.0.113.0, prefix_len: 24 } }
                """;
        String listeners = listener("http", hcm(rbac)) + listener("tcp", network + hcm(""));
        proxy = stack.start(Bootstraps.listeners(stack.adminPort, listeners, Bootstraps.cluster("unused", false, null, 9),
                PORTS), List.of());
    }

    /** The response (status line and body) to a GET of the path after a PROXY header naming 203.0.113.9; "" when closed. */
    private static String get(String listener, String path) throws Exception {
        try (Socket s = new Socket()) {
            s.bind(new InetSocketAddress("127.0.0.1", 0));
            s.connect(new InetSocketAddress("127.0.0.1", PORTS.get(listener)));
            s.setSoTimeout(10_000);
            String request = "PROXY TCP4 203.0.113.9 127.0.0.1 5555 " + PORTS.get(listener) + "\r\n"
                    + "GET " + path + " HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n";
            s.getOutputStream().write(request.getBytes(StandardCharsets.US_ASCII));
            try {
                return new String(s.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
            } catch (SocketException reset) {
                return "";
            }
        }
    }

    @Test
    void directRemoteIpIsTheSocketPeerWhateverTheProxyHeaderSays() throws Exception {
        assertTrue(get("http", "/peer").startsWith("HTTP/1.1 200"), "direct_remote_ip: the socket's peer");
        assertTrue(get("http", "/peer-proxied").startsWith("HTTP/1.1 403"),
                "direct_remote_ip is not the client the PROXY header names");
        assertTrue(get("http", "/source").startsWith("HTTP/1.1 200"), "source_ip honours the PROXY header");
        assertTrue(get("http", "/remote").startsWith("HTTP/1.1 200"), "remote_ip honours the PROXY header");
    }

    @Test
    void theNetworkFilterSeesTheSamePeers() throws Exception {
        String response = get("tcp", "/");
        assertTrue(response.startsWith("HTTP/1.1 200") && response.endsWith("served"), response);
        assertEquals(0.0, proxy.metric("envoy_rbac_denied{envoy_rbac_prefix=\"tcp_rbac\"}"));
    }
}
