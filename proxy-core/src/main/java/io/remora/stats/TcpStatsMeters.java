package io.remora.stats;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;

import java.util.concurrent.atomic.AtomicLong;

/**
 * Envoy's {@code <scope>.tcp_stats.*} (the tcp_stats transport socket's): counters of segments,
 * bytes and losses, gauges of unsent bytes and unacknowledged segments summed over open
 * connections, and histograms of the kernel's per-connection estimates, in Envoy's units
 * (microseconds, bytes, and the retransmitted share as a fraction). One set per cluster or
 * listener, shared by its connections.
 */
public final class TcpStatsMeters {
    public final Counter txSegments;
    public final Counter rxSegments;
    public final Counter txDataSegments;
    public final Counter rxDataSegments;
    public final Counter txRetransmittedSegments;
    public final Counter rxBytesReceived;
    public final Counter txBytesSent;
    public final Counter dataSegmentsDelivered;
    public final Counter lost;
    public final AtomicLong txUnsentBytes = new AtomicLong();
    public final AtomicLong txUnackedSegments = new AtomicLong();
    public final DistributionSummary txPercentRetransmittedSegments;
    public final DistributionSummary rttUs;
    public final DistributionSummary rttVarianceUs;
    public final DistributionSummary rcvRtt;
    public final DistributionSummary txWindowScale;
    public final DistributionSummary rxWindowScale;
    public final DistributionSummary reordering;
    public final DistributionSummary congestionWindow;
    public final DistributionSummary rto;
    public final DistributionSummary ato;
    public final DistributionSummary txMssBytes;
    public final DistributionSummary rxMssBytes;
    public final DistributionSummary advmssBytes;
    public final DistributionSummary pacingRate;
    public final DistributionSummary deliveryRate;

    private final MeterRegistry registry;
    private final String prefix;
    private final String tagKey;
    private final String tagValue;

    /** A scope's meters, made when a tcp_stats socket first needs them (a gauge binds once per name). */
    static final class OnFirstUse {
        private final java.util.function.Supplier<TcpStatsMeters> make;
        private volatile TcpStatsMeters meters;

        OnFirstUse(java.util.function.Supplier<TcpStatsMeters> make) {
            this.make = make;
        }

        TcpStatsMeters get() {
            TcpStatsMeters m = meters;
            if (m == null) {
                synchronized (this) {
                    m = meters;
                    if (m == null) {
                        m = make.get();
                        meters = m;
                    }
                }
            }
            return m;
        }
    }

    /** {@code cluster.<name>.tcp_stats.*}. */
    static TcpStatsMeters cluster(MeterRegistry r, String statName) {
        return new TcpStatsMeters(r, "envoy_cluster_tcp_stats_", ClusterStats.TAG, statName);
    }

    /** {@code listener.<label>.tcp_stats.*}. */
    static TcpStatsMeters listener(MeterRegistry r, String label) {
        return new TcpStatsMeters(r, "envoy_listener_tcp_stats_", ListenerStats.TAG, label);
    }

    private TcpStatsMeters(MeterRegistry registry, String prefix, String tagKey, String tagValue) {
        this.registry = registry;
        this.prefix = prefix;
        this.tagKey = tagKey;
        this.tagValue = tagValue;
        txSegments = c("cx_tx_segments");
        rxSegments = c("cx_rx_segments");
        txDataSegments = c("cx_tx_data_segments");
        rxDataSegments = c("cx_rx_data_segments");
        txRetransmittedSegments = c("cx_tx_retransmitted_segments");
        rxBytesReceived = c("cx_rx_bytes_received");
        txBytesSent = c("cx_tx_bytes_sent");
        dataSegmentsDelivered = c("cx_data_segments_delivered");
        lost = c("cx_lost");
        Gauge.builder(prefix + "cx_tx_unsent_bytes", txUnsentBytes, AtomicLong::get).tag(tagKey, tagValue)
                .register(registry);
        Gauge.builder(prefix + "cx_tx_unacked_segments", txUnackedSegments, AtomicLong::get).tag(tagKey, tagValue)
                .register(registry);
        txPercentRetransmittedSegments = h("cx_tx_percent_retransmitted_segments");
        rttUs = h("cx_rtt_us");
        rttVarianceUs = h("cx_rtt_variance_us");
        rcvRtt = h("cx_rcv_rtt");
        txWindowScale = h("cx_tx_window_scale");
        rxWindowScale = h("cx_rx_window_scale");
        reordering = h("cx_reordering");
        congestionWindow = h("cx_congestion_window");
        rto = h("cx_rto");
        ato = h("cx_ato");
        txMssBytes = h("cx_tx_mss_bytes");
        rxMssBytes = h("cx_rx_mss_bytes");
        advmssBytes = h("cx_advmss_bytes");
        pacingRate = h("cx_pacing_rate");
        deliveryRate = h("cx_delivery_rate");
    }

    private Counter c(String name) {
        return Counter.builder(prefix + name).tag(tagKey, tagValue).register(registry);
    }

    private DistributionSummary h(String name) {
        return DistributionSummary.builder(prefix + name).tag(tagKey, tagValue)
                .serviceLevelObjectives(EnvoyBuckets.MILLIS).register(registry);
    }
}
