package io.remora.xds.stats;

import io.envoyproxy.envoy.config.core.v3.Node;
import io.envoyproxy.envoy.service.metrics.v3.MetricsServiceGrpc;
import io.envoyproxy.envoy.service.metrics.v3.StreamMetricsMessage;
import io.envoyproxy.envoy.service.metrics.v3.StreamMetricsResponse;
import io.grpc.ManagedChannel;
import io.grpc.stub.StreamObserver;
import io.micrometer.core.instrument.Tag;
import io.prometheus.client.Metrics;
import io.remora.stats.StatsSink;
import io.remora.stats.StatsSnapshot;
import io.remora.upstream.ClusterManager;
import io.remora.xds.grpc.ClusterChannel;
import io.remora.xds.translate.StatsSinksTranslator;

import java.util.List;
import java.util.logging.Logger;

/**
 * {@code envoy.stat_sinks.metrics_service}: at each flush, one {@code StreamMetricsMessage} of
 * Prometheus {@code MetricFamily}s on a long-lived {@code MetricsService/StreamMetrics} stream to a
 * host of the configured cluster, as Envoy's sink: the stream's first message carries the node
 * identifier; a stream the server ends or fails is opened again at the next flush. Counters (used
 * ones, cumulative or, with {@code report_counters_as_deltas}, the change since the last flush),
 * gauges, and histograms as a summary and/or a histogram per {@code histogram_emit_mode}. Names
 * are the full dotted names, or with {@code emit_tags_as_labels} the tag-extracted names with the
 * tags as labels.
 */
public final class MetricsServiceSink implements StatsSink {

    private static final Logger LOG = io.remora.log.Logging.logger("main");
    private static final double[] QUANTILES = {0, 0.25, 0.5, 0.75, 0.9, 0.95, 0.99, 0.995, 0.999, 1};

    private final StatsSinksTranslator.MetricsService config;
    private final Node node;
    private final ClusterChannel channel;
    /** The open stream, or null; reset from gRPC's threads when the server ends it. */
    private volatile StreamObserver<StreamMetricsMessage> stream;

    public MetricsServiceSink(StatsSinksTranslator.MetricsService config, Node node, ClusterManager clusters) {
        this.config = config;
        this.node = node;
        this.channel = new ClusterChannel(clusters, config.cluster(), config.authority());
    }

    @Override
    public void flush(StatsSnapshot snapshot) {
        StreamMetricsMessage.Builder msg = StreamMetricsMessage.newBuilder();
        StreamObserver<StreamMetricsMessage> s = stream;
        if (s == null) {
            ManagedChannel ch = channel.get();
            if (ch == null) {
                LOG.fine(() -> "metrics service: no healthy host in cluster '" + config.cluster() + "'");
                return;
            }
            s = open(ch);
            msg.setIdentifier(StreamMetricsMessage.Identifier.newBuilder().setNode(node));
        }
        families(snapshot, msg);
        try {
            s.onNext(msg.build());
        } catch (RuntimeException e) {
            LOG.fine(() -> "metrics service: send failed: " + e);
            stream = null;
        }
    }

    private StreamObserver<StreamMetricsMessage> open(ManagedChannel ch) {
        StreamObserver<StreamMetricsMessage>[] self = new StreamObserver[1];
        self[0] = MetricsServiceGrpc.newStub(ch).streamMetrics(new StreamObserver<StreamMetricsResponse>() {
            @Override
            public void onNext(StreamMetricsResponse value) {
            }

            @Override
            public void onError(Throwable t) {
                LOG.fine(() -> "metrics service stream to cluster '" + config.cluster() + "' failed: " + t);
                closed();
            }

            @Override
            public void onCompleted() {
                closed();
            }

            private void closed() {
                synchronized (MetricsServiceSink.this) {
                    if (stream == self[0]) {
                        stream = null;
                    }
                }
            }
        });
        stream = self[0];
        return self[0];
    }

    private void families(StatsSnapshot snapshot, StreamMetricsMessage.Builder msg) {
        long ts = snapshot.timestampMillis();
        for (StatsSnapshot.Counter c : snapshot.counters()) {
            if (!c.used()) {
                continue;
            }
            Metrics.Metric.Builder m = metric(c.name().tags(), ts)
                    .setCounter(Metrics.Counter.newBuilder().setValue(config.countersAsDeltas() ? c.delta() : c.value()));
            msg.addEnvoyMetrics(Metrics.MetricFamily.newBuilder().setName(name(c.name()))
                    .setType(Metrics.MetricType.COUNTER).addMetric(m));
        }
        for (StatsSnapshot.Gauge g : snapshot.gauges()) {
            Metrics.Metric.Builder m = metric(g.name().tags(), ts).setGauge(Metrics.Gauge.newBuilder().setValue(g.value()));
            msg.addEnvoyMetrics(Metrics.MetricFamily.newBuilder().setName(name(g.name()))
                    .setType(Metrics.MetricType.GAUGE).addMetric(m));
        }
        boolean summary = !config.histogramMode().equals("HISTOGRAM");
        boolean histogram = !config.histogramMode().equals("SUMMARY");
        for (StatsSnapshot.Histogram h : snapshot.histograms()) {
            if (h.count() == 0) {
                continue;
            }
            if (summary) {
                Metrics.Summary.Builder sb = Metrics.Summary.newBuilder().setSampleCount(h.count()).setSampleSum(h.sum());
                for (double q : QUANTILES) {
                    sb.addQuantile(Metrics.Quantile.newBuilder().setQuantile(q).setValue(h.quantile(q)));
                }
                msg.addEnvoyMetrics(Metrics.MetricFamily.newBuilder().setName(name(h.name()))
                        .setType(Metrics.MetricType.SUMMARY).addMetric(metric(h.name().tags(), ts).setSummary(sb)));
            }
            if (histogram) {
                Metrics.Histogram.Builder hb = Metrics.Histogram.newBuilder().setSampleCount(h.count())
                        .setSampleSum(h.sum());
                for (int i = 0; i < h.bounds().length; i++) {
                    hb.addBucket(Metrics.Bucket.newBuilder().setUpperBound(h.bounds()[i])
                            .setCumulativeCount(h.cumulative()[i]));
                }
                msg.addEnvoyMetrics(Metrics.MetricFamily.newBuilder().setName(name(h.name()))
                        .setType(Metrics.MetricType.HISTOGRAM).addMetric(metric(h.name().tags(), ts).setHistogram(hb)));
            }
        }
    }

    private String name(io.remora.stats.ExportedNames.Exported e) {
        return config.emitTagsAsLabels() ? e.tagExtractedName() : e.dottedName();
    }

    private Metrics.Metric.Builder metric(List<Tag> tags, long ts) {
        Metrics.Metric.Builder m = Metrics.Metric.newBuilder().setTimestampMs(ts);
        if (config.emitTagsAsLabels()) {
            for (Tag t : tags) {
                m.addLabel(Metrics.LabelPair.newBuilder().setName(t.getKey()).setValue(t.getValue()));
            }
        }
        return m;
    }

    @Override
    public void close() {
        StreamObserver<StreamMetricsMessage> s = stream;
        if (s != null) {
            try {
                s.onCompleted();
            } catch (RuntimeException e) {
                // closing
            }
        }
        channel.close();
    }

    @Override
    public String toString() {
        return "metrics_service(" + config.cluster() + ")";
    }
}
