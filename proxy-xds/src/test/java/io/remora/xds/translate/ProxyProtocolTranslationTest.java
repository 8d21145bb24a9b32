package io.remora.xds.translate;

import io.remora.config.ProxyProtocolConfig;
import io.remora.xds.bootstrap.BootstrapLoader;
import io.remora.xds.bootstrap.LoadedBootstrap;
import org.junit.jupiter.api.Test;

import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The proxy_protocol listener filter's config as Envoy reads it. */
class ProxyProtocolTranslationTest {

    static LoadedBootstrap load(String filter) {
        return new BootstrapLoader().loadString(HcmListenerYaml.networkListener(
                HcmListenerYaml.connectionManager("", "", "- { name: v, domains: [\"*\"], routes: [{ match: { prefix: \"/\" },"
                        + " route: { cluster: c1 } }] }")).replace("    filter_chains:\n",
                "    listener_filters:\n" + filter.indent(4) + "    filter_chains:\n") + HcmListenerYaml.CLUSTER_C1,
                "test.yaml");
    }

    @Test
    void readAsEnvoy() {
        LoadedBootstrap b = load("""
                - name: envoy.filters.listener.proxy_protocol
                  typed_config:
                    "@type": type.googleapis.com/envoy.extensions.filters.listener.proxy_protocol.v3.ProxyProtocol
                    allow_requests_without_proxy_protocol: true
                    disallowed_versions: [V2]
                    rules: [{ tlv_type: 4, on_tlv_present: { key: k } }]
                """);
        assertEquals(new ProxyProtocolConfig(true, Set.of(2), java.util.List.of(
                new ProxyProtocolConfig.TlvRule(4, "envoy.filters.listener.proxy_protocol", "k"))),
                b.model().listeners().get(0).proxyProtocol());
        assertTrue(b.warnings().stream().noneMatch(w -> w.contains("rules")), b.warnings().toString());

        ProxyProtocolConfig byName = load("- name: envoy.filters.listener.proxy_protocol").model().listeners().get(0)
                .proxyProtocol();
        assertEquals(new ProxyProtocolConfig(false, Set.of()), byName);
    }

    @Test
    void passThroughTlvsKeepTlvsForUpstreamHeaders() {
        String filter = "- name: envoy.filters.listener.proxy_protocol\n  typed_config: { \"@type\":"
                + " type.googleapis.com/envoy.extensions.filters.listener.proxy_protocol.v3.ProxyProtocol,"
                + " pass_through_tlvs: PASS }";
        LoadedBootstrap b = load(filter.replace("PASS", "{ match_type: INCLUDE, tlv_type: [5, 6] }"));
        ProxyProtocolConfig c = b.model().listeners().get(0).proxyProtocol();
        assertTrue(c.keepsTlv(5) && c.keepsTlv(6) && !c.keepsTlv(7), c.toString());
        assertTrue(b.warnings().stream().noneMatch(w -> w.contains("pass_through_tlvs")), b.warnings().toString());
        assertTrue(load(filter.replace("PASS", "{}")).model().listeners().get(0).proxyProtocol().passAllTlvs(),
                "INCLUDE_ALL is the default");
    }

    /** stat_prefix scopes the filter's proxy_proto.* stats; nothing is warned about. */
    @Test
    void statPrefixIsKept() {
        LoadedBootstrap b = load("""
                - name: envoy.filters.listener.proxy_protocol
                  typed_config:
                    "@type": type.googleapis.com/envoy.extensions.filters.listener.proxy_protocol.v3.ProxyProtocol
                    stat_prefix: edge
                """);
        assertEquals("edge", b.model().listeners().get(0).proxyProtocol().statPrefix());
        assertTrue(b.warnings().stream().noneMatch(w -> w.contains("stat_prefix")), b.warnings().toString());
    }

    /** Envoy's Config refuses a filter that disallows both versions. */
    @Test
    void bothVersionsDisallowedIsRefused() {
        TranslationException e = assertThrows(TranslationException.class, () -> load("""
                - name: envoy.filters.listener.proxy_protocol
                  typed_config:
                    "@type": type.googleapis.com/envoy.extensions.filters.listener.proxy_protocol.v3.ProxyProtocol
                    disallowed_versions: [V1, V2]
                """));
        assertTrue(e.getMessage().contains("static_resources.listeners[0].listener_filters[0].typed_config.disallowed_versions")
                && e.getMessage().contains("all proxy protocol versions are disallowed"), e.getMessage());
    }
}
