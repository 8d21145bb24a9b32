package io.remora.stats;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.charset.StandardCharsets;
import java.util.logging.Logger;

/**
 * Envoy's UDP statsd sinks, with {@link StatsdLines}' metric lines. {@code envoy.stat_sinks.statsd}:
 * one metric per datagram. {@code envoy.stat_sinks.dog_statsd} and {@code graphite_statsd}: with
 * DogStatsD or Graphite tags, and with
 * {@code max_bytes_per_datagram} several metrics per datagram, newline-separated, as Envoy batches
 * them (a metric longer than the limit goes alone). Envoy sends a sample when the
 * histogram records it; Remora keeps the samples and sends them at the next flush.
 */
public final class UdpStatsdSink implements StatsSink {

    private static final Logger LOG = io.remora.log.Logging.logger("main");

    private final InetSocketAddress target;
    private final String prefix;
    private final StatsdTagFormat tags;
    private final int maxBytesPerDatagram;
    private final StringBuilder batch = new StringBuilder();
    private DatagramChannel channel;

    /** Plain statsd; {@code prefix} defaults to Envoy's "envoy". */
    public UdpStatsdSink(InetSocketAddress target, String prefix) {
        this(target, prefix, StatsdTagFormat.NONE, 0);
    }

    /**
     * @param tags                NONE: full names; else tag-extracted names with the tags in this format
     * @param maxBytesPerDatagram several metrics per datagram up to this size; 0 for one per datagram
     */
    public UdpStatsdSink(InetSocketAddress target, String prefix, StatsdTagFormat tags, int maxBytesPerDatagram) {
        this.target = target;
        this.prefix = StatsdLines.prefix(prefix);
        this.tags = tags;
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
            StatsdLines.write(snapshot, prefix, tags, this::write);
            flushBatch();
        } catch (IOException e) {
            // UDP: an unreachable or refusing target loses this flush only.
            batch.setLength(0);
            LOG.fine(() -> "statsd: sending to " + target + " failed: " + e);
        }
    }

    /** One metric, sent alone or added to the batch. */
    private void write(StringBuilder m) throws IOException {
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
        return switch (tags) {
            case NONE -> "statsd(";
            case DOG_STATSD -> "dog_statsd(";
            case GRAPHITE -> "graphite_statsd(";
        } + target + ")";
    }
}
