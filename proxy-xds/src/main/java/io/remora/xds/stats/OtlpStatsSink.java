package io.remora.xds.stats;

import io.grpc.ManagedChannel;
import io.grpc.stub.StreamObserver;
import io.opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest;
import io.opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceResponse;
import io.opentelemetry.proto.collector.metrics.v1.MetricsServiceGrpc;
import io.remora.stats.StatsSink;
import io.remora.stats.StatsSnapshot;
import io.remora.upstream.ClusterManager;
import io.remora.xds.grpc.ClusterChannel;
import io.remora.xds.translate.StatsSinksTranslator;

import java.util.concurrent.TimeUnit;
import java.util.logging.Logger;

/**
 * {@code envoy.stat_sinks.open_telemetry}: at each flush, one unary OTLP
 * {@code MetricsService/Export} to a healthy host of the configured cluster (see
 * {@link OtlpMetricsEncoder} for what is in it). As in Envoy, a failed export is only logged
 * (debug) and not retried: the next flush carries fresh values.
 */
public final class OtlpStatsSink implements StatsSink {

    private static final Logger LOG = io.remora.log.Logging.logger("main");

    private final StatsSinksTranslator.OpenTelemetry config;
    private final ClusterChannel channel;
    private final OtlpMetricsEncoder encoder;

    public OtlpStatsSink(StatsSinksTranslator.OpenTelemetry config, ClusterManager clusters) {
        this.config = config;
        this.channel = new ClusterChannel(clusters, config.cluster(), config.authority(), config.retryPolicy());
        this.encoder = new OtlpMetricsEncoder(config, System.currentTimeMillis());
    }

    @Override
    public void flush(StatsSnapshot snapshot) {
        // Encoded even without a host, so delta histograms stay relative to the previous flush as Envoy's are.
        ExportMetricsServiceRequest request = encoder.encode(snapshot);
        ManagedChannel ch = channel.get();
        if (ch == null) {
            LOG.fine(() -> "OpenTelemetry stats sink: no healthy host in cluster '" + config.cluster() + "'");
            return;
        }
        // Envoy tries the collector afresh at every flush; without this gRPC's reconnect backoff
        // (up to two minutes) would keep skipping flushes after an outage.
        ch.resetConnectBackoff();
        MetricsServiceGrpc.MetricsServiceStub stub = MetricsServiceGrpc.newStub(ch);
        if (config.timeout() != null) {
            stub = stub.withDeadlineAfter(config.timeout().toNanos(), TimeUnit.NANOSECONDS);
        }
        stub.export(request, new StreamObserver<>() {
            @Override
            public void onNext(ExportMetricsServiceResponse r) {
                if (r.hasPartialSuccess()) {
                    LOG.fine(() -> "OpenTelemetry stats export partially accepted: "
                            + r.getPartialSuccess().getRejectedDataPoints() + " rejected: "
                            + r.getPartialSuccess().getErrorMessage());
                }
            }

            @Override
            public void onError(Throwable t) {
                LOG.fine(() -> "OpenTelemetry stats export to cluster '" + config.cluster() + "' failed: " + t);
            }

            @Override
            public void onCompleted() {
            }
        });
    }

    @Override
    public void close() {
        channel.close();
    }

    @Override
    public String toString() {
        return "open_telemetry(" + config.cluster() + ")";
    }
}
