package io.remora.xds.fluentd;

import io.micrometer.core.instrument.MeterRegistry;
import io.remora.accesslog.AccessLog;
import io.remora.config.FluentdTarget;
import io.remora.config.TracingConfig;
import io.remora.server.Transport;
import io.remora.tracing.SpanSink;
import io.remora.upstream.ClusterManager;
import io.remora.upstream.UpstreamConnector;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Builds the Fluentd access logs for {@link io.remora.accesslog.AccessLogs} and the Fluentd
 * tracers' span sinks: those with equal targets share their per-worker upstreams (Envoy's logger
 * and tracer caches), which live until the proxy closes.
 */
public final class FluentdLoggers implements AutoCloseable {

    private final ClusterManager clusters;
    private final UpstreamConnector connector;
    private final MeterRegistry registry;
    private final Map<Key, FluentdUpstreams> upstreams = new ConcurrentHashMap<>();

    private record Key(FluentdSignal signal, FluentdTarget target) {
    }

    public FluentdLoggers(ClusterManager clusters, Transport transport, MeterRegistry registry) {
        this.clusters = clusters;
        this.connector = new UpstreamConnector(transport);
        this.registry = registry;
    }

    /** Throws IllegalArgumentException on a bad format string. */
    public AccessLog create(FluentdLogConfig config) {
        FluentdRecord record = FluentdRecord.compile(config.record(), config.commands());
        return new FluentdAccessLog(record, upstreams(FluentdSignal.ACCESS_LOGS, config.target()));
    }

    /** The span sink of {@code envoy.tracers.fluentd}. */
    public SpanSink spanSink(TracingConfig.Fluentd tracer) {
        return new FluentdSpanSink(tracer, upstreams(FluentdSignal.TRACES, tracer.target()));
    }

    private FluentdUpstreams upstreams(FluentdSignal signal, FluentdTarget target) {
        return upstreams.computeIfAbsent(new Key(signal, target), k -> new FluentdUpstreams(target, signal, clusters,
                connector, new FluentdStats(registry, signal, target.statPrefix())));
    }

    @Override
    public void close() {
        upstreams.values().forEach(FluentdUpstreams::close);
        upstreams.clear();
    }
}
