package io.remora.stats;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;

import java.util.concurrent.atomic.AtomicLong;

/** Envoy's {@code udp.<stat_prefix>.*} stats of a udp_proxy. */
public final class UdpProxyStats {
    public static final String TAG = "envoy_udp_prefix";

    public final Counter downstreamSessTotal;
    /** A datagram with no cluster to go to (no route, or the routed cluster does not exist). */
    public final Counter downstreamSessNoRoute;
    public final Counter downstreamSessRxDatagrams;
    public final Counter downstreamSessRxBytes;
    public final Counter downstreamSessRxErrors;
    public final Counter downstreamSessTxDatagrams;
    public final Counter downstreamSessTxBytes;
    public final Counter downstreamSessTxErrors;
    /** Sessions ended by idle_timeout. */
    public final Counter idleTimeout;
    public final AtomicLong downstreamSessActive = new AtomicLong();
    private final MeterRegistry registry;
    private final String prefix;

    UdpProxyStats(MeterRegistry r, String prefix) {
        this.registry = r;
        this.prefix = prefix;
        downstreamSessTotal = c("envoy_udp_downstream_sess_total");
        downstreamSessNoRoute = c("envoy_udp_downstream_sess_no_route");
        downstreamSessRxDatagrams = c("envoy_udp_downstream_sess_rx_datagrams");
        downstreamSessRxBytes = c("envoy_udp_downstream_sess_rx_bytes");
        downstreamSessRxErrors = c("envoy_udp_downstream_sess_rx_errors");
        downstreamSessTxDatagrams = c("envoy_udp_downstream_sess_tx_datagrams");
        downstreamSessTxBytes = c("envoy_udp_downstream_sess_tx_bytes");
        downstreamSessTxErrors = c("envoy_udp_downstream_sess_tx_errors");
        idleTimeout = c("envoy_udp_idle_timeout");
        Gauge.builder("envoy_udp_downstream_sess_active", downstreamSessActive, AtomicLong::get).tag(TAG, prefix)
                .register(r);
    }

    private Counter c(String metric) {
        return Counter.builder(metric).tag(TAG, prefix).register(registry);
    }
}
