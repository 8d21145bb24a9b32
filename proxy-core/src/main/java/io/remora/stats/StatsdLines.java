package io.remora.stats;

import io.micrometer.core.instrument.Tag;

import java.io.IOException;
import java.util.List;

/**
 * Envoy's statsd metric lines, one per metric, shared by the UDP and TCP statsd sinks:
 * {@code <prefix>.<full name>:<value>|c} for counters (the change since the previous flush; only
 * counters ever used), {@code |g} for gauges, every histogram sample as a timer
 * {@code <prefix>.<name>:<ms>|ms}. With tags ({@link StatsdTagFormat}), the tag-extracted name with
 * the tags after the value (DogStatsD: {@code envoy.cluster.upstream_rq_total:1|c|#envoy.cluster_name:up})
 * or after the name (Graphite: {@code envoy.cluster.upstream_rq_total;envoy.cluster_name=up:1|c}).
 */
final class StatsdLines {

    /** Receives each line, without a line end. */
    interface Out {
        void line(StringBuilder metric) throws IOException;
    }

    private StatsdLines() {
    }

    /** {@code prefix} null or empty means Envoy's default, "envoy". */
    static String prefix(String prefix) {
        return prefix == null || prefix.isEmpty() ? "envoy" : prefix;
    }

    static void write(StatsSnapshot snapshot, String prefix, StatsdTagFormat tags, Out out) throws IOException {
        for (StatsSnapshot.Counter c : snapshot.counters()) {
            if (c.used()) {
                out.line(line(prefix, c.name(), Long.toString(c.delta()), "|c", tags));
            }
        }
        for (StatsSnapshot.Gauge g : snapshot.gauges()) {
            out.line(line(prefix, g.name(), Long.toString(g.value()), "|g", tags));
        }
        if (snapshot.samples() != null) {
            // Envoy's histograms record whole units (milliseconds for *_time): statsd timers too.
            for (StatsSnapshot.Sample s : snapshot.samples()) {
                out.line(line(prefix, s.name(), Long.toString((long) s.value()), "|ms", tags));
            }
        } else {
            histogramMeans(snapshot, prefix, tags, out);
        }
    }

    /**
     * Without samples (a registry that keeps none) a histogram that recorded n values since the
     * previous flush goes as one timer with their mean and a sample rate of 1/n, so the server
     * still counts n samples with the right sum.
     */
    private static void histogramMeans(StatsSnapshot snapshot, String prefix, StatsdTagFormat tags, Out out)
            throws IOException {
        for (StatsSnapshot.Histogram h : snapshot.histograms()) {
            if (h.deltaCount() > 0) {
                StringBuilder v = new StringBuilder();
                MeterValues.appendNumber(v, Math.round(h.deltaSum() / h.deltaCount() * 1000) / 1000.0);
                out.line(line(prefix, h.name(), v.toString(), h.deltaCount() == 1 ? "|ms" : "|ms|@" + (1.0 / h.deltaCount()),
                        tags));
            }
        }
    }

    private static StringBuilder line(String prefix, ExportedNames.Exported name, String value, String type,
                                      StatsdTagFormat tags) {
        boolean tagged = tags != StatsdTagFormat.NONE;
        StringBuilder m = new StringBuilder(96).append(prefix).append('.')
                .append(tagged ? name.tagExtractedName() : name.dottedName());
        if (tagged && tags.afterName) {
            appendTags(m, name.tags(), tags);
        }
        m.append(':').append(value).append(type);
        if (tagged && !tags.afterName) {
            appendTags(m, name.tags(), tags);
        }
        return m;
    }

    private static void appendTags(StringBuilder m, List<Tag> tags, StatsdTagFormat format) {
        for (int i = 0; i < tags.size(); i++) {
            m.append(i == 0 ? format.start : format.separator).append(tags.get(i).getKey()).append(format.assign)
                    .append(tags.get(i).getValue());
        }
    }
}
