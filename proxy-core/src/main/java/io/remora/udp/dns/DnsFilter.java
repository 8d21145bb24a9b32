package io.remora.udp.dns;

import io.micrometer.core.instrument.Counter;
import io.netty.channel.ChannelHandler;
import io.remora.config.DnsFilterConfig;
import io.remora.config.ListenerConfig;
import io.remora.server.ServerContext;
import io.remora.upstream.ClusterManager;

/**
 * One UDP listener's DNS filter ({@code envoy.filters.udp.dns_filter}): what its sockets share
 * (config, table, stats). Each socket gets its own {@link DnsFilterHandler}, so queries and their
 * external lookups live on that socket's event loop.
 */
public final class DnsFilter {
    final DnsFilterConfig config;
    final DnsFilterStats stats;
    final DnsLookupTable table;
    final ClusterManager clusters;
    final Counter datagramsDropped;
    final int maxRxDatagramSize;

    public DnsFilter(ListenerConfig.UdpListener udp, String listenerStatLabel, ServerContext context) {
        this.config = (DnsFilterConfig) udp.filter();
        this.stats = new DnsFilterStats(context.stats().meterRegistry(), config.statPrefix());
        this.table = new DnsLookupTable(config.domains());
        this.clusters = context.clusterManager();
        this.datagramsDropped = context.stats().udpListenerDropped(listenerStatLabel);
        this.maxRxDatagramSize = udp.maxRxDatagramSize();
    }

    /** The handler of one of the listener's sockets. */
    public ChannelHandler newHandler() {
        return new DnsFilterHandler(this);
    }
}
