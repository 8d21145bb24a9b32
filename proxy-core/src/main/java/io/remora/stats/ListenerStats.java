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
    public final AtomicLong downstreamCxActive = new AtomicLong();
    /** Refused by the global connection limit / the listener's / the overload manager. */
    public final Counter downstreamGlobalCxOverflow;
    public final Counter downstreamCxOverflow;
    public final Counter downstreamCxOverloadReject;
    /** Closed because the transport socket (TLS handshake) did not connect in transport_socket_connect_timeout. */
    public final Counter downstreamCxTransportSocketConnectTimeout;

    private final TcpStatsMeters.OnFirstUse tcpStats;
    private final MeterRegistry registry;
    private final String label;
    /** By worker index; grown (copied) when a worker takes its first connection. */
    private volatile Worker[] workers = new Worker[0];
    private volatile TlsInspectorStats tlsInspector;

    ListenerStats(MeterRegistry r, String label) {
        this.registry = r;
        this.label = label;
        this.tcpStats = new TcpStatsMeters.OnFirstUse(() -> TcpStatsMeters.listener(r, label));
        downstreamCxTotal = Counter.builder("envoy_listener_downstream_cx_total").tag(TAG, label).register(r);
        downstreamCxDestroy = Counter.builder("envoy_listener_downstream_cx_destroy").tag(TAG, label).register(r);
        noFilterChainMatch = Counter.builder("envoy_listener_no_filter_chain_match").tag(TAG, label).register(r);
        downstreamGlobalCxOverflow = Counter.builder("envoy_listener_downstream_global_cx_overflow").tag(TAG, label).register(r);
        downstreamCxOverflow = Counter.builder("envoy_listener_downstream_cx_overflow").tag(TAG, label).register(r);
        downstreamCxOverloadReject = Counter.builder("envoy_listener_downstream_cx_overload_reject").tag(TAG, label).register(r);
        downstreamCxTransportSocketConnectTimeout = Counter.builder(
                "envoy_listener_downstream_cx_transport_socket_connect_timeout").tag(TAG, label).register(r);
        Gauge.builder("envoy_listener_downstream_cx_active", downstreamCxActive, AtomicLong::get).tag(TAG, label).register(r);
    }

    /**
     * Envoy's per-handler {@code listener.<label>.worker_<index>.downstream_cx_total} and
     * {@code downstream_cx_active}: how the listener's connections spread over the workers.
     */
    public Worker worker(int index) {
        Worker[] w = workers;
        return index < w.length && w[index] != null ? w[index] : newWorker(index);
    }

    private synchronized Worker newWorker(int index) {
        Worker[] w = workers;
        if (index < w.length && w[index] != null) {
            return w[index];
        }
        Worker[] grown = java.util.Arrays.copyOf(w, Math.max(w.length, index + 1));
        grown[index] = new Worker(registry, label, index);
        workers = grown;
        return grown[index];
    }

    /** One worker's share of the listener's connections. */
    public static final class Worker {
        public final Counter downstreamCxTotal;
        public final AtomicLong downstreamCxActive = new AtomicLong();

        private Worker(MeterRegistry r, String label, int index) {
            String prefix = "envoy_listener_worker_" + index + "_";
            downstreamCxTotal = Counter.builder(prefix + "downstream_cx_total").tag(TAG, label).register(r);
            Gauge.builder(prefix + "downstream_cx_active", downstreamCxActive, AtomicLong::get).tag(TAG, label)
                    .register(r);
        }
    }

    /** The root {@code tls_inspector.*} stats (the same meters whichever listener asks). */
    public TlsInspectorStats tlsInspector() {
        TlsInspectorStats t = tlsInspector;
        if (t == null) {
            t = new TlsInspectorStats(registry);
            tlsInspector = t;
        }
        return t;
    }

    /** The root {@code proxy_proto.[<prefix>.]*} stats of a proxy_protocol filter with this {@code stat_prefix}. */
    public ProxyProtocolStats proxyProtocol(String statPrefix) {
        return new ProxyProtocolStats(registry, statPrefix);
    }

    /** {@code listener.<label>.tcp_stats.*}, made when a filter chain's tcp_stats socket first needs them. */
    public TcpStatsMeters tcpStats() {
        return tcpStats.get();
    }
}
