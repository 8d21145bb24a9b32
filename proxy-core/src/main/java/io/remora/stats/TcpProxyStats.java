package io.remora.stats;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;

import java.util.concurrent.atomic.AtomicLong;

/** Envoy's {@code tcp.<stat_prefix>.*} stats of a tcp_proxy. */
public final class TcpProxyStats {
    public static final String TAG = "envoy_tcp_prefix";

    public final Counter downstreamCxTotal;
    /** No cluster for the connection (none named, or the named one does not exist). */
    public final Counter downstreamCxNoRoute;
    public final Counter downstreamCxRxBytesTotal;
    public final Counter downstreamCxTxBytesTotal;
    /** Downstream reads stopped because the upstream could not take more, and started again. */
    public final Counter downstreamFlowControlPausedReadingTotal;
    public final Counter downstreamFlowControlResumedReadingTotal;
    /** Sessions closed by idle_timeout. */
    public final Counter idleTimeout;
    /** Sessions closed by max_downstream_connection_duration. */
    public final Counter maxDownstreamConnectionDuration;
    public final AtomicLong downstreamCxActive = new AtomicLong();
    private final MeterRegistry registry;
    private final String prefix;
    private volatile OnDemand onDemand;

    /** Envoy's {@code on_demand_cluster_*}: only a tcp_proxy with {@code on_demand} has them. */
    public record OnDemand(Counter attempt, Counter missing, Counter timeout, Counter success) {
    }

    TcpProxyStats(MeterRegistry r, String prefix) {
        this.registry = r;
        this.prefix = prefix;
        downstreamCxTotal = c("envoy_tcp_downstream_cx_total");
        downstreamCxNoRoute = c("envoy_tcp_downstream_cx_no_route");
        downstreamCxRxBytesTotal = c("envoy_tcp_downstream_cx_rx_bytes_total");
        downstreamCxTxBytesTotal = c("envoy_tcp_downstream_cx_tx_bytes_total");
        downstreamFlowControlPausedReadingTotal = c("envoy_tcp_downstream_flow_control_paused_reading_total");
        downstreamFlowControlResumedReadingTotal = c("envoy_tcp_downstream_flow_control_resumed_reading_total");
        idleTimeout = c("envoy_tcp_idle_timeout");
        maxDownstreamConnectionDuration = c("envoy_tcp_max_downstream_connection_duration");
        Gauge.builder("envoy_tcp_downstream_cx_active", downstreamCxActive, AtomicLong::get).tag(TAG, prefix)
                .register(r);
    }

    /** The on-demand stats, registered on the first call (by a tcp_proxy configured with on_demand). */
    public OnDemand onDemand() {
        OnDemand o = onDemand;
        if (o == null) {
            synchronized (this) {
                o = onDemand;
                if (o == null) {
                    o = new OnDemand(c("envoy_tcp_on_demand_cluster_attempt"), c("envoy_tcp_on_demand_cluster_missing"),
                            c("envoy_tcp_on_demand_cluster_timeout"), c("envoy_tcp_on_demand_cluster_success"));
                    onDemand = o;
                }
            }
        }
        return o;
    }

    private Counter c(String metric) {
        return Counter.builder(metric).tag(TAG, prefix).register(registry);
    }

    public String prefix() {
        return prefix;
    }
}
