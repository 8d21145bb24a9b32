package io.remora.xds.translate;

import io.remora.config.HeaderMutation;
import io.remora.config.TcpProxyConfig;
import io.remora.config.TunnelingConfig;
import io.remora.xds.bootstrap.BootstrapLoader;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** tcp_proxy's tunneling_config: Istio's connect_originate shape read, and Envoy's constraints refused by path. */
class TcpTunnelingTranslationTest {

    private static String bootstrap(String tunneling) {
        return """
                static_resources:
                  clusters: [{ name: hbone }]
                  listeners:
                  - name: connect_originate
                    address: { socket_address: { address: 127.0.0.1, port_value: 15019 } }
                    filter_chains:
                    - filters:
                      - name: envoy.filters.network.tcp_proxy
                        typed_config:
                          "@type": type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy
                          stat_prefix: connect_originate
                          cluster: hbone
                          tunneling_config:
                %s
                """.formatted(tunneling.stripTrailing().indent(12).stripTrailing());
    }

    private static TcpProxyConfig load(String tunneling) {
        var model = new BootstrapLoader().loadString(bootstrap(tunneling), "t.yaml").model();
        return assertInstanceOf(TcpProxyConfig.class, model.listeners().get(0).filterChains().get(0).filters().get(0));
    }

    @Test
    void istiosConnectOriginateIsRead() {
        TcpProxyConfig c = load("""
                hostname: "%DOWNSTREAM_LOCAL_ADDRESS%"
                headers_to_add:
                - header: { key: baggage, value: "k8s.namespace.name=default" }
                """);
        assertEquals(new TunnelingConfig("%DOWNSTREAM_LOCAL_ADDRESS%", false, "/", List.of(
                new HeaderMutation.HeaderValueOption("baggage", "k8s.namespace.name=default",
                        HeaderMutation.AppendAction.APPEND_IF_EXISTS_OR_ADD, false))), c.tunneling());
        assertEquals(new TunnelingConfig("h:1", true, "/tunnel", List.of()),
                load("{ hostname: h:1, use_post: true, post_path: /tunnel }").tunneling());
        assertEquals(new TunnelingConfig("h:1", false, "/", List.of(), true, false),
                load("{ hostname: h:1, propagate_response_headers: true }").tunneling());
        assertEquals(new TunnelingConfig("h:1", false, "/", List.of(), false, true),
                load("{ hostname: h:1, propagate_response_trailers: true }").tunneling());
    }

    @Test
    void envoysConstraintsAreRefusedByPath() {
        String base = "static_resources.listeners[0].filter_chains[0].filters[0].typed_config.tunneling_config.";
        for (String[] c : new String[][]{
                {"{ hostname: '' }", base + "hostname"},
                {"{ hostname: '%NOT_AN_OPERATOR%' }", base + "hostname"},
                {"{ hostname: h, post_path: /p }", base + "post_path"},
                {"{ hostname: h, use_post: true, post_path: p }", base + "post_path"},
                {"{ hostname: h, headers_to_add: [{ header: { key: x, value: '%BOGUS%' } }] }",
                        base + "headers_to_add[0].header.value"}}) {
            TranslationException e = assertThrows(TranslationException.class, () -> load(c[0]), c[0]);
            assertTrue(e.getMessage().contains(c[1]), e.getMessage());
        }
    }

    @Test
    void maxDownstreamConnectionDurationHashPolicyAndWarnedFields() {
        String yaml = bootstrap("hostname: h:1").replace("          tunneling_config:\n            hostname: h:1\n",
                """
                          max_downstream_connection_duration: 2s
                          hash_policy: [{ source_ip: {} }]
                          on_demand: {}
                """);
        var loaded = new BootstrapLoader().loadString(yaml, "t.yaml");
        TcpProxyConfig c = assertInstanceOf(TcpProxyConfig.class,
                loaded.model().listeners().get(0).filterChains().get(0).filters().get(0));
        assertEquals(java.time.Duration.ofSeconds(2), c.maxDownstreamConnectionDuration());
        assertEquals(List.of(new io.remora.config.HashPolicy.SourceIp(false)), c.hashPolicies());
        assertTrue(loaded.warnings().stream().anyMatch(w -> w.contains("typed_config.on_demand")),
                loaded.warnings().toString());
        var e = assertThrows(TranslationException.class, () -> new BootstrapLoader().loadString(
                yaml.replace("max_downstream_connection_duration: 2s", "max_downstream_connection_duration: 0s"),
                "t.yaml"));
        assertTrue(e.getMessage().contains("typed_config.max_downstream_connection_duration"), e.getMessage());
    }
}
