package io.remora.stats;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * A cluster's stats as a udp_proxy uses it: Envoy's {@code cluster.<name>.udp.*}, and the
 * {@code upstream_cx_overflow} its sessions count against max_connections.
 */
public final class UdpClusterStats {
    public final Counter sessRxDatagrams;
    public final Counter sessRxErrors;
    public final Counter sessTxDatagrams;
    public final Counter sessTxErrors;
    /** Datagrams that found the session's upstream socket not (yet) able to take them. */
    public final Counter sessTxDatagramsDropped;
    /** A new session refused by the cluster's max_connections circuit breaker. */
    public final Counter upstreamCxOverflow;

    UdpClusterStats(MeterRegistry r, String cluster) {
        sessRxDatagrams = c(r, "envoy_cluster_udp_sess_rx_datagrams", cluster);
        sessRxErrors = c(r, "envoy_cluster_udp_sess_rx_errors", cluster);
        sessTxDatagrams = c(r, "envoy_cluster_udp_sess_tx_datagrams", cluster);
        sessTxErrors = c(r, "envoy_cluster_udp_sess_tx_errors", cluster);
        sessTxDatagramsDropped = c(r, "envoy_cluster_udp_sess_tx_datagrams_dropped", cluster);
        upstreamCxOverflow = c(r, "envoy_cluster_upstream_cx_overflow", cluster);
    }

    private static Counter c(MeterRegistry r, String metric, String cluster) {
        return Counter.builder(metric).tag(ClusterStats.TAG, cluster).register(r);
    }
}
