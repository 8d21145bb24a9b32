package io.remora.xds.stats;

import io.micrometer.core.instrument.Tag;
import io.opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.metrics.v1.AggregationTemporality;
import io.opentelemetry.proto.metrics.v1.Gauge;
import io.opentelemetry.proto.metrics.v1.Histogram;
import io.opentelemetry.proto.metrics.v1.HistogramDataPoint;
import io.opentelemetry.proto.metrics.v1.Metric;
import io.opentelemetry.proto.metrics.v1.NumberDataPoint;
import io.opentelemetry.proto.metrics.v1.ResourceMetrics;
import io.opentelemetry.proto.metrics.v1.ScopeMetrics;
import io.opentelemetry.proto.metrics.v1.Sum;
import io.opentelemetry.proto.resource.v1.Resource;
import io.remora.stats.ExportedNames;
import io.remora.stats.StatsSnapshot;
import io.remora.xds.translate.StatsSinksTranslator;

import java.util.HashMap;
import java.util.Map;

/**
 * Turns a stats snapshot into one OTLP {@code ExportMetricsServiceRequest} as Envoy's
 * OpenTelemetry stat sink does: one ResourceMetrics and one ScopeMetrics; used counters as
 * monotonic int Sums (cumulative, or the change since the last flush), gauges as int Gauges,
 * used histograms as explicit-bucket Histograms (cumulative, or what was recorded since the last
 * flush). Each data point is stamped with the snapshot time and starts at the previous flush.
 * Not thread-safe: the stats flusher calls it from its one thread.
 */
final class OtlpMetricsEncoder {

    /** What Envoy's resource provider sets when no resource detector is configured. */
    private static final Resource RESOURCE = Resource.newBuilder()
            .addAttributes(kv("service.name", "unknown_service:envoy"))
            .addAttributes(kv("telemetry.sdk.language", "cpp"))
            .addAttributes(kv("telemetry.sdk.name", "envoy"))
            .build();

    private final StatsSinksTranslator.OpenTelemetry config;
    /** Each histogram's cumulative bucket counts at the previous flush, for delta buckets. */
    private final Map<String, long[]> previousBuckets = new HashMap<>();
    private long lastFlushNanos;

    OtlpMetricsEncoder(StatsSinksTranslator.OpenTelemetry config, long createdMillis) {
        this.config = config;
        this.lastFlushNanos = createdMillis * 1_000_000L;
    }

    ExportMetricsServiceRequest encode(StatsSnapshot snapshot) {
        long now = snapshot.timestampMillis() * 1_000_000L;
        long start = lastFlushNanos;
        lastFlushNanos = now;
        ScopeMetrics.Builder scope = ScopeMetrics.newBuilder();
        for (StatsSnapshot.Gauge g : snapshot.gauges()) {
            scope.addMetrics(Metric.newBuilder().setName(name(g.name())).setGauge(Gauge.newBuilder()
                    .addDataPoints(point(g.name(), start, now).setAsInt(g.value()))));
        }
        AggregationTemporality counters = temporality(config.countersAsDeltas());
        for (StatsSnapshot.Counter c : snapshot.counters()) {
            if (c.used()) {
                scope.addMetrics(Metric.newBuilder().setName(name(c.name())).setSum(Sum.newBuilder()
                        .setIsMonotonic(true).setAggregationTemporality(counters)
                        .addDataPoints(point(c.name(), start, now)
                                .setAsInt(config.countersAsDeltas() ? c.delta() : c.value()))));
            }
        }
        for (StatsSnapshot.Histogram h : snapshot.histograms()) {
            if (h.count() > 0) {
                scope.addMetrics(Metric.newBuilder().setName(name(h.name())).setHistogram(Histogram.newBuilder()
                        .setAggregationTemporality(temporality(config.histogramsAsDeltas()))
                        .addDataPoints(histogram(h, start, now))));
            }
        }
        return ExportMetricsServiceRequest.newBuilder()
                .addResourceMetrics(ResourceMetrics.newBuilder().setResource(RESOURCE).addScopeMetrics(scope))
                .build();
    }

    /** OTLP buckets are disjoint, with one more count than bounds: the values above the last bound. */
    private HistogramDataPoint.Builder histogram(StatsSnapshot.Histogram h, long start, long now) {
        long[] cumulative = h.cumulative();
        long[] base = null;
        long count = h.count();
        double sum = h.sum();
        if (config.histogramsAsDeltas()) {
            base = previousBuckets.get(h.name().dottedName());
            previousBuckets.put(h.name().dottedName(), cumulative.clone());
            if (base != null && base.length != cumulative.length) {
                base = null;
            }
            count = h.deltaCount();
            sum = h.deltaSum();
        }
        HistogramDataPoint.Builder p = HistogramDataPoint.newBuilder().setStartTimeUnixNano(start)
                .setTimeUnixNano(now).setCount(count).setSum(sum);
        attributes(h.name(), p::addAttributes);
        long below = 0;
        for (int i = 0; i < cumulative.length; i++) {
            long upTo = cumulative[i] - (base == null ? 0 : base[i]);
            p.addExplicitBounds(h.bounds()[i]).addBucketCounts(Math.max(0, upTo - below));
            below = Math.max(below, upTo);
        }
        return p.addBucketCounts(Math.max(0, count - below));
    }

    private NumberDataPoint.Builder point(ExportedNames.Exported name, long start, long now) {
        NumberDataPoint.Builder p = NumberDataPoint.newBuilder().setStartTimeUnixNano(start).setTimeUnixNano(now);
        attributes(name, p::addAttributes);
        return p;
    }

    private void attributes(ExportedNames.Exported name, java.util.function.Consumer<KeyValue> add) {
        if (config.emitTagsAsAttributes()) {
            for (Tag t : name.tags()) {
                add.accept(kv(t.getKey(), t.getValue()));
            }
        }
    }

    private String name(ExportedNames.Exported e) {
        return config.prefix() + (config.useTagExtractedName() ? e.tagExtractedName() : e.dottedName());
    }

    private static AggregationTemporality temporality(boolean deltas) {
        return deltas ? AggregationTemporality.AGGREGATION_TEMPORALITY_DELTA
                : AggregationTemporality.AGGREGATION_TEMPORALITY_CUMULATIVE;
    }

    private static KeyValue kv(String key, String value) {
        return KeyValue.newBuilder().setKey(key).setValue(AnyValue.newBuilder().setStringValue(value)).build();
    }
}
