package io.remora.xds.translate;

import io.remora.config.HttpFilterEntry;
import io.remora.config.HttpConnectionManagerConfig;
import io.remora.config.TcpProxyConfig;
import io.remora.testing.LogCapture;
import io.remora.xds.bootstrap.BootstrapLoader;
import io.remora.xds.bootstrap.LoadedBootstrap;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.logging.Logger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

/**
 * Optional extensions Remora does not have are skipped with exactly one warning each; Istio's own
 * filters (by their own types or in TypedStructs) are extensions now and translate without one.
 */
class OptionalExtensionTest {

    private static String listener(String name, int port) {
        return """
                  - name: %s
                    address: { socket_address: { address: 127.0.0.1, port_value: %d } }
                    filter_chains:
                    - filters:
                      - name: istio.metadata_exchange
                        typed_config:
                          "@type": type.googleapis.com/udpa.type.v1.TypedStruct
                          type_url: type.googleapis.com/envoy.tcp.metadataexchange.config.MetadataExchange
                          value: { protocol: istio-peer-exchange }
                      - name: envoy.filters.network.http_connection_manager
                        typed_config:
                          "@type": type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager
                          stat_prefix: p
                          tracing:
                            provider:
                              name: envoy.tracers.mystery
                              typed_config: { "@type": type.googleapis.com/mystery.v1.Tracer }
                          route_config: { virtual_hosts: [{ name: v, domains: ['*'], routes: [] }] }
                          http_filters:
                          - name: istio.alpn
                            typed_config:
                              "@type": type.googleapis.com/udpa.type.v1.TypedStruct
                              type_url: type.googleapis.com/istio.envoy.config.filter.http.alpn.v2alpha1.FilterConfig
                          - name: envoy.filters.http.file_system_buffer
                            typed_config: { "@type": type.googleapis.com/envoy.extensions.filters.http.file_system_buffer.v3.FileSystemBufferFilterConfig }
                          - name: custom.optional
                            is_optional: true
                            typed_config: { "@type": type.googleapis.com/acme.filters.Custom }
                          - name: istio.stats
                            typed_config:
                              "@type": type.googleapis.com/udpa.type.v1.TypedStruct
                              type_url: type.googleapis.com/stats.PluginConfig
                              value: { disable_host_header_fallback: true }
                          - name: envoy.filters.http.wasm
                            is_optional: true
                            typed_config: { "@type": type.googleapis.com/envoy.extensions.filters.http.wasm.v3.Wasm }
                          - name: envoy.filters.http.router
                            typed_config: { "@type": type.googleapis.com/envoy.extensions.filters.http.router.v3.Router }
                """.formatted(name, port);
    }

    @Test
    void skippedOncePerExtension() {
        String yaml = "stats_sinks:\n- name: envoy.stat_sinks.mystery\n  typed_config: { \"@type\": type.googleapis.com/mystery.v1.Sink }\n"
                + "static_resources:\n  listeners:\n" + listener("a", 1) + listener("b", 2);
        LoadedBootstrap lb;
        List<String> logged;
        try (LogCapture c = LogCapture.on(Logger.getLogger("remora.config"))) {
            lb = new BootstrapLoader().loadString(yaml, "t.yaml");
            logged = c.messages();
        }
        assertEquals(2, lb.model().listeners().size());
        for (var l : lb.model().listeners()) {
            var filters = l.filterChains().get(0).filters();
            assertEquals(2, filters.size(), "metadata_exchange translated");
            var hcm = assertInstanceOf(HttpConnectionManagerConfig.class, filters.get(1));
            assertEquals(List.of("istio.alpn", "istio.stats", "envoy.filters.http.router"),
                    hcm.httpFilters().stream().map(HttpFilterEntry::name).toList());
        }
        List<String> w = lb.warnings();
        for (String name : List.of("envoy.filters.http.file_system_buffer", "envoy.filters.http.wasm",
                "acme.filters.Custom", "mystery.v1.Sink", "mystery.v1.Tracer")) {
            assertEquals(1, w.stream().filter(s -> s.contains(name)).count(), name + " in " + w);
        }
        for (String name : List.of("istio.metadata_exchange", "istio.alpn", "istio.stats")) {
            assertEquals(0, w.stream().filter(s -> s.contains(name)).count(), name + " in " + w);
        }
        assertEquals(w, logged);
    }

    @Test
    void tcpProxyAfterIstioNetworkFilters() {
        String yaml = """
                static_resources:
                  clusters: [{ name: encap }]
                  listeners:
                  - name: t
                    address: { socket_address: { address: 127.0.0.1, port_value: 1 } }
                    filter_chains:
                    - filters:
                      - name: connect_authority
                        typed_config:
                          "@type": type.googleapis.com/envoy.extensions.filters.network.set_filter_state.v3.Config
                      - name: istio.stats
                        typed_config:
                          "@type": type.googleapis.com/udpa.type.v1.TypedStruct
                          type_url: type.googleapis.com/stats.PluginConfig
                      - name: envoy.filters.network.tcp_proxy
                        typed_config:
                          "@type": type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy
                          stat_prefix: encap
                          cluster: encap
                """;
        var lb = new BootstrapLoader().loadString(yaml, "t.yaml");
        var fc = lb.model().listeners().get(0).filterChains().get(0);
        assertEquals(3, fc.filters().size(), "set_filter_state and istio.stats are extensions now");
        assertInstanceOf(TcpProxyConfig.class, fc.terminalFilter());
        assertEquals(0, lb.warnings().size(), lb.warnings().toString());
    }

    /** An unknown last network filter is not skipped: nothing would be left to serve the connection. */
    @Test
    void anUnknownTerminalNetworkFilterIsNamed() {
        String yaml = """
                static_resources:
                  listeners:
                  - name: r
                    address: { socket_address: { address: 127.0.0.1, port_value: 1 } }
                    filter_chains:
                    - filters:
                      - name: envoy.filters.network.dubbo_proxy
                        typed_config:
                          "@type": type.googleapis.com/envoy.extensions.filters.network.dubbo_proxy.v3.DubboProxy
                          stat_prefix: r
                """;
        TranslationException e = org.junit.jupiter.api.Assertions.assertThrows(TranslationException.class,
                () -> new BootstrapLoader().loadString(yaml, "r.yaml"));
        assertEquals("static_resources.listeners[0].filter_chains[0].filters[0]", e.path());
        org.junit.jupiter.api.Assertions.assertTrue(e.reason().contains("'envoy.filters.network.dubbo_proxy'"),
                e.reason());
        // mongo_proxy is known and not terminal: alone in a chain it is Envoy's "not terminal" error.
        TranslationException m = org.junit.jupiter.api.Assertions.assertThrows(TranslationException.class,
                () -> new BootstrapLoader().loadString(yaml.replace("dubbo_proxy", "mongo_proxy")
                        .replace("DubboProxy", "MongoProxy"), "r.yaml"));
        assertEquals("static_resources.listeners[0].filter_chains[0].filters", m.path());
        org.junit.jupiter.api.Assertions.assertTrue(m.reason().contains("must be terminal"), m.reason());
    }

    /** A bootstrap of one cluster and one listener whose only chain has these filters (list items at column 6). */
    private static String oneChain(String cluster, String filters) {
        return """
                static_resources:
                  clusters: [{ name: %s }]
                  listeners:
                  - name: l
                    address: { socket_address: { address: 127.0.0.1, port_value: 1 } }
                    filter_chains:
                    - filters:
                """.formatted(cluster) + filters;
    }

    private static String contribChain(String settings) {
        return oneChain("db", """
                      - name: envoy.filters.network.postgres_proxy
                        typed_config:
                          "@type": type.googleapis.com/envoy.extensions.filters.network.postgres_proxy.v3alpha.PostgresProxy
                          stat_prefix: pg
                %s
                      - name: envoy.filters.network.tcp_proxy
                        typed_config:
                          "@type": type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy
                          stat_prefix: db
                          cluster: db
                """.formatted(settings));
    }

    /**
     * Envoy's contrib network filters (postgres_proxy, mysql_proxy, kafka_broker) have no proto in
     * Remora's API; in front of tcp_proxy, only observing, they are skipped as any other.
     */
    @Test
    void anObservingContribNetworkFilterIsSkipped() {
        var lb = new BootstrapLoader().loadString(contribChain(
                "          enable_sql_parsing: true\n          terminate_ssl: false"), "m.yaml");
        var fc = lb.model().listeners().get(0).filterChains().get(0);
        assertEquals(1, fc.filters().size());
        assertInstanceOf(TcpProxyConfig.class, fc.terminalFilter());
        assertEquals(List.of("skipping unsupported network filter 'envoy.filters.network.postgres_proxy'"
                + " (envoy.extensions.filters.network.postgres_proxy.v3alpha.PostgresProxy), first at"
                + " static_resources.listeners[0].filter_chains[0].filters[0]"), lb.warnings());
    }

    /** One that may rewrite or gate the bytes (postgres terminating TLS) is refused, naming the setting. */
    @Test
    void aContribNetworkFilterThatChangesBytesIsRefused() {
        TranslationException e = org.junit.jupiter.api.Assertions.assertThrows(TranslationException.class,
                () -> new BootstrapLoader().loadString(contribChain("          terminate_ssl: true"), "m.yaml"));
        assertEquals("static_resources.listeners[0].filter_chains[0].filters[0].typed_config.terminate_ssl", e.path());
        org.junit.jupiter.api.Assertions.assertTrue(e.reason().contains("'envoy.filters.network.postgres_proxy'"),
                e.reason());
    }

    /**
     * An OpenTelemetry sampler of a type newer than Remora's API (trace_id_ratio_based) costs the
     * sampler only, as an unsupported known one does: the tracer stays and the connection manager's
     * sampling decides.
     */
    @Test
    void anUnknownSamplerKeepsItsTracer() {
        String yaml = oneChain("otel", """
                      - name: envoy.filters.network.http_connection_manager
                        typed_config:
                          "@type": type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager
                          stat_prefix: p
                          tracing:
                            provider:
                              name: envoy.tracers.opentelemetry
                              typed_config:
                                "@type": type.googleapis.com/envoy.config.trace.v3.OpenTelemetryConfig
                                grpc_service: { envoy_grpc: { cluster_name: otel } }
                                service_name: s
                                sampler:
                                  name: envoy.tracers.opentelemetry.samplers.trace_id_ratio_based
                                  typed_config:
                                    "@type": type.googleapis.com/envoy.extensions.tracers.opentelemetry.samplers.v3.TraceIdRatioBasedSamplerConfig
                                    sampling_ratio: 0.1
                          route_config: { virtual_hosts: [{ name: v, domains: ['*'], routes: [] }] }
                """);
        var lb = new BootstrapLoader().loadString(yaml, "t.yaml");
        var hcm = assertInstanceOf(HttpConnectionManagerConfig.class,
                lb.model().listeners().get(0).filterChains().get(0).terminalFilter());
        var otel = assertInstanceOf(io.remora.config.TracingConfig.OpenTelemetry.class, hcm.tracing().provider());
        assertEquals("s", otel.serviceName());
        assertEquals(List.of("skipping optional extension of unknown type 'type.googleapis.com/envoy.extensions.tracers"
                + ".opentelemetry.samplers.v3.TraceIdRatioBasedSamplerConfig' at static_resources.listeners[0]"
                + ".filter_chains[0].filters[0].typed_config.tracing.provider.typed_config.sampler"), lb.warnings());
    }

    @Test
    void istioNativeFilterTypesTranslate() {
        // Recent Istio sends its filters' own protos, which only istio-proxy knows: read by istio/api's numbers.
        String yaml = """
                static_resources:
                  clusters: [{ name: c }]
                  listeners:
                  - name: t
                    address: { socket_address: { address: 127.0.0.1, port_value: 1 } }
                    filter_chains:
                    - filters:
                      - name: istio.metadata_exchange
                        typed_config:
                          "@type": type.googleapis.com/envoy.tcp.metadataexchange.config.MetadataExchange
                          protocol: istio-peer-exchange
                      - name: envoy.filters.network.http_connection_manager
                        typed_config:
                          "@type": type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager
                          stat_prefix: p
                          route_config: { virtual_hosts: [{ name: v, domains: ['*'], routes: [] }] }
                          http_filters:
                          - name: istio.metadata_exchange
                            typed_config:
                              "@type": type.googleapis.com/io.istio.http.peer_metadata.Config
                              upstream_discovery: [{ workload_discovery: {} }]
                          - name: istio.stats
                            typed_config:
                              "@type": type.googleapis.com/stats.PluginConfig
                              reporter: SERVER_GATEWAY
                          - name: envoy.filters.http.router
                            typed_config: { "@type": type.googleapis.com/envoy.extensions.filters.http.router.v3.Router }
                """;
        var lb = new BootstrapLoader().loadString(yaml, "t.yaml");
        var hcm = assertInstanceOf(HttpConnectionManagerConfig.class,
                lb.model().listeners().get(0).filterChains().get(0).terminalFilter());
        assertEquals(List.of("istio.metadata_exchange", "istio.stats", "envoy.filters.http.router"),
                hcm.httpFilters().stream().map(HttpFilterEntry::name).toList());
        assertEquals(2, lb.model().listeners().get(0).filterChains().get(0).filters().size());
        // Only workload_discovery (Istio's workload xDS) is reported as not run.
        assertEquals(1, lb.warnings().size(), lb.warnings().toString());
        assertEquals(true, lb.warnings().get(0).contains("workload_discovery"), lb.warnings().toString());
    }
}
