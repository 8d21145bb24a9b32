package io.remora.xds.accesslog;

import io.grpc.ManagedChannel;
import io.grpc.stub.StreamObserver;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.opentelemetry.proto.collector.logs.v1.ExportLogsServiceRequest;
import io.opentelemetry.proto.collector.logs.v1.ExportLogsServiceResponse;
import io.opentelemetry.proto.collector.logs.v1.LogsServiceGrpc;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.logs.v1.LogRecord;
import io.opentelemetry.proto.logs.v1.ResourceLogs;
import io.opentelemetry.proto.logs.v1.ScopeLogs;
import io.opentelemetry.proto.resource.v1.Resource;
import io.remora.config.NodeInfo;
import io.remora.upstream.ClusterManager;
import io.remora.xds.grpc.ClusterChannel;

import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.logging.Logger;

/**
 * The sending half of {@code envoy.access_loggers.open_telemetry}, shared by the loggers with one
 * target: each batch is one {@code opentelemetry.proto.collector.logs.v1.LogsService/Export}
 * (one ResourceLogs, one ScopeLogs) to a healthy host of the cluster. Stats as Envoy's:
 * {@code access_logs.open_telemetry_access_log.<stat_prefix>logs_written} for entries the collector
 * took and {@code logs_dropped} for those it rejected ({@code partial_success}) or that were lost
 * (no healthy host, a failed call, the buffer bound).
 */
final class OtelLogExporter implements AutoCloseable {

    private static final Logger LOG = io.remora.log.Logging.logger("grpc");
    static final String STATS = "envoy_access_logs_open_telemetry_access_log_";

    private final GrpcLogTarget target;
    private final Resource resource;
    private final ClusterChannel channel;
    private final Counter written;
    private final Counter dropped;
    private final io.remora.util.Batcher<LogRecord> batcher;
    /** grpc_service.initial_metadata, sent on every call. */
    private final io.grpc.ClientInterceptor metadata;

    OtelLogExporter(OtelAccessLogConfig.Exporter config, NodeInfo node, ClusterManager clusters,
                    MeterRegistry registry) {
        this.target = config.target();
        Resource.Builder r = Resource.newBuilder();
        if (config.builtinLabels()) {
            r.addAttributes(kv("log_name", target.logName()))
                    .addAttributes(kv("zone_name", node == null ? "" : node.zone()))
                    .addAttributes(kv("cluster_name", node == null ? "" : node.cluster()))
                    .addAttributes(kv("node_name", node == null ? "" : node.id()));
        }
        r.addAllAttributes(config.resourceAttributes().getValuesList());
        this.resource = r.build();
        this.channel = new ClusterChannel(clusters, target.service().cluster(), target.service().authority(),
                target.service().retryPolicy());
        this.written = GrpcLogCalls.counter(registry, STATS, "logs_written", target.statPrefix());
        this.dropped = GrpcLogCalls.counter(registry, STATS, "logs_dropped", target.statPrefix());
        this.metadata = GrpcLogCalls.metadata(target.service());
        this.batcher = target.batcher("remora-otel-als-" + target.service().cluster(), this::send);
    }

    /** Queues a record (on a worker); never blocks. */
    void add(LogRecord record) {
        if (!batcher.add(record)) {
            dropped.increment();
        }
    }

    /** One Export of the batch; runs on the batcher's thread. */
    private void send(List<LogRecord> records) {
        int n = records.size();
        ManagedChannel ch = channel.get();
        if (ch == null) {
            dropped.increment(n);
            LOG.fine(() -> "no healthy host in cluster '" + target.service().cluster() + "': dropping " + n + " access log(s)");
            return;
        }
        ExportLogsServiceRequest request = ExportLogsServiceRequest.newBuilder()
                .addResourceLogs(ResourceLogs.newBuilder().setResource(resource)
                        .addScopeLogs(ScopeLogs.newBuilder().addAllLogRecords(records)))
                .build();
        GrpcLogCalls.receiveLimit(LogsServiceGrpc.newStub(ch), target.service()).withInterceptors(metadata)
                .withDeadlineAfter(target.service().timeout().toMillis(), TimeUnit.MILLISECONDS).export(request,
                new StreamObserver<ExportLogsServiceResponse>() {
                    @Override
                    public void onNext(ExportLogsServiceResponse response) {
                        long rejected = response.hasPartialSuccess()
                                ? response.getPartialSuccess().getRejectedLogRecords() : 0;
                        // More rejections than entries sent: all of them count as dropped, as Envoy does.
                        if (rejected > n) {
                            dropped.increment(n);
                        } else {
                            dropped.increment(rejected);
                            written.increment(n - rejected);
                        }
                    }

                    @Override
                    public void onError(Throwable t) {
                        dropped.increment(n);
                        LOG.fine(() -> "OpenTelemetry access log export to cluster '" + target.service().cluster()
                                + "' failed: " + t);
                    }

                    @Override
                    public void onCompleted() {
                    }
                });
    }

    static KeyValue kv(String k, String v) {
        return KeyValue.newBuilder().setKey(k).setValue(AnyValue.newBuilder().setStringValue(v)).build();
    }

    @Override
    public void close() {
        batcher.close();
        channel.close();
    }
}
