package io.remora.e2e;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * filter_chain_match.direct_source_prefix_ranges: matched on the socket's peer (clients bound to
 * 127.0.0.1 or 127.0.0.3), whatever client a PROXY header names, where source_prefix_ranges
 * match the header's. Envoy weighs the direct source before source type and source IP, so a
 * chain matching the peer wins over one matching only the proxied client.
 */
class DirectSourceMatchE2ETest {

    @RegisterExtension
    static final E2EStack stack = new E2EStack();
    static ProxyProcess proxy;
    static final Map<String, Integer> PORTS = new HashMap<>();

    static String chain(String match, String body) {
        return """
                - filter_chain_match: MATCH
                  filters:
                  - name: envoy.filters.network.http_connection_manager
                    typed_config:
                      "@type": type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager
                      stat_prefix: BODY
                      route_config:
                        virtual_hosts:
                        - name: all
                          domains: ["*"]
                          routes: [{ match: { prefix: / }, direct_response: { status: 200, body: { inline_string: "BODY" } } }]
                      http_filters:
                      - name: envoy.filters.http.router
                        typed_config: { "@type": type.googleapis.com/envoy.extensions.filters.http.router.v3.Router }
                """.replace("MATCH", match).replace("BODY", body);
    }

    @BeforeAll
    static void start() throws Exception {
        PORTS.put("src", ProxyProcess.freePort());
        String chains = chain("{ direct_source_prefix_ranges: [{ address_prefix: 127.0.0.3, prefix_len: 32 }] }", "direct")
                + chain("{ source_prefix_ranges: [{ address_prefix: 10.0.0.0, prefix_len: 8 }] }", "proxied")
                + chain("{}", "other");
        String listener = """
                - name: src
                  address: { socket_address: { address: 127.0.0.1, port_value: ${src} } }
                  listener_filters:
                  - name: envoy.filters.listener.proxy_protocol
                    typed_config:
                      "@type": type.googleapis.com/envoy.extensions.filters.listener.proxy_protocol.v3.ProxyProtocol
                      allow_requests_without_proxy_protocol: true
                  filter_chains:
                """ + Bootstraps.indent(chains, 2);
        proxy = stack.start(Bootstraps.listeners(stack.adminPort, listener,
                Bootstraps.cluster("unused", false, null, 9), PORTS), List.of());
    }

    /** The chain that answers a client bound to {@code source}, after {@code proxyHeader} (or none). */
    static String chainFor(String source, String proxyHeader) throws Exception {
        try (Socket s = new Socket()) {
            s.bind(new InetSocketAddress(source, 0));
            s.connect(new InetSocketAddress("127.0.0.1", PORTS.get("src")));
            s.setSoTimeout(10_000);
            String request = (proxyHeader == null ? "" : proxyHeader)
                    + "GET / HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n";
            s.getOutputStream().write(request.getBytes(StandardCharsets.US_ASCII));
            String response = new String(s.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
            return response.substring(response.indexOf("\r\n\r\n") + 4);
        }
    }

    static String header(String client) {
        return "PROXY TCP4 " + client + " 127.0.0.1 5555 " + PORTS.get("src") + "\r\n";
    }

    @Test
    void theSocketPeerPicksTheChain() throws Exception {
        assertEquals("direct", chainFor("127.0.0.3", null));
        assertEquals("other", chainFor("127.0.0.1", null));
    }

    @Test
    void aProxyHeaderDoesNotChangeTheDirectSource() throws Exception {
        // The header names 127.0.0.3, but the peer is 127.0.0.1.
        assertEquals("other", chainFor("127.0.0.1", header("127.0.0.3")));
        assertEquals("proxied", chainFor("127.0.0.1", header("10.1.2.3")));
        // Direct source comes before source IP in Envoy's order.
        assertEquals("direct", chainFor("127.0.0.3", header("10.1.2.3")));
    }
}
