package io.remora.tracing;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.remora.upstream.ClusterManager;

import java.io.IOException;
import java.net.SocketAddress;
import java.util.Map;
import java.util.function.Supplier;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * One report of spans POSTed to a collector cluster, counted with the stats Envoy's Zipkin and
 * Datadog tracers share: {@code tracing.<tracer>.reports_sent} (the collector's success status),
 * {@code reports_dropped} (any other status), {@code reports_failed} (no answer) and
 * {@code reports_skipped_no_cluster} (no healthy host). Runs on the exporter's thread.
 */
final class CollectorReports {

    private static final Logger LOG = io.remora.log.Logging.logger("tracing");

    private final String tracer;
    private final ClusterManager clusters;
    private final String cluster;
    private final Counter sent;
    private final Counter dropped;
    private final Counter failed;
    private final Counter skippedNoCluster;

    /** @param tracer the stats' scope below {@code tracing.}, e.g. {@code zipkin} */
    CollectorReports(String tracer, ClusterManager clusters, String cluster, MeterRegistry registry) {
        this.tracer = tracer;
        this.clusters = clusters;
        this.cluster = cluster;
        String prefix = "envoy_tracing_" + tracer + "_";
        this.sent = Counter.builder(prefix + "reports_sent").register(registry);
        this.dropped = Counter.builder(prefix + "reports_dropped").register(registry);
        this.failed = Counter.builder(prefix + "reports_failed").register(registry);
        this.skippedNoCluster = Counter.builder(prefix + "reports_skipped_no_cluster").register(registry);
    }

    /**
     * POSTs the body (built only when the cluster has a healthy host) and counts the outcome.
     *
     * @param success the status that means the collector took the report
     */
    void post(int spans, String path, String host, String contentType, Map<String, String> headers,
              Supplier<byte[]> body, int timeoutMillis, int success) {
        SocketAddress target = CollectorPost.target(clusters, cluster);
        if (target == null) {
            skippedNoCluster.increment();
            LOG.fine(() -> tracer + ": no healthy host in cluster '" + cluster + "': dropping " + spans + " span(s)");
            return;
        }
        try {
            int status = CollectorPost.post(target, path, host, contentType, headers, body.get(), timeoutMillis);
            if (status == success) {
                sent.increment();
            } else {
                dropped.increment();
                LOG.fine(() -> tracer + ": collector answered " + status + " to a report of " + spans + " span(s)");
            }
        } catch (IOException e) {
            failed.increment();
            LOG.log(Level.FINE, tracer + ": report to cluster '" + cluster + "' failed: " + e);
        }
    }
}
