package io.remora.xds.accesslog;

import io.micrometer.core.instrument.MeterRegistry;
import io.remora.accesslog.AccessLog;
import io.remora.config.AccessLogConfig;
import io.remora.config.NodeInfo;
import io.remora.upstream.ClusterManager;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Builds the EXTERNAL access logs (the gRPC loggers) for {@link io.remora.accesslog.AccessLogs}.
 * Loggers with the same target share one exporter (one buffer, one connection), as Envoy's
 * logger cache does; exporters live until the proxy closes.
 */
public final class GrpcAccessLogFactory implements AutoCloseable {

    private final NodeInfo node;
    /** The node as the access log service's identifier carries it. */
    private final io.envoyproxy.envoy.config.core.v3.Node nodeProto;
    private final ClusterManager clusters;
    private final MeterRegistry registry;
    private final Map<Object, AutoCloseable> exporters = new ConcurrentHashMap<>();

    public GrpcAccessLogFactory(NodeInfo node, io.envoyproxy.envoy.config.core.v3.Node nodeProto,
                                ClusterManager clusters, MeterRegistry registry) {
        this.node = node;
        this.nodeProto = nodeProto;
        this.clusters = clusters;
        this.registry = registry;
    }

    public AccessLog create(AccessLogConfig config) {
        if (config.external() instanceof OtelAccessLogConfig otel) {
            OtelLogExporter exporter = (OtelLogExporter) exporters.computeIfAbsent(otel.exporter(),
                    k -> new OtelLogExporter(otel.exporter(), node, clusters, registry));
            return new OtelAccessLog(otel, exporter);
        }
        if (config.external() instanceof AlsAccessLogConfig als) {
            AlsStreamExporter exporter = (AlsStreamExporter) exporters.computeIfAbsent(als.exporter(),
                    k -> new AlsStreamExporter(als.exporter(), nodeProto, clusters, registry));
            return new AlsAccessLog(als, exporter);
        }
        throw new IllegalArgumentException("unknown access logger config " + config.external());
    }

    /** Sends what is buffered, then stops every exporter. */
    @Override
    public void close() {
        for (AutoCloseable e : exporters.values()) {
            try {
                e.close();
            } catch (Exception ignored) {
                // best effort at shutdown
            }
        }
        exporters.clear();
    }
}
