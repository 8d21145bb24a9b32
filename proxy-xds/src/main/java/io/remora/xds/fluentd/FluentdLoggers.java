package io.remora.xds.fluentd;

import io.micrometer.core.instrument.MeterRegistry;
import io.remora.accesslog.AccessLog;
import io.remora.server.Transport;
import io.remora.upstream.ClusterManager;
import io.remora.upstream.UpstreamConnector;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Builds the Fluentd access logs for {@link io.remora.accesslog.AccessLogs}: logs with equal
 * targets share their per-worker upstreams (Envoy's logger cache), which live until the proxy closes.
 */
public final class FluentdLoggers implements AutoCloseable {

    private final ClusterManager clusters;
    private final UpstreamConnector connector;
    private final MeterRegistry registry;
    private final Map<FluentdTarget, FluentdUpstreams> upstreams = new ConcurrentHashMap<>();

    public FluentdLoggers(ClusterManager clusters, Transport transport, MeterRegistry registry) {
        this.clusters = clusters;
        this.connector = new UpstreamConnector(transport);
        this.registry = registry;
    }

    /** Throws IllegalArgumentException on a bad format string. */
    public AccessLog create(FluentdLogConfig config) {
        FluentdRecord record = FluentdRecord.compile(config.record(), config.commands());
        return new FluentdAccessLog(record, upstreams.computeIfAbsent(config.target(), t ->
                new FluentdUpstreams(t, clusters, connector, new FluentdStats(registry, t.statPrefix()))));
    }

    @Override
    public void close() {
        upstreams.values().forEach(FluentdUpstreams::close);
        upstreams.clear();
    }
}
