package io.remora.e2e;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * A listener whose filter_chain_matcher is the ambient waypoint's shape (destination IP first,
 * then destination port, with an on_no_match), chosen at accept time on real connections: each
 * chain's tcp_proxy leads to an upstream that names itself.
 */
class FilterChainMatcherE2ETest {
    private final List<ServerSocket> upstreams = new ArrayList<>();

    @AfterEach
    void close() throws IOException {
        for (ServerSocket s : upstreams) {
            s.close();
        }
    }

    /** An upstream that writes its name to each connection and closes it. */
    private int upstream(String name) throws IOException {
        ServerSocket s = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        upstreams.add(s);
        Thread t = new Thread(() -> {
            while (!s.isClosed()) {
                try (Socket c = s.accept()) {
                    c.getOutputStream().write(name.getBytes(StandardCharsets.UTF_8));
                } catch (IOException ignored) {
                    // closed
                }
            }
        }, "upstream-" + name);
        t.setDaemon(true);
        t.start();
        return s.getLocalPort();
    }

    private static String read(String ip, int port) throws IOException {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(ip, port), 5000);
            s.setSoTimeout(5000);
            InputStream in = s.getInputStream();
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    private static String chain(String name, String cluster) {
        return """
                - name: "%s"
                  filters:
                  - name: envoy.filters.network.tcp_proxy
                    typed_config: { "@type": type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy, stat_prefix: %s, cluster: %s }
                """.formatted(name, cluster, cluster);
    }

    private static String action(String chain) {
        return "{ action: { name: \"" + chain + "\", typed_config: { \"@type\": type.googleapis.com/google.protobuf.StringValue, value: \""
                + chain + "\" } } }";
    }

    @Test
    void ipThenPortTreePicksChainsOnRealConnections() throws Exception {
        int a = upstream("a");
        int b = upstream("b");
        int other = upstream("other");
        int admin = ProxyProcess.freePort();
        int port = ProxyProcess.freePort();
        String yaml = """
                admin:
                  address: { socket_address: { address: 127.0.0.1, port_value: %d } }
                static_resources:
                  listeners:
                  - name: waypoint
                    address: { socket_address: { address: 0.0.0.0, port_value: %d } }
                    filter_chains:
                %s%s%s
                    filter_chain_matcher:
                      matcher_tree:
                        input: { name: ip, typed_config: { "@type": type.googleapis.com/envoy.extensions.matching.common_inputs.network.v3.DestinationIPInput } }
                        custom_match:
                          name: ip
                          typed_config:
                            "@type": type.googleapis.com/xds.type.matcher.v3.IPMatcher
                            range_matchers:
                            - ranges: [{ address_prefix: 127.0.0.2, prefix_len: 32 }]
                              on_match:
                                matcher:
                                  matcher_tree:
                                    input: { name: port, typed_config: { "@type": type.googleapis.com/envoy.extensions.matching.common_inputs.network.v3.DestinationPortInput } }
                                    exact_match_map:
                                      map:
                                        "%d": %s
                            - ranges: [{ address_prefix: 127.0.0.0, prefix_len: 8 }]
                              on_match:
                                matcher:
                                  matcher_list:
                                    matchers:
                                    - predicate:
                                        single_predicate:
                                          input: { name: src, typed_config: { "@type": type.googleapis.com/envoy.extensions.matching.common_inputs.network.v3.SourceTypeInput } }
                                          value_match: { exact: local }
                                      on_match: %s
                      on_no_match: %s
                  clusters:
                %s%s%s""".formatted(admin, port,
                Bootstraps.indent(chain("chain-a", "a"), 4), "\n" + Bootstraps.indent(chain("chain-b", "b"), 4),
                "\n" + Bootstraps.indent(chain("chain-other", "other"), 4),
                port, action("chain-a"), action("chain-b"), action("chain-other"),
                Bootstraps.indent(Bootstraps.cluster("a", false, null, a), 2),
                "\n" + Bootstraps.indent(Bootstraps.cluster("b", false, null, b), 2),
                "\n" + Bootstraps.indent(Bootstraps.cluster("other", false, null, other), 2));
        try (ProxyProcess proxy = ProxyProcess.start(yaml, admin)) {
            assertEquals("a", read("127.0.0.2", port), proxy.log());
            // 127.0.0.3 is in 127/8 only; a loopback source is "local" for SourceTypeInput.
            assertEquals("b", read("127.0.0.3", port), proxy.log());
            assertEquals("b", read("127.0.0.1", port), proxy.log());
        }
    }

    @Test
    void aChainWithNoFiltersClosesWhatItAccepts() throws Exception {
        int a = upstream("a");
        int admin = ProxyProcess.freePort();
        int port = ProxyProcess.freePort();
        String yaml = """
                admin:
                  address: { socket_address: { address: 127.0.0.1, port_value: %d } }
                static_resources:
                  listeners:
                  - name: l
                    address: { socket_address: { address: 0.0.0.0, port_value: %d } }
                    filter_chains:
                    - filter_chain_match: { prefix_ranges: [{ address_prefix: 127.0.0.2, prefix_len: 32 }] }
                      filters:
                      - name: envoy.filters.network.tcp_proxy
                        typed_config: { "@type": type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy, stat_prefix: a, cluster: a }
                    default_filter_chain:
                      filters: []
                  clusters:
                %s""".formatted(admin, port, Bootstraps.indent(Bootstraps.cluster("a", false, null, a), 2));
        try (ProxyProcess proxy = ProxyProcess.start(yaml, admin)) {
            assertEquals("a", read("127.0.0.2", port), proxy.log());
            // Accepted by the empty default chain and closed at once: end of stream, no bytes.
            assertEquals("", read("127.0.0.3", port), proxy.log());
            assertEquals("a", read("127.0.0.2", port), proxy.log());
        }
    }
}
