package io.remora.xds.translate;

import io.remora.config.Address;
import io.remora.config.BindConfig;
import io.remora.config.ClusterConfig;
import io.remora.config.ListenerConfig;
import io.remora.config.ServerConfig;
import io.remora.xds.bootstrap.BootstrapLoader;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The capture-related parts of listeners and clusters: bind config, original_src, freebind,
 * internal listeners and addresses, filter_chain_matcher validation; bad input names its path.
 */
class CaptureConfigTranslationTest {

    private static final String TCP_CHAIN = """
                filter_chains:
                - name: c
                  filters:
                  - name: envoy.filters.network.tcp_proxy
                    typed_config: { "@type": type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy, stat_prefix: t, cluster: c1 }
            """;

    private static String config(String listenerExtra, String clusterExtra) {
        return """
                static_resources:
                  listeners:
                  - name: l0
                    address: { socket_address: { address: 0.0.0.0, port_value: 15006 } }
                %s%s  clusters:
                  - name: c1
                    type: ORIGINAL_DST
                    lb_policy: CLUSTER_PROVIDED
                %s""".formatted(listenerExtra, TCP_CHAIN, clusterExtra);
    }

    private static ServerConfig load(String yaml) {
        return new BootstrapLoader().loadString(yaml, "test.yaml").model();
    }

    private static TranslationException fail(String yaml) {
        return assertThrows(TranslationException.class, () -> new BootstrapLoader().loadString(yaml, "test.yaml"));
    }

    @Test
    void bindConfigSourceFreebindAndExtraAddress() {
        ServerConfig c = load(config("", """
                    upstream_bind_config:
                      source_address: { address: 127.0.0.6, port_value: 0 }
                      freebind: true
                      extra_source_addresses: [{ address: { address: "::6", port_value: 0 } }]
                """));
        ClusterConfig cc = c.clusters().get("c1");
        assertEquals(new BindConfig(new Address.Tcp("127.0.0.6", 0), true, List.of(new Address.Tcp("::6", 0))),
                cc.upstreamBind());
    }

    @Test
    void bindConfigErrorsNameTheField() {
        var e = fail(config("", """
                    upstream_bind_config: { source_address: { address: localhost, port_value: 0 } }
                """));
        assertEquals("static_resources.clusters[0].upstream_bind_config.source_address.address", e.path());
        e = fail(config("", """
                    upstream_bind_config:
                      source_address: { address: 127.0.0.6, port_value: 0 }
                      extra_source_addresses: [{ address: { address: 127.0.0.7, port_value: 0 } }]
                """));
        assertEquals("static_resources.clusters[0].upstream_bind_config.extra_source_addresses", e.path());
        assertTrue(e.reason().contains("other IP version"), e.reason());
    }

    @Test
    void originalSrcTransparentAndFreebind() {
        ListenerConfig l = load(config("""
                    transparent: true
                    freebind: true
                    listener_filters:
                    - name: envoy.filters.listener.original_dst
                      typed_config: { "@type": type.googleapis.com/envoy.extensions.filters.listener.original_dst.v3.OriginalDst }
                    - name: envoy.filters.listener.original_src
                      typed_config: { "@type": type.googleapis.com/envoy.extensions.filters.listener.original_src.v3.OriginalSrc, mark: 1337 }
                """, "")).listeners().get(0);
        assertEquals(new ListenerConfig.OriginalSrc(false, 1337), l.originalSrc());
        assertTrue(l.transparent() && l.freebind());
        // As Istio's virtualInbound: the filter recovers the destination, but without
        // use_original_dst the connection is never handed to the listener of that address.
        assertTrue(l.listenerFilters().contains(ListenerConfig.ListenerFilter.ORIGINAL_DST));
        assertFalse(l.useOriginalDst());
        assertNull(load(config("", "")).listeners().get(0).originalSrc());
    }

    @Test
    void internalListenerAndInternalEndpoints() {
        ServerConfig c = load("""
                static_resources:
                  listeners:
                  - name: inner
                    internal_listener: {}
                %s  clusters:
                  - name: c1
                    load_assignment:
                      cluster_name: c1
                      endpoints: [{ lb_endpoints: [{ endpoint: { address: { envoy_internal_address: { server_listener_name: inner, endpoint_id: "10.0.0.1:80" } } } }] }]
                """.formatted(TCP_CHAIN));
        assertEquals(new Address.Internal("inner", ""), c.listeners().get(0).address());
        assertEquals(new Address.Internal("inner", "10.0.0.1:80"),
                c.clusters().get("c1").loadAssignment().endpoints().get(0).lbEndpoints().get(0).address());
        var e = fail("""
                static_resources:
                  listeners:
                  - name: inner
                    internal_listener: {}
                    address: { socket_address: { address: 0.0.0.0, port_value: 1 } }
                %s""".formatted(TCP_CHAIN));
        assertEquals("static_resources.listeners[0].address", e.path());
        e = fail("""
                static_resources:
                  listeners:
                  - name: l
                    address: { envoy_internal_address: { server_listener_name: x } }
                %s""".formatted(TCP_CHAIN));
        assertEquals("static_resources.listeners[0].address.envoy_internal_address", e.path());
        // Envoy: "address should not be used when an internal listener config is provided"
        e = fail("""
                static_resources:
                  listeners:
                  - name: inner
                    internal_listener: {}
                    address: { envoy_internal_address: { server_listener_name: inner } }
                %s""".formatted(TCP_CHAIN));
        assertEquals("static_resources.listeners[0].address", e.path());
    }

    @Test
    void aChainWithNoFiltersIsAccepted() {
        // Envoy's internal listener docs example: the chain closes what it accepts.
        ServerConfig c = load("""
                static_resources:
                  listeners:
                  - name: inner
                    internal_listener: {}
                    filter_chains:
                    - filters: []
                """);
        assertEquals(List.of(), c.listeners().get(0).filterChains().get(0).filters());
        assertNull(c.listeners().get(0).filterChains().get(0).terminalFilter());
    }

    @Test
    void filterChainMatcherNamingAMissingChainIsRefused() {
        var e = fail(config("""
                    filter_chain_matcher:
                      matcher_tree:
                        input: { name: port, typed_config: { "@type": type.googleapis.com/envoy.extensions.matching.common_inputs.network.v3.DestinationPortInput } }
                        exact_match_map:
                          map:
                            "80": { action: { name: nowhere, typed_config: { "@type": type.googleapis.com/google.protobuf.StringValue, value: nowhere } } }
                """, ""));
        assertEquals("static_resources.listeners[0].filter_chain_matcher", e.path());
        assertTrue(e.reason().contains("'nowhere'"), e.reason());
        e = fail(config("""
                    filter_chain_matcher:
                      matcher_tree:
                        input: { name: fs, typed_config: { "@type": type.googleapis.com/envoy.extensions.matching.common_inputs.network.v3.FilterStateInput, key: k } }
                        exact_match_map: { map: { "x": { action: { name: c } } } }
                """, ""));
        assertEquals("static_resources.listeners[0].filter_chain_matcher.matcher_tree.input.typed_config", e.path());
        e = fail(config("""
                    filter_chain_matcher:
                      matcher_tree:
                        input: { name: port, typed_config: { "@type": type.googleapis.com/envoy.extensions.matching.common_inputs.network.v3.DestinationPortInput } }
                        custom_match:
                          name: ip
                          typed_config: { "@type": type.googleapis.com/xds.type.matcher.v3.IPMatcher, range_matchers: [{ ranges: [{ address_prefix: 10.0.0.0, prefix_len: 8 }], on_match: { action: { name: c } } }] }
                """, ""));
        assertEquals("static_resources.listeners[0].filter_chain_matcher.matcher_tree.input", e.path());
    }
}
