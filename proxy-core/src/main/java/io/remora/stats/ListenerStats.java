package io.remora.stats;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;

import java.util.concurrent.atomic.AtomicLong;

/** Envoy's {@code listener.<address>.*} stats; the label is e.g. {@code 0.0.0.0_15001}. */
public final class ListenerStats {
    public static final String TAG = "envoy_listener_address";

    public final Counter downstreamCxTotal;
    public final Counter downstreamCxDestroy;
    public final Counter noFilterChainMatch;
    /** Connections closed for a missing, malformed or disallowed PROXY protocol header. */
    public final Counter downstreamCxProxyProtoError;
    public final AtomicLong downstreamCxActive = new AtomicLong();
    /** Refused by the global connection limit / the listener's / the overload manager. */
    public final Counter downstreamGlobalCxOverflow;
    public final Counter downstreamCxOverflow;
    public final Counter downstreamCxOverloadReject;
    /** Closed because the transport socket (TLS handshake) did not connect in transport_socket_connect_timeout. */
    public final Counter downstreamCxTransportSocketConnectTimeout;

    private final TcpStatsMeters.OnFirstUse tcpStats;

    ListenerStats(MeterRegistry r, String label) {
        this.tcpStats = new TcpStatsMeters.OnFirstUse(() -> TcpStatsMeters.listener(r, label));
        downstreamCxTotal = Counter.builder("envoy_listener_downstream_cx_total").tag(TAG, label).register(r);
        downstreamCxDestroy = Counter.builder("envoy_listener_downstream_cx_destroy").tag(TAG, label).register(r);
        noFilterChainMatch = Counter.builder("envoy_listener_no_filter_chain_match").tag(TAG, label).register(r);
        downstreamCxProxyProtoError = Counter.builder("envoy_listener_downstream_cx_proxy_proto_error").tag(TAG, label)
                .register(r);
        downstreamGlobalCxOverflow = Counter.builder("envoy_listener_downstream_global_cx_overflow").tag(TAG, label).register(r);
        downstreamCxOverflow = Counter.builder("envoy_listener_downstream_cx_overflow").tag(TAG, label).register(r);
        downstreamCxOverloadReject = Counter.builder("envoy_listener_downstream_cx_overload_reject").tag(TAG, label).register(r);
        downstreamCxTransportSocketConnectTimeout = Counter.builder(
                "envoy_listener_downstream_cx_transport_socket_connect_timeout").tag(TAG, label).register(r);
        Gauge.builder("envoy_listener_downstream_cx_active", downstreamCxActive, AtomicLong::get).tag(TAG, label).register(r);
    }

    /** {@code listener.<label>.tcp_stats.*}, made when a filter chain's tcp_stats socket first needs them. */
    public TcpStatsMeters tcpStats() {
        return tcpStats.get();
    }
}
