package io.remora.stats;

import io.micrometer.core.instrument.Tag;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.logging.Logger;

/**
 * Envoy's UDP statsd sinks. {@code envoy.stat_sinks.statsd}: {@code <prefix>.<full name>:<value>|c}
 * for counters (the change since the previous flush; only counters ever used), {@code |g} for
 * gauges, and every histogram sample as a timer {@code <prefix>.<name>:<ms>|ms}, one metric per
 * datagram. {@code envoy.stat_sinks.dog_statsd}: the tag-extracted name with the tags after the
 * value in DogStatsD's form ({@code envoy.cluster.upstream_rq_total:1|c|#envoy.cluster_name:up}),
 * and with {@code max_bytes_per_datagram} several metrics per datagram, newline-separated, as
 * Envoy batches them (a metric longer than the limit goes alone). Envoy sends a sample when the
 * histogram records it; Remora keeps the samples and sends them at the next flush.
 */
public final class UdpStatsdSink implements StatsSink {

    private static final Logger LOG = io.remora.log.Logging.logger("main");

    private final InetSocketAddress target;
    private final String prefix;
    private final boolean dogStatsd;
    private final int maxBytesPerDatagram;
    private final StringBuilder batch = new StringBuilder();
    private DatagramChannel channel;

    /** Plain statsd; {@code prefix} defaults to Envoy's "envoy". */
    public UdpStatsdSink(InetSocketAddress target, String prefix) {
        this(target, prefix, false, 0);
    }

    /**
     * @param dogStatsd           tag-extracted names with DogStatsD tags ({@code |#k:v,...})
     * @param maxBytesPerDatagram several metrics per datagram up to this size; 0 for one per datagram
     */
    public UdpStatsdSink(InetSocketAddress target, String prefix, boolean dogStatsd, int maxBytesPerDatagram) {
        this.target = target;
        this.prefix = prefix == null || prefix.isEmpty() ? "envoy" : prefix;
        this.dogStatsd = dogStatsd;
        this.maxBytesPerDatagram = Math.max(0, maxBytesPerDatagram);
    }

    @Override
    public boolean wantsSamples() {
        return true;
    }

    @Override
    public void flush(StatsSnapshot snapshot) {
        try {
            if (channel == null) {
                channel = DatagramChannel.open();
            }
            for (StatsSnapshot.Counter c : snapshot.counters()) {
                if (c.used()) {
                    write(c.name(), Long.toString(c.delta()), "|c");
                }
            }
            for (StatsSnapshot.Gauge g : snapshot.gauges()) {
                write(g.name(), Long.toString(g.value()), "|g");
            }
            if (snapshot.samples() != null) {
                // Envoy's histograms record whole units (milliseconds for *_time): statsd timers too.
                for (StatsSnapshot.Sample s : snapshot.samples()) {
                    write(s.name(), Long.toString((long) s.value()), "|ms");
                }
            } else {
                histogramMeans(snapshot);
            }
            flushBatch();
        } catch (IOException e) {
            // UDP: an unreachable or refusing target loses this flush only.
            batch.setLength(0);
            LOG.fine(() -> "statsd: sending to " + target + " failed: " + e);
        }
    }

    /**
     * Without samples (a registry that keeps none) a histogram that recorded n values since the
     * previous flush goes as one timer with their mean and a sample rate of 1/n, so the server
     * still counts n samples with the right sum.
     */
    private void histogramMeans(StatsSnapshot snapshot) throws IOException {
        for (StatsSnapshot.Histogram h : snapshot.histograms()) {
            if (h.deltaCount() > 0) {
                StringBuilder v = new StringBuilder();
                MeterValues.appendNumber(v, Math.round(h.deltaSum() / h.deltaCount() * 1000) / 1000.0);
                write(h.name(), v.toString(), h.deltaCount() == 1 ? "|ms" : "|ms|@" + (1.0 / h.deltaCount()));
            }
        }
    }

    /** One metric: {@code prefix.name:value|type[|#tags]}, sent alone or added to the batch. */
    private void write(ExportedNames.Exported name, String value, String type) throws IOException {
        StringBuilder m = new StringBuilder(96).append(prefix).append('.')
                .append(dogStatsd ? name.tagExtractedName() : name.dottedName())
                .append(':').append(value).append(type);
        if (dogStatsd) {
            appendTags(m, name.tags());
        }
        if (maxBytesPerDatagram == 0 || m.length() >= maxBytesPerDatagram) {
            send(m);
            return;
        }
        if (batch.length() + m.length() + 1 > maxBytesPerDatagram) {
            flushBatch();
        } else if (batch.length() > 0) {
            batch.append('\n');
        }
        batch.append(m);
    }

    private static void appendTags(StringBuilder m, List<Tag> tags) {
        for (int i = 0; i < tags.size(); i++) {
            m.append(i == 0 ? "|#" : ",").append(tags.get(i).getKey()).append(':').append(tags.get(i).getValue());
        }
    }

    private void flushBatch() throws IOException {
        if (batch.length() > 0) {
            send(batch);
            batch.setLength(0);
        }
    }

    private void send(CharSequence datagram) throws IOException {
        channel.send(ByteBuffer.wrap(datagram.toString().getBytes(StandardCharsets.UTF_8)), target);
    }

    @Override
    public void close() {
        if (channel != null) {
            try {
                channel.close();
            } catch (IOException e) {
                // closing
            }
        }
    }

    @Override
    public String toString() {
        return (dogStatsd ? "dog_statsd(" : "statsd(") + target + ")";
    }
}
