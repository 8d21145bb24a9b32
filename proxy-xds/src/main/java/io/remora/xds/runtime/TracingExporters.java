package io.remora.xds.runtime;

import io.micrometer.core.instrument.MeterRegistry;
import io.remora.config.NodeInfo;
import io.remora.config.TracingConfig;
import io.remora.runtime.Runtime;
import io.remora.tracing.SpanSink;
import io.remora.upstream.ClusterManager;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
import java.util.logging.Logger;

/**
 * The proxy's span exporters: one per distinct tracing provider config, made when a connection
 * manager first names it and shared by every one naming it, closed with the proxy.
 */
final class TracingExporters implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger("remora.main");

    private final Map<TracingConfig.Provider, SpanSink> exporters = new ConcurrentHashMap<>();
    /** The bootstrap's tracing.http: for connection managers whose tracing names no provider. */
    private final TracingConfig.Provider bootstrapTracer;
    private final NodeInfo node;
    private final Supplier<ClusterManager> clusters;
    private final Supplier<Runtime> runtime;
    private final MeterRegistry registry;
    private final Supplier<io.remora.xds.fluentd.FluentdLoggers> fluentd;

    /**
     * @param clusters the server's cluster manager, asked when an exporter is made
     * @param fluentd  the Fluentd upstreams, asked when a Fluentd tracer's sink is made
     */
    TracingExporters(TracingConfig.Provider bootstrapTracer, NodeInfo node, Supplier<ClusterManager> clusters,
                     Supplier<Runtime> runtime, MeterRegistry registry,
                     Supplier<io.remora.xds.fluentd.FluentdLoggers> fluentd) {
        this.bootstrapTracer = bootstrapTracer;
        this.node = node;
        this.clusters = clusters;
        this.runtime = runtime;
        this.registry = registry;
        this.fluentd = fluentd;
    }

    /** The exporter of {@code provider} (the bootstrap's when null); null when it has none. */
    SpanSink sink(TracingConfig.Provider provider) {
        if (provider == null) {
            provider = bootstrapTracer;
        }
        if (provider instanceof TracingConfig.OpenTelemetry otel) {
            return exporters.computeIfAbsent(otel, p -> new io.remora.xds.tracing.OtlpSpanExporter(otel,
                    clusters.get(), runtime, registry));
        }
        if (provider instanceof TracingConfig.Zipkin zipkin) {
            return exporters.computeIfAbsent(zipkin, p -> new io.remora.tracing.ZipkinSpanExporter(zipkin,
                    node == null ? "" : node.cluster(), clusters.get(), runtime, registry));
        }
        if (provider instanceof TracingConfig.SkyWalking sw) {
            return exporters.computeIfAbsent(sw, p -> new io.remora.xds.tracing.SkyWalkingReporter(
                    sw.withDefaultNames(node), clusters.get(), registry));
        }
        if (provider instanceof TracingConfig.Fluentd f) {
            return exporters.computeIfAbsent(f, p -> fluentd.get().spanSink(f));
        }
        if (provider instanceof TracingConfig.Datadog datadog) {
            return exporters.computeIfAbsent(datadog, p -> new io.remora.tracing.DatadogSpanExporter(datadog,
                    clusters.get(), registry));
        }
        return null;
    }

    @Override
    public void close() {
        for (SpanSink sink : exporters.values()) {
            if (sink instanceof AutoCloseable c) {
                try {
                    c.close();
                } catch (Exception e) {
                    LOG.fine(() -> "closing a span exporter: " + e);
                }
            }
        }
    }
}
