package io.remora.stats;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.charset.StandardCharsets;
import java.util.logging.Logger;

/**
 * {@code envoy.stat_sinks.statsd} over UDP, in Envoy's plain statsd format: one datagram per stat,
 * {@code <prefix>.<dotted name>:<value>|c} for counters (the change since the previous flush; only
 * counters ever used), {@code |g} for gauges. Envoy sends each histogram sample as it is recorded
 * ({@code :<ms>|ms}); Remora keeps no samples, so at each flush a histogram that recorded n samples
 * is sent as one timer line with their mean and a sample rate of 1/n
 * ({@code name:12.5|ms|@0.25}): statsd servers then count n samples with the right sum and
 * mean, though percentiles computed by the server see only the mean.
 */
public final class UdpStatsdSink implements StatsSink {

    private static final Logger LOG = io.remora.log.Logging.logger("main");

    private final InetSocketAddress target;
    private final String prefix;
    private DatagramChannel channel;

    /** @param prefix {@code prefix} (Envoy's default "envoy") */
    public UdpStatsdSink(InetSocketAddress target, String prefix) {
        this.target = target;
        this.prefix = prefix == null || prefix.isEmpty() ? "envoy" : prefix;
    }

    @Override
    public void flush(StatsSnapshot snapshot) {
        try {
            if (channel == null) {
                channel = DatagramChannel.open();
            }
            for (StatsSnapshot.Counter c : snapshot.counters()) {
                if (c.used()) {
                    send(c.name().dottedName(), Long.toString(c.delta()), "|c");
                }
            }
            for (StatsSnapshot.Gauge g : snapshot.gauges()) {
                send(g.name().dottedName(), Long.toString(g.value()), "|g");
            }
            for (StatsSnapshot.Histogram h : snapshot.histograms()) {
                if (h.deltaCount() > 0) {
                    StringBuilder v = new StringBuilder();
                    MeterValues.appendNumber(v, Math.round(h.deltaSum() / h.deltaCount() * 1000) / 1000.0);
                    String rate = h.deltaCount() == 1 ? "" : "|@" + (1.0 / h.deltaCount());
                    send(h.name().dottedName(), v.toString(), "|ms" + rate);
                }
            }
        } catch (IOException e) {
            // UDP: an unreachable or refusing target loses this flush only.
            LOG.fine(() -> "statsd: sending to " + target + " failed: " + e);
        }
    }

    private void send(String name, String value, String type) throws IOException {
        byte[] b = (prefix + "." + name + ":" + value + type).getBytes(StandardCharsets.UTF_8);
        channel.send(ByteBuffer.wrap(b), target);
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
        return "statsd(" + target + ")";
    }
}
