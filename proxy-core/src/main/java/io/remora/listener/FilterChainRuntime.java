package io.remora.listener;

import io.netty.channel.Channel;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.util.concurrent.GlobalEventExecutor;
import io.remora.config.FilterChainConfig;
import io.remora.network.NetworkFilter;

/**
 * A built filter chain: its terminal network filter (shared by every connection of the chain)
 * and the connections it accepted, so that a drain can close exactly them.
 */
public final class FilterChainRuntime {
    private final FilterChainConfig config;
    private final NetworkFilter filter;
    private final ChannelGroup connections;

    public FilterChainRuntime(FilterChainConfig config, NetworkFilter filter) {
        this.config = config;
        this.filter = filter;
        this.connections = new DefaultChannelGroup(config.name() == null ? "chain" : config.name(),
                GlobalEventExecutor.INSTANCE);
    }

    public FilterChainConfig config() {
        return config;
    }

    public NetworkFilter filter() {
        return filter;
    }

    public ChannelGroup connections() {
        return connections;
    }

    void track(Channel ch) {
        connections.add(ch); // the group forgets a channel when it closes
    }
}
