package io.remora.xds.translate;

import io.envoyproxy.envoy.config.bootstrap.v3.Bootstrap;
import io.remora.config.TracingConfig;
import io.remora.xds.TestResources;
import io.remora.xds.bootstrap.BootstrapLoader;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** stats_config, stats_sinks and tracing.http of a bootstrap: Istio's load, bad ones name their field. */
class ObservabilityBootstrapTranslationTest {

    private static Bootstrap load(String yaml) {
        return new BootstrapLoader().loadString(yaml, "test.yaml").proto();
    }

    private static String error(Runnable r) {
        return assertThrows(TranslationException.class, r::run).getMessage();
    }

    @Test
    void istiosBootstrapTranslatesItsTagsSinksAndZipkin() {
        Bootstrap b = new BootstrapLoader().loadString(TestResources.text("istio/bootstrap-all.json"), "all.json").proto();
        TranslationContext ctx = new TranslationContext(null);
        StatsConfigTranslator.Settings s = StatsConfigTranslator.settings(b, ctx);
        assertNotNull(s.tags(), "use_all_default_tags false: Istio's own rules");
        assertEquals("cluster.upstream_rq", s.tags().produce("cluster.xds-grpc;.upstream_rq_200").name());
        StatsSinksTranslator.Sinks sinks = StatsSinksTranslator.translate(b, ctx);
        assertEquals(2, sinks.sinks().size());
        assertEquals(Duration.ofSeconds(5), sinks.flushInterval());
        assertTrue(sinks.sinks().get(0) instanceof StatsSinksTranslator.MetricsService);
        assertEquals(new StatsSinksTranslator.Statsd(new java.net.InetSocketAddress("10.1.1.1", 9125), ""),
                sinks.sinks().get(1));
        assertEquals(new TracingConfig.Zipkin("zipkin", "/api/v2/spans", "", true, false),
                TracingTranslator.bootstrapProvider(b, ctx));
    }

    @Test
    void statsdOverTcpNeedsAStaticCluster() {
        String sink = """
                stats_sinks:
                - typed_config: { "@type": type.googleapis.com/envoy.config.metrics.v3.StatsdSink, tcp_cluster_name: statsd }
                """;
        Bootstrap ok = load("""
                static_resources:
                  clusters:
                  - name: statsd
                    load_assignment:
                      cluster_name: statsd
                      endpoints: [{ lb_endpoints: [{ endpoint: { address: { socket_address: { address: 127.0.0.1, port_value: 8125 } } } }] }]
                """ + sink);
        assertEquals(List.of(new StatsSinksTranslator.TcpStatsd("statsd", "")),
                StatsSinksTranslator.translate(ok, TranslationContext.lenient()).sinks());
        // a cluster CDS would bring does not exist yet when Envoy builds its sinks
        assertEquals("stats_sinks[0].typed_config.tcp_cluster_name: tcp statsd: unknown cluster 'statsd'"
                        + " (it must be a static cluster of the bootstrap)",
                error(() -> StatsSinksTranslator.translate(load("""
                        dynamic_resources:
                          cds_config: { ads: {} }
                        """ + sink), TranslationContext.lenient())));
    }

    @Test
    void badStatsConfigNamesTheField() {
        assertEquals("stats_config.stats_tags[1].regex: invalid regex: Unclosed group",
                error(() -> StatsConfigTranslator.settings(load("""
                        stats_config:
                          stats_tags:
                          - { tag_name: a, regex: "^a\\\\.((.*?)\\\\.)" }
                          - { tag_name: b, regex: "(unclosed" }
                        """), TranslationContext.lenient())));
        assertTrue(error(() -> StatsConfigTranslator.settings(load("""
                stats_config:
                  stats_tags: [{ tag_name: a, fixed_value: x }, { tag_name: a, fixed_value: y }]
                """), TranslationContext.lenient())).startsWith("stats_config.stats_tags[1].tag_name: Tag name 'a' specified twice"));
        assertTrue(error(() -> StatsConfigTranslator.settings(load("""
                stats_config:
                  stats_tags: [{ tag_name: no_such_default }]
                """), TranslationContext.lenient())).contains("stats_tags[0]: No regex specified"));
        assertTrue(error(() -> StatsConfigTranslator.settings(load("""
                stats_config:
                  histogram_bucket_settings: [{ match: { prefix: cluster }, buckets: [1, 0] }]
                """), TranslationContext.lenient())).startsWith("stats_config.histogram_bucket_settings[0].buckets[1]: must be greater than 0"));
    }

    @Test
    void dogStatsdSinkKeepsItsPrefixAndDatagramSize() {
        StatsSinksTranslator.Sinks sinks = StatsSinksTranslator.translate(load("""
                stats_sinks:
                - name: envoy.stat_sinks.dog_statsd
                  typed_config:
                    "@type": type.googleapis.com/envoy.config.metrics.v3.DogStatsdSink
                    address: { socket_address: { address: 127.0.0.1, port_value: 8125 } }
                    prefix: mesh
                    max_bytes_per_datagram: 512
                """), TranslationContext.lenient());
        assertEquals(List.of(new StatsSinksTranslator.DogStatsd(new java.net.InetSocketAddress("127.0.0.1", 8125),
                "mesh", 512)), sinks.sinks());
    }

    @Test
    void graphiteStatsdSinkKeepsItsPrefixAndDatagramSizeAndNamesBadFields() {
        StatsSinksTranslator.Sinks sinks = StatsSinksTranslator.translate(load("""
                stats_sinks:
                - name: envoy.stat_sinks.graphite_statsd
                  typed_config:
                    "@type": type.googleapis.com/envoy.extensions.stat_sinks.graphite_statsd.v3.GraphiteStatsdSink
                    address: { socket_address: { address: 127.0.0.1, port_value: 8125 } }
                    prefix: mesh
                    max_bytes_per_datagram: 512
                - name: envoy.stat_sinks.graphite_statsd
                  typed_config:
                    "@type": type.googleapis.com/envoy.extensions.stat_sinks.graphite_statsd.v3.GraphiteStatsdSink
                    address: { socket_address: { address: 127.0.0.1, port_value: 8126 } }
                """), TranslationContext.lenient());
        assertEquals(List.of(
                new StatsSinksTranslator.GraphiteStatsd(new java.net.InetSocketAddress("127.0.0.1", 8125), "mesh", 512),
                new StatsSinksTranslator.GraphiteStatsd(new java.net.InetSocketAddress("127.0.0.1", 8126), "", 0)),
                sinks.sinks());
        assertEquals("stats_sinks[0].typed_config: one of address is required", error(() ->
                StatsSinksTranslator.translate(load("""
                stats_sinks:
                - name: envoy.stat_sinks.graphite_statsd
                  typed_config:
                    "@type": type.googleapis.com/envoy.extensions.stat_sinks.graphite_statsd.v3.GraphiteStatsdSink
                    prefix: mesh
                """), TranslationContext.lenient())));
        assertTrue(error(() -> StatsSinksTranslator.translate(load("""
                stats_sinks:
                - name: envoy.stat_sinks.graphite_statsd
                  typed_config:
                    "@type": type.googleapis.com/envoy.extensions.stat_sinks.graphite_statsd.v3.GraphiteStatsdSink
                    address: { socket_address: { address: 127.0.0.1, port_value: 8125 } }
                    max_bytes_per_datagram: 70000
                """), TranslationContext.lenient()))
                .startsWith("stats_sinks[0].typed_config.max_bytes_per_datagram: must be greater than 0"));
    }

    @Test
    void fluentdTracerReadsItsRetryPolicyAndNamesBadFields() {
        TranslationContext known = new TranslationContext(Set.of("fluentd"));
        String head = """
                tracing:
                  http:
                    name: envoy.tracers.fluentd
                    typed_config:
                      "@type": type.googleapis.com/envoy.extensions.tracers.fluentd.v3.FluentdConfig
                """;
        TracingConfig.Provider p = TracingTranslator.bootstrapProvider(load(head + """
                      cluster: fluentd
                      tag: mesh.traces
                      stat_prefix: spans
                      buffer_flush_interval: 2s
                      buffer_size_bytes: 1024
                      retry_policy: { num_retries: 3, retry_back_off: { base_interval: 0.2s } }
                """), known);
        assertEquals(new TracingConfig.Fluentd(new io.remora.config.FluentdTarget("fluentd", "mesh.traces", "spans",
                2000, 1024, new io.remora.config.FluentdTarget.Retry(3, 200, 2000))), p);
        p = TracingTranslator.bootstrapProvider(load(head + "      cluster: fluentd\n      tag: t\n      stat_prefix: s\n"),
                known);
        assertEquals(new io.remora.config.FluentdTarget("fluentd", "t", "s", 1000, 16384,
                io.remora.config.FluentdTarget.Retry.DEFAULT), ((TracingConfig.Fluentd) p).target(), "Envoy's defaults");
        assertEquals("tracing.http.typed_config.tag: missing required field", error(() ->
                TracingTranslator.bootstrapProvider(load(head + "      cluster: fluentd\n      stat_prefix: s\n"), known)));
        assertTrue(error(() -> TracingTranslator.bootstrapProvider(load(head
                + "      cluster: nowhere\n      tag: t\n      stat_prefix: s\n"), known))
                .startsWith("tracing.http.typed_config.cluster: unknown cluster 'nowhere'"));
        assertTrue(error(() -> TracingTranslator.bootstrapProvider(load(head
                + "      cluster: fluentd\n      tag: t\n      stat_prefix: s\n"
                + "      retry_policy: { retry_back_off: { base_interval: 2s, max_interval: 1s } }\n"), known))
                .startsWith("tracing.http.typed_config.retry_policy.retry_back_off.max_interval: must be greater"));
    }

    /** The error of one OpenTelemetry sink with the given typed_config line. */
    private static String otelError(String line, TranslationContext ctx) {
        return error(() -> StatsSinksTranslator.translate(load("""
                stats_sinks:
                - name: envoy.stat_sinks.open_telemetry
                  typed_config:
                    "@type": type.googleapis.com/envoy.extensions.stat_sinks.open_telemetry.v3.SinkConfig
                """ + "    " + line + "\n"), ctx));
    }

    @Test
    void openTelemetrySinkDefaultsAndOptionsAsEnvoy() {
        TranslationContext known = new TranslationContext(Set.of("otel"));
        StatsSinksTranslator.Sinks sinks = StatsSinksTranslator.translate(load("""
                stats_sinks:
                - name: envoy.stat_sinks.open_telemetry
                  typed_config:
                    "@type": type.googleapis.com/envoy.extensions.stat_sinks.open_telemetry.v3.SinkConfig
                    grpc_service: { envoy_grpc: { cluster_name: otel } }
                - name: envoy.stat_sinks.open_telemetry
                  typed_config:
                    "@type": type.googleapis.com/envoy.extensions.stat_sinks.open_telemetry.v3.SinkConfig
                    grpc_service: { envoy_grpc: { cluster_name: otel, authority: collector }, timeout: 2s }
                    report_counters_as_deltas: true
                    report_histograms_as_deltas: true
                    emit_tags_as_attributes: false
                    use_tag_extracted_name: false
                    prefix: mesh
                """), known);
        assertEquals(List.of(
                StatsSinksTranslator.OpenTelemetry.builder("otel").build(),
                StatsSinksTranslator.OpenTelemetry.builder("otel").authority("collector").timeout(Duration.ofSeconds(2))
                        .countersAsDeltas(true).histogramsAsDeltas(true).emitTagsAsAttributes(false)
                        .useTagExtractedName(false).prefix("mesh.").build()), sinks.sinks());
        assertEquals(new StatsSinksTranslator.OpenTelemetry("otel", "", null, false, false, true, true, ""),
                sinks.sinks().get(0), "Envoy's defaults: cumulative, tags as attributes, tag-extracted names");

        assertEquals("stats_sinks[0].typed_config.grpc_service: missing required field",
                otelError("prefix: mesh", known));
        assertEquals("stats_sinks[0].typed_config.grpc_service: only envoy_grpc (a cluster) is supported",
                otelError("grpc_service: { google_grpc: { target_uri: \"127.0.0.1:4317\", stat_prefix: otel } }", known));
        assertTrue(otelError("grpc_service: { envoy_grpc: { cluster_name: nowhere } }", known)
                .startsWith("stats_sinks[0].typed_config.grpc_service.envoy_grpc.cluster_name: unknown cluster"));
    }

    @Test
    void theOpenTelemetrySinkRetriesItsExportsAndTheMetricsServiceRefusesRetries() {
        TranslationContext known = new TranslationContext(Set.of("otel"));
        StatsSinksTranslator.Sinks sinks = StatsSinksTranslator.translate(load("""
                stats_sinks:
                - name: envoy.stat_sinks.open_telemetry
                  typed_config:
                    "@type": type.googleapis.com/envoy.extensions.stat_sinks.open_telemetry.v3.SinkConfig
                    grpc_service:
                      envoy_grpc: { cluster_name: otel }
                      retry_policy: { retry_on: unavailable, num_retries: 2 }
                """), known);
        var retry = ((StatsSinksTranslator.OpenTelemetry) sinks.sinks().get(0)).retryPolicy();
        assertEquals(2, retry.numRetries());
        assertEquals(Set.of(io.remora.config.RetryPolicy.RetryOn.GRPC_UNAVAILABLE), retry.retryOn());
        assertTrue(error(() -> StatsSinksTranslator.translate(load("""
                stats_sinks:
                - name: envoy.stat_sinks.metrics_service
                  typed_config:
                    "@type": type.googleapis.com/envoy.config.metrics.v3.MetricsServiceConfig
                    transport_api_version: V3
                    grpc_service:
                      envoy_grpc: { cluster_name: otel }
                      retry_policy: { retry_on: unavailable }
                """), known)).startsWith("stats_sinks[0].typed_config.grpc_service.retry_policy: not supported"));
    }

    @Test
    void badSinksAndTracersNameTheField() {
        TranslationContext known = new TranslationContext(Set.of("zipkin"));
        assertTrue(error(() -> StatsSinksTranslator.translate(load("""
                stats_sinks:
                - name: envoy.stat_sinks.metrics_service
                  typed_config:
                    "@type": type.googleapis.com/envoy.config.metrics.v3.MetricsServiceConfig
                    grpc_service: { envoy_grpc: { cluster_name: metrics } }
                """), known)).startsWith("stats_sinks[0].typed_config.transport_api_version: only V3"));
        assertTrue(error(() -> StatsSinksTranslator.translate(load("""
                stats_sinks:
                - name: envoy.stat_sinks.metrics_service
                  typed_config:
                    "@type": type.googleapis.com/envoy.config.metrics.v3.MetricsServiceConfig
                    transport_api_version: V3
                    grpc_service: { envoy_grpc: { cluster_name: metrics } }
                """), known)).startsWith("stats_sinks[0].typed_config.grpc_service.envoy_grpc.cluster_name: unknown cluster"));
        assertTrue(error(() -> StatsSinksTranslator.translate(load("""
                stats_sinks:
                - name: envoy.stat_sinks.dog_statsd
                  typed_config:
                    "@type": type.googleapis.com/envoy.config.metrics.v3.DogStatsdSink
                    address: { socket_address: { address: 127.0.0.1, port_value: 8125 } }
                    max_bytes_per_datagram: 0
                """), known)).startsWith("stats_sinks[0].typed_config.max_bytes_per_datagram: must be greater than 0"));
        assertTrue(error(() -> StatsSinksTranslator.translate(load("""
                stats_sinks:
                - name: envoy.stat_sinks.dog_statsd
                  typed_config:
                    "@type": type.googleapis.com/envoy.config.metrics.v3.DogStatsdSink
                    prefix: p
                """), known)).startsWith("stats_sinks[0].typed_config.address: missing required field"));
        assertTrue(error(() -> StatsSinksTranslator.translate(load("stats_flush_interval: 301s\n"), known))
                .startsWith("stats_flush_interval: must be at least 1ms"));
        assertTrue(error(() -> TracingTranslator.bootstrapProvider(load("""
                tracing:
                  http:
                    name: envoy.tracers.zipkin
                    typed_config:
                      "@type": type.googleapis.com/envoy.config.trace.v3.ZipkinConfig
                      collector_cluster: zipkin
                      collector_endpoint: /api/v2/spans
                """), known)).startsWith("tracing.http.typed_config.collector_endpoint_version:"));
        assertTrue(error(() -> TracingTranslator.bootstrapProvider(load("""
                tracing:
                  http:
                    name: envoy.tracers.zipkin
                    typed_config:
                      "@type": type.googleapis.com/envoy.config.trace.v3.ZipkinConfig
                      collector_cluster: nowhere
                      collector_endpoint: /api/v2/spans
                      collector_endpoint_version: HTTP_JSON
                """), known)).startsWith("tracing.http.typed_config.collector_cluster: unknown cluster 'nowhere'"));
    }
}
