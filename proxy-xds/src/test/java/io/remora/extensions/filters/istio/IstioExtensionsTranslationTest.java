package io.remora.extensions.filters.istio;

import io.remora.config.HttpConnectionManagerConfig;
import io.remora.config.HttpFilterEntry;
import io.remora.config.ListenerConfig;
import io.remora.extensions.filters.istio.alpn.AlpnOverrideConfig;
import io.remora.extensions.filters.istio.metadata_exchange.MetadataExchangeConfig;
import io.remora.extensions.filters.istio.peer_metadata.PeerMetadataConfig;
import io.remora.extensions.filters.istio.stats.IstioStatsConfig;
import io.remora.extensions.filters.istio.stats.IstioTcpStatsConfig;
import io.remora.extensions.filters.istio.stats.StatsPluginSettings;
import io.remora.xds.bootstrap.BootstrapLoader;
import io.remora.xds.bootstrap.LoadedBootstrap;
import io.remora.xds.translate.TranslationException;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Istio's extension configs read by istio/api's field numbers — as their own types, in
 * TypedStructs and as null-VM Wasm plugins — and refused by field path where Remora cannot run them.
 */
class IstioExtensionsTranslationTest {

    private static final String HCM = "static_resources.listeners[0].filter_chains[0].filters[0].typed_config";

    private static String http(String direction, String filters) {
        return """
                static_resources:
                  clusters: [{ name: c }]
                  listeners:
                  - name: l0
                    address: { socket_address: { address: 127.0.0.1, port_value: 10000 } }
                    traffic_direction: %s
                    filter_chains:
                    - filters:
                      - name: envoy.filters.network.http_connection_manager
                        typed_config:
                          "@type": type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager
                          stat_prefix: p
                          route_config: { virtual_hosts: [{ name: v, domains: ['*'], routes: [] }] }
                          http_filters:
                %s
                          - name: envoy.filters.http.router
                            typed_config: { "@type": type.googleapis.com/envoy.extensions.filters.http.router.v3.Router }
                """.formatted(direction, filters.stripTrailing().indent(10).stripTrailing());
    }

    private static String tcp(String filters) {
        return """
                static_resources:
                  clusters: [{ name: c }]
                  listeners:
                  - name: l0
                    address: { socket_address: { address: 127.0.0.1, port_value: 10000 } }
                    traffic_direction: INBOUND
                    filter_chains:
                    - filters:
                %s
                      - name: envoy.filters.network.tcp_proxy
                        typed_config:
                          "@type": type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy
                          stat_prefix: c
                          cluster: c
                """.formatted(filters.stripTrailing().indent(6).stripTrailing());
    }

    private static LoadedBootstrap load(String yaml) {
        return new BootstrapLoader().loadString(yaml, "t.yaml");
    }

    private static List<HttpFilterEntry> httpFilters(LoadedBootstrap lb) {
        return assertInstanceOf(HttpConnectionManagerConfig.class,
                lb.model().listeners().get(0).filterChains().get(0).terminalFilter()).httpFilters();
    }

    @Test
    void statsPluginConfigFields() {
        LoadedBootstrap lb = load(http("INBOUND", """
                - name: istio.stats
                  typed_config:
                    "@type": type.googleapis.com/stats.PluginConfig
                    disable_host_header_fallback: true
                    tcp_reporting_duration: 10s
                    metrics:
                    - name: request_bytes
                      drop: true
                    - tags_to_remove: [source_principal, destination_principal, not_a_tag]
                    - name: requests_total
                      tags_to_remove: [response_flags]
                      dimensions: { request_host: request.host }
                """));
        StatsPluginSettings s = assertInstanceOf(IstioStatsConfig.class, httpFilters(lb).get(0).config()).settings();
        assertEquals(StatsPluginSettings.Reporter.SERVER_SIDECAR, s.reporter(), "inbound listener: destination");
        assertTrue(s.disableHostHeaderFallback());
        assertEquals(10_000, s.tcpReportingMillis());
        assertEquals(Set.of("istio_request_bytes"), s.dropped());
        assertEquals(Set.of("source_principal", "destination_principal", "response_flags"),
                s.removedTags().get("istio_requests_total"));
        assertEquals(Set.of("source_principal", "destination_principal"),
                s.removedTags().get("istio_tcp_sent_bytes_total"));
        assertTrue(lb.warnings().stream().anyMatch(w -> w.contains("not_a_tag")), lb.warnings().toString());
        // A CEL dimension adds its tag to the metric named.
        assertEquals(Set.of("request_host"), s.dimensions().get("istio_requests_total").keySet());
        assertFalse(s.dimensions().containsKey("istio_request_duration_milliseconds"));
    }

    @Test
    void reporterFollowsTheListenerUnlessAGateway() {
        StatsPluginSettings out = assertInstanceOf(IstioStatsConfig.class, httpFilters(load(http("OUTBOUND", """
                - name: istio.stats
                  typed_config: { "@type": type.googleapis.com/stats.PluginConfig }
                """))).get(0).config()).settings();
        assertEquals(StatsPluginSettings.Reporter.CLIENT_SIDECAR, out.reporter());
        StatsPluginSettings gw = assertInstanceOf(IstioStatsConfig.class, httpFilters(load(http("INBOUND", """
                - name: istio.stats
                  typed_config:
                    "@type": type.googleapis.com/udpa.type.v1.TypedStruct
                    type_url: type.googleapis.com/stats.PluginConfig
                    value: { reporter: SERVER_GATEWAY }
                """))).get(0).config()).settings();
        assertEquals(StatsPluginSettings.Reporter.SERVER_GATEWAY, gw.reporter());
        assertEquals("waypoint", gw.reporter().label);
    }

    @Test
    void nullVmWasmPluginsAreTheNativeFilters() {
        LoadedBootstrap lb = load(http("OUTBOUND", """
                - name: istio.metadata_exchange
                  typed_config:
                    "@type": type.googleapis.com/envoy.extensions.filters.http.wasm.v3.Wasm
                    config:
                      vm_config:
                        runtime: envoy.wasm.runtime.null
                        code: { local: { inline_string: envoy.wasm.metadata_exchange } }
                      configuration:
                        "@type": type.googleapis.com/envoy.tcp.metadataexchange.config.MetadataExchange
                - name: istio.stats
                  typed_config:
                    "@type": type.googleapis.com/envoy.extensions.filters.http.wasm.v3.Wasm
                    config:
                      vm_config:
                        runtime: envoy.wasm.runtime.null
                        code: { local: { inline_string: envoy.wasm.stats } }
                      configuration:
                        "@type": type.googleapis.com/google.protobuf.StringValue
                        value: '{"debug": "false", "stat_prefix": "istio", "disable_host_header_fallback": true}'
                """));
        List<HttpFilterEntry> f = httpFilters(lb);
        PeerMetadataConfig mx = assertInstanceOf(PeerMetadataConfig.class, f.get(0).config());
        assertTrue(mx.upstreamPropagation(), "outbound: the request carries this workload");
        assertFalse(mx.downstreamPropagation(), "outbound: responses to the app do not");
        assertEquals(List.of(PeerMetadataConfig.Method.ISTIO_HEADERS), mx.upstreamDiscovery());
        StatsPluginSettings s = assertInstanceOf(IstioStatsConfig.class, f.get(1).config()).settings();
        assertTrue(s.disableHostHeaderFallback());
        assertEquals(StatsPluginSettings.Reporter.CLIENT_SIDECAR, s.reporter());
        assertTrue(lb.warnings().isEmpty(), lb.warnings().toString());
    }

    @Test
    void otherWasmIsRefusedByFieldPath() {
        TranslationException e = assertThrows(TranslationException.class, () -> load(http("OUTBOUND", """
                - name: my.wasm
                  typed_config:
                    "@type": type.googleapis.com/envoy.extensions.filters.http.wasm.v3.Wasm
                    config:
                      vm_config:
                        runtime: envoy.wasm.runtime.v8
                        code: { local: { filename: /etc/istio/extensions/plugin.wasm } }
                """)));
        assertEquals(HCM + ".http_filters[0].typed_config.config.vm_config.runtime", e.path());
        e = assertThrows(TranslationException.class, () -> load(http("OUTBOUND", """
                - name: my.wasm
                  typed_config:
                    "@type": type.googleapis.com/envoy.extensions.filters.http.wasm.v3.Wasm
                    config:
                      vm_config:
                        runtime: envoy.wasm.runtime.null
                        code: { local: { inline_string: envoy.wasm.attributegen } }
                """)));
        assertEquals(HCM + ".http_filters[0].typed_config.config.vm_config.code.local.inline_string", e.path());
        assertTrue(e.reason().contains("envoy.wasm.attributegen"), e.reason());
    }

    @Test
    void optionalWasmIsSkipped() {
        LoadedBootstrap lb = load(http("OUTBOUND", """
                - name: my.wasm
                  is_optional: true
                  typed_config:
                    "@type": type.googleapis.com/envoy.extensions.filters.http.wasm.v3.Wasm
                    config:
                      vm_config:
                        runtime: envoy.wasm.runtime.v8
                        code: { local: { filename: /etc/istio/extensions/plugin.wasm } }
                """));
        assertEquals(1, httpFilters(lb).size(), "only the router");
        assertEquals(1, lb.warnings().stream().filter(w -> w.contains("my.wasm")).count(), lb.warnings().toString());
    }

    /** The HBONE filters of a sidecar's connect_terminate: connect_authority acts by its per-route config. */
    @Test
    void connectFilters() {
        String route = """
                - name: connect_baggage
                  typed_config: { "@type": type.googleapis.com/udpa.type.v1.TypedStruct, type_url: type.googleapis.com/io.istio.http.connect_baggage.Config }
                - name: connect_authority
                  typed_config: { "@type": type.googleapis.com/udpa.type.v1.TypedStruct, type_url: type.googleapis.com/io.istio.http.connect_authority.Config }
                """;
        String perRoute = "routes: [{ match: { connect_matcher: {} }, route: { cluster: c }, typed_per_filter_config: {"
                + " connect_authority: { \"@type\": type.googleapis.com/udpa.type.v1.TypedStruct,"
                + " type_url: type.googleapis.com/io.istio.http.connect_authority.Config, value: PORT } } }]";
        LoadedBootstrap lb = load(http("INBOUND", route).replace("routes: []",
                perRoute.replace("PORT", "{ enabled: true, port: 15008 }")));
        List<HttpFilterEntry> filters = httpFilters(lb);
        assertEquals(List.of("connect_baggage", "connect_authority", "envoy.filters.http.router"),
                filters.stream().map(HttpFilterEntry::name).toList());
        var hcm = assertInstanceOf(HttpConnectionManagerConfig.class,
                lb.model().listeners().get(0).filterChains().get(0).terminalFilter());
        assertEquals(new io.remora.extensions.filters.istio.connect.ConnectAuthorityRouteConfig(true, 15008),
                hcm.routeConfig().virtualHosts().get(0).routes().get(0).perFilterConfigs().get("connect_authority")
                        .config());
        TranslationException e = assertThrows(TranslationException.class, () -> load(http("INBOUND", route)
                .replace("routes: []", perRoute.replace("PORT", "{ enabled: true, port: 70000 }"))));
        assertTrue(e.path().endsWith("typed_per_filter_config[\"connect_authority\"].port"), e.path());
    }

    @Test
    void networkFilters() {
        LoadedBootstrap lb = load(tcp("""
                - name: istio_authn
                  typed_config:
                    "@type": type.googleapis.com/udpa.type.v1.TypedStruct
                    type_url: type.googleapis.com/io.istio.network.authn.Config
                    value: { shared: true }
                - name: istio.metadata_exchange
                  typed_config:
                    "@type": type.googleapis.com/udpa.type.v1.TypedStruct
                    type_url: type.googleapis.com/envoy.tcp.metadataexchange.config.MetadataExchange
                    value: { protocol: istio-peer-exchange }
                - name: istio.stats
                  typed_config:
                    "@type": type.googleapis.com/envoy.extensions.filters.network.wasm.v3.Wasm
                    config:
                      vm_config:
                        runtime: envoy.wasm.runtime.null
                        code: { local: { inline_string: envoy.wasm.stats } }
                      configuration:
                        "@type": type.googleapis.com/stats.PluginConfig
                        tcp_reporting_duration: 2s
                """));
        var filters = lb.model().listeners().get(0).filterChains().get(0).filters();
        assertEquals(4, filters.size());
        assertTrue(assertInstanceOf(io.remora.extensions.filters.istio.authn.IstioAuthnConfig.class, filters.get(0))
                .shared());
        assertEquals("istio-peer-exchange", assertInstanceOf(MetadataExchangeConfig.class, filters.get(1)).protocol());
        IstioTcpStatsConfig stats = assertInstanceOf(IstioTcpStatsConfig.class, filters.get(2));
        assertEquals(2000, stats.settings().tcpReportingMillis());
        assertEquals(StatsPluginSettings.Reporter.SERVER_SIDECAR, stats.settings().reporter());
        assertEquals(ListenerConfig.TrafficDirection.INBOUND, lb.model().listeners().get(0).direction());
    }

    @Test
    void networkRefusals() {
        TranslationException e = assertThrows(TranslationException.class, () -> load(tcp("""
                - name: istio.metadata_exchange
                  typed_config: { "@type": type.googleapis.com/envoy.tcp.metadataexchange.config.MetadataExchange }
                """)));
        assertEquals("static_resources.listeners[0].filter_chains[0].filters[0].typed_config.protocol", e.path());
        e = assertThrows(TranslationException.class, () -> load(tcp("""
                - name: mx
                  typed_config:
                    "@type": type.googleapis.com/envoy.extensions.filters.network.wasm.v3.Wasm
                    config:
                      vm_config:
                        runtime: envoy.wasm.runtime.null
                        code: { local: { inline_string: envoy.wasm.metadata_exchange } }
                """)));
        assertEquals("static_resources.listeners[0].filter_chains[0].filters[0].typed_config.config.vm_config.code"
                + ".local.inline_string", e.path());
    }

    @Test
    void alpnOverrides() {
        AlpnOverrideConfig a = assertInstanceOf(AlpnOverrideConfig.class, httpFilters(load(http("OUTBOUND", """
                - name: istio.alpn
                  typed_config:
                    "@type": type.googleapis.com/istio.envoy.config.filter.http.alpn.v2alpha1.FilterConfig
                    alpn_override:
                    - { alpn_override: [istio-http/1.0, istio, http/1.0] }
                    - { upstream_protocol: HTTP2, alpn_override: [istio-h2, istio, h2] }
                """))).get(0).config());
        assertEquals(List.of("istio-http/1.0", "istio", "http/1.0"), a.overrides().get("HTTP10"));
        assertEquals(List.of("istio-h2", "istio", "h2"), a.overrides().get("HTTP2"));
        TranslationException e = assertThrows(TranslationException.class, () -> load(http("OUTBOUND", """
                - name: istio.alpn
                  typed_config:
                    "@type": type.googleapis.com/istio.envoy.config.filter.http.alpn.v2alpha1.FilterConfig
                    alpn_override:
                    - { upstream_protocol: HTTP2, alpn_override: [a] }
                    - { upstream_protocol: HTTP2, alpn_override: [b] }
                """)));
        assertEquals(HCM + ".http_filters[0].typed_config.alpn_override[1].upstream_protocol", e.path());
    }

    @Test
    void clusterFiltersBecomeUpstreamNetworkFilters() {
        LoadedBootstrap lb = load("""
                static_resources:
                  clusters:
                  - name: outbound|9000||echo
                    filters:
                    - name: istio.metadata_exchange
                      typed_config:
                        "@type": type.googleapis.com/envoy.tcp.metadataexchange.config.MetadataExchange
                        protocol: istio-peer-exchange
                    - name: envoy.filters.upstream_network.some_future_filter
                """);
        var filters = lb.model().clusters().get("outbound|9000||echo").upstreamFilters();
        assertEquals(List.of(new MetadataExchangeConfig("istio.metadata_exchange", "istio-peer-exchange", true)), filters,
                "the client side of the exchange, and nothing for the filter Remora does not have");
        assertTrue(lb.warnings().stream().anyMatch(w -> w.contains("some_future_filter")
                && w.contains("static_resources.clusters[0].filters[1]")), lb.warnings().toString());

        TranslationException e = assertThrows(TranslationException.class, () -> load("""
                static_resources:
                  clusters:
                  - name: c
                    filters:
                    - name: istio.metadata_exchange
                      typed_config:
                        "@type": type.googleapis.com/envoy.tcp.metadataexchange.config.MetadataExchange
                """));
        assertTrue(e.getMessage().contains("static_resources.clusters[0].filters[0].typed_config.protocol"), e.getMessage());
    }
}
