package io.remora.xds.translate;

import io.remora.config.Address;
import io.remora.config.CidrRange;
import io.remora.config.ListenerConfig;
import io.remora.xds.bootstrap.BootstrapLoader;
import io.remora.xds.bootstrap.LoadedBootstrap;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A listener's access_log, additional_addresses and filter_chain_match.direct_source_prefix_ranges. */
class ListenerSocketsTranslationTest {

    /** Listener l0 with {@code listenerFields} and one filter chain whose filter_chain_match is {@code match}. */
    static String yaml(String listenerFields, String match) {
        String base = HcmListenerYaml.networkListener(HcmListenerYaml.connectionManager("", "",
                "- { name: v, domains: [\"*\"], routes: [{ match: { prefix: \"/\" }, route: { cluster: c1 } }] }"))
                + HcmListenerYaml.CLUSTER_C1;
        return base.replace("    filter_chains:\n    - filters:\n", listenerFields.indent(4) + "    filter_chains:\n"
                + "    - filter_chain_match: " + match + "\n      filters:\n");
    }

    static LoadedBootstrap load(String listenerFields, String match) {
        return new BootstrapLoader().loadString(yaml(listenerFields, match), "test.yaml");
    }

    static TranslationException refused(String listenerFields, String match) {
        return assertThrows(TranslationException.class, () -> load(listenerFields, match));
    }

    @Test
    void allThreeAreTranslated() {
        LoadedBootstrap b = load("""
                additional_addresses:
                - address: { socket_address: { address: "::1", port_value: 10000 } }
                access_log:
                - name: envoy.access_loggers.stdout
                  typed_config: { "@type": type.googleapis.com/envoy.extensions.access_loggers.stream.v3.StdoutAccessLog }
                  filter: { response_flag_filter: { flags: [NR] } }
                """, "{ direct_source_prefix_ranges: [{ address_prefix: 10.0.0.0, prefix_len: 8 }] }");
        ListenerConfig l = b.model().listeners().get(0);
        assertEquals(List.of(new Address.Tcp("::1", 10000, false)), l.additionalAddresses());
        assertEquals(1, l.accessLogs().size());
        assertEquals(List.of(new CidrRange("10.0.0.0", 8)), l.filterChains().get(0).match().directSourcePrefixRanges());
        assertTrue(b.warnings().stream().noneMatch(w -> w.contains("additional_addresses") || w.contains("access log")),
                b.warnings().toString());
    }

    @Test
    void socketOptionsOfTheListenerAndOfAnAdditionalAddress() {
        LoadedBootstrap b = load("""
                additional_addresses:
                - address: { socket_address: { address: 127.0.0.2, port_value: 10000 } }
                  socket_options: { socket_options: [{ level: 1, name: 9, int_value: 1 }] }
                - address: { socket_address: { address: 127.0.0.3, port_value: 10000 } }
                  socket_options: {}
                """, "{}");
        assertEquals(java.util.Map.of(
                        new io.remora.config.Address.Tcp("127.0.0.2", 10000),
                        java.util.List.of(new io.remora.config.SocketOption("", 1, 9, 1, null)),
                        new io.remora.config.Address.Tcp("127.0.0.3", 10000), java.util.List.of()),
                b.model().listeners().get(0).addressSocketOptions(), "an empty override applies none");
        LoadedBootstrap own = load("socket_options: [{ level: 1, name: 9, int_value: 1 },"
                + " { description: mark, level: 1, name: 36, buf_value: \"AQAAAA==\" }]", "{}");
        assertTrue(own.warnings().stream().noneMatch(w -> w.contains("socket_options")), own.warnings().toString());
        assertEquals(java.util.List.of(new io.remora.config.SocketOption("", 1, 9, 1, null),
                        new io.remora.config.SocketOption("mark", 1, 36, 0, "01000000")),
                own.model().listeners().get(0).socketOptions());
        assertEquals("static_resources.listeners[0].socket_options[0]",
                refused("socket_options: [{ level: 1, name: 9 }]", "{}").path());
    }

    @Test
    void badAdditionalAddressesNameTheField() {
        var pipe = refused("""
                additional_addresses:
                - address: { pipe: { path: /tmp/x.sock } }
                """, "{}");
        assertEquals("static_resources.listeners[0].additional_addresses[0].address", pipe.path());
        var same = refused("""
                additional_addresses:
                - address: { socket_address: { address: 127.0.0.1, port_value: 10000 } }
                """, "{}");
        assertEquals("static_resources.listeners[0].additional_addresses[0].address", same.path());
        var missing = refused("additional_addresses: [{}]", "{}");
        assertEquals("static_resources.listeners[0].additional_addresses[0].address", missing.path());
    }

    @Test
    void addressSuffixStaysRefusedAsEnvoyDoesNotImplementIt() {
        var e = refused("", "{ address_suffix: \"0.0.0.1\" }");
        assertEquals("static_resources.listeners[0].filter_chains[0].filter_chain_match.address_suffix", e.path());
        var len = refused("", "{ suffix_len: 8 }");
        assertEquals("static_resources.listeners[0].filter_chains[0].filter_chain_match.suffix_len", len.path());
    }

    @Test
    void socketFieldsAreTranslatedWithEnvoysDefaults() {
        ListenerConfig defaults = load("", "{}").model().listeners().get(0);
        assertEquals(io.remora.config.ListenerSocketConfig.DEFAULT, defaults.socket());
        assertEquals(ListenerConfig.DrainType.DEFAULT, defaults.drainType());
        assertEquals(-1, defaults.socket().tcpBacklogSize(), "listen(-1): net.core.somaxconn, as Envoy on Linux");
        assertTrue(defaults.socket().reusePort());
        ListenerConfig set = load("""
                tcp_backlog_size: 7
                enable_reuse_port: false
                connection_balance_config: { exact_balance: {} }
                max_connections_to_accept_per_socket_event: 3
                tcp_fast_open_queue_length: 0
                drain_type: MODIFY_ONLY
                """, "{}").model().listeners().get(0);
        assertEquals(io.remora.config.ListenerSocketConfig.builder().tcpBacklogSize(7).reusePort(false)
                .exactBalance(true).maxAcceptPerEvent(3).tcpFastOpenQueueLength(0).build(), set.socket());
        assertEquals(ListenerConfig.DrainType.MODIFY_ONLY, set.drainType());
    }

    @Test
    void socketFieldsEnvoyRefusesNameTheField() {
        assertEquals("static_resources.listeners[0].enable_mptcp", refused("enable_mptcp: true", "{}").path());
        var ext = refused("""
                connection_balance_config:
                  extend_balance:
                    name: my.balancer
                    typed_config: { "@type": type.googleapis.com/google.protobuf.Struct }
                """, "{}");
        assertEquals("static_resources.listeners[0].connection_balance_config.extend_balance", ext.path());
        assertTrue(ext.getMessage().contains("my.balancer"), ext.getMessage());
        assertEquals("static_resources.listeners[0].connection_balance_config",
                refused("connection_balance_config: {}", "{}").path());
        assertEquals("static_resources.listeners[0].max_connections_to_accept_per_socket_event",
                refused("max_connections_to_accept_per_socket_event: 0", "{}").path());
    }

    @Test
    void internalListenersHaveNoSocketToTune() {
        String internal = yaml("tcp_backlog_size: 7", "{}")
                .replaceFirst("address: \\{ socket_address: \\{[^}]*} }", "internal_listener: {}");
        assertTrue(internal.contains("internal_listener"), internal);
        var e = assertThrows(TranslationException.class,
                () -> new BootstrapLoader().loadString(internal, "test.yaml"));
        assertEquals("static_resources.listeners[0].tcp_backlog_size", e.path());
    }
}
