package io.remora.listener;

import io.netty.channel.Channel;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.util.concurrent.GlobalEventExecutor;
import io.remora.config.FilterChainConfig;
import io.remora.network.ConnectionFilterFactory;
import io.remora.network.ConnectionInfo;
import io.remora.network.NetworkFilter;
import io.remora.network.NetworkFilterManager;
import io.remora.server.ServerContext;

/**
 * A built filter chain: its network filters (the non-terminal ones' factories and the terminal
 * filter, shared by every connection of the chain) and the connections it accepted, so that a
 * drain can close exactly them.
 */
public final class FilterChainRuntime {
    private final FilterChainConfig config;
    private final NetworkFilter filter;
    private final ConnectionFilterFactory[] connectionFilters;
    private final ServerContext context;
    private final ChannelGroup connections;

    public FilterChainRuntime(FilterChainConfig config, NetworkFilter filter) {
        this(config, new ConnectionFilterFactory[0], filter, null);
    }

    public FilterChainRuntime(FilterChainConfig config, ConnectionFilterFactory[] connectionFilters,
                              NetworkFilter filter, ServerContext context) {
        this.config = config;
        this.filter = filter;
        this.connectionFilters = connectionFilters.clone();
        this.context = context;
        this.connections = new DefaultChannelGroup(config.name() == null ? "chain" : config.name(),
                GlobalEventExecutor.INSTANCE);
    }

    public FilterChainConfig config() {
        return config;
    }

    public NetworkFilter filter() {
        return filter;
    }

    /** Hands an accepted connection to the chain: its network filters, then the terminal filter. */
    public void accept(Channel ch, ConnectionInfo info) {
        NetworkFilterManager.start(ch, info, context, connectionFilters, () -> filter.onAccept(ch, info));
    }

    public ChannelGroup connections() {
        return connections;
    }

    void track(Channel ch) {
        connections.add(ch); // the group forgets a channel when it closes
    }
}
