package io.remora.e2e;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A listener's additional_addresses: it listens on each of them too (127.0.0.2, and ::1 where
 * the host has IPv6 loopback, as Istio's dual-stack 0.0.0.0 + ::), serving the same chain and
 * counting in the same listener stats, named by the main address.
 */
class AdditionalAddressesE2ETest {

    @RegisterExtension
    static final E2EStack stack = new E2EStack();
    static TestUpstream upstream;
    static ProxyProcess proxy;
    static final Map<String, Integer> PORTS = new HashMap<>();
    static boolean ipv6;

    @BeforeAll
    static void start() throws Exception {
        upstream = stack.own(TestUpstream.text("same chain"));
        try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getByName("::1"))) {
            ipv6 = true;
        } catch (Exception e) {
            ipv6 = false;
        }
        PORTS.put("main", ProxyProcess.freePort());
        PORTS.put("second", ProxyProcess.freePort());
        PORTS.put("v6", ProxyProcess.freePort());
        String v6 = !ipv6 ? "" : "\n  - address: { socket_address: { address: \"::1\", port_value: ${v6} } }";
        String listener = """
                - name: dual
                  address: { socket_address: { address: 127.0.0.1, port_value: ${main} } }
                  additional_addresses:
                  - address: { socket_address: { address: 127.0.0.2, port_value: ${second} } }V6
                  filter_chains:
                  - filters:
                    - name: envoy.filters.network.tcp_proxy
                      typed_config:
                        "@type": type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy
                        stat_prefix: dual
                        cluster: web
                """.replace("V6", v6);
        proxy = stack.start(Bootstraps.listeners(stack.adminPort, listener,
                Bootstraps.cluster("web", false, null, upstream.port()), PORTS), List.of());
    }

    /** The body of a GET sent through tcp_proxy to {@code host:port}. */
    static String get(String host, int port) throws Exception {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(host, port));
            s.setSoTimeout(10_000);
            s.getOutputStream().write("GET / HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n"
                    .getBytes(StandardCharsets.US_ASCII));
            InputStream in = s.getInputStream();
            String response = new String(in.readAllBytes(), StandardCharsets.US_ASCII);
            return response.substring(response.indexOf("\r\n\r\n") + 4);
        }
    }

    @Test
    void everyAddressServesTheListenersChain() throws Exception {
        assertEquals("same chain", get("127.0.0.1", PORTS.get("main")));
        assertEquals("same chain", get("127.0.0.2", PORTS.get("second")));
        int connections = 2;
        if (ipv6) {
            assertEquals("same chain", get("::1", PORTS.get("v6")));
            connections++;
        }
        // One listener: its stats (named by the main address) count every socket's connections.
        assertEquals(connections, proxy.metric("envoy_listener_downstream_cx_total{envoy_listener_address=\"127.0.0.1_"
                + PORTS.get("main") + "\"}"));
    }

    /** /listeners as Envoy's: a line per socket, and the additional ones under additional_local_addresses. */
    @Test
    void adminListsEveryAddress() throws Exception {
        String text = proxy.admin("/listeners");
        String expected = "dual::127.0.0.1:" + PORTS.get("main") + "\ndual::127.0.0.2:" + PORTS.get("second") + "\n"
                + (ipv6 ? "dual::[::1]:" + PORTS.get("v6") + "\n" : "");
        assertEquals(expected, text.substring(text.indexOf("dual::")));
        String json = proxy.admin("/listeners?format=json").replaceAll("\\s", "");
        assertTrue(json.contains("\"additional_local_addresses\":[{\"socket_address\":{\"address\":\"127.0.0.2\","
                + "\"port_value\":" + PORTS.get("second") + "}}"), json);
    }
}
