package io.remora.udp;

import io.micrometer.core.instrument.Counter;
import io.remora.accesslog.AccessLog;
import io.remora.config.ListenerConfig;
import io.remora.config.UdpProxyConfig;
import io.remora.matching.UnifiedMatcherEvaluator;
import io.remora.server.ServerContext;
import io.remora.server.Transport;
import io.remora.stats.StatsRegistry;
import io.remora.stats.UdpProxyStats;
import io.remora.upstream.ClusterManager;

/**
 * One UDP listener's udp_proxy: what its sockets share (config, stats, the compiled matcher).
 * Each socket gets its own {@link UdpProxyFilter}, so sessions live on that socket's event loop.
 */
public final class UdpProxy {
    final UdpProxyConfig config;
    final UdpProxyStats stats;
    final StatsRegistry statsRegistry;
    final ClusterManager clusters;
    final Transport transport;
    final UnifiedMatcherEvaluator<String> matcher;
    final Counter datagramsDropped;
    final int maxRxDatagramSize;
    final long idleTimeoutNanos;
    final AccessLog[] sessionLogs;
    final AccessLog[] proxyLogs;

    public UdpProxy(ListenerConfig.UdpListener udp, String listenerStatLabel, ServerContext context) {
        this.config = (UdpProxyConfig) udp.filter();
        StatsRegistry stats = context.stats();
        this.stats = stats.udp(config.statPrefix());
        this.statsRegistry = stats;
        this.clusters = context.clusterManager();
        this.transport = context.transport();
        this.sessionLogs = config.sessionAccessLogs().isEmpty() ? new AccessLog[0]
                : context.accessLogs(config.sessionAccessLogs()).toArray(new AccessLog[0]);
        this.proxyLogs = config.proxyAccessLogs().isEmpty() ? new AccessLog[0]
                : context.accessLogs(config.proxyAccessLogs()).toArray(new AccessLog[0]);
        this.matcher = config.matcher() == null ? null : new UnifiedMatcherEvaluator<>(config.matcher());
        this.datagramsDropped = stats.udpListenerDropped(listenerStatLabel);
        this.maxRxDatagramSize = udp.maxRxDatagramSize();
        this.idleTimeoutNanos = config.idleTimeout().toNanos();
    }

    /** The handler of one of the listener's sockets. */
    public UdpProxyFilter newFilter() {
        return new UdpProxyFilter(this);
    }
}
