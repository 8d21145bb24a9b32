package io.remora.listener;

import io.netty.channel.Channel;
import io.netty.channel.group.ChannelGroupFuture;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.util.concurrent.GlobalEventExecutor;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The connections a filter chain accepted, so that a drain can close exactly them. Not a Netty
 * {@code ChannelGroup}: a group registers a close listener of its own on every member, and a
 * channel's second and third close listeners cost a listener list (56 B) on every connection,
 * idle ones included. Members leave through the connection's one close listener
 * ({@link ConnectionCloseAccounting}).
 */
public final class ChainConnections {
    private final String name;
    private final Set<Channel> channels = ConcurrentHashMap.newKeySet();

    ChainConnections(String name) {
        this.name = name;
    }

    void add(Channel ch) {
        channels.add(ch);
    }

    void remove(Channel ch) {
        channels.remove(ch);
    }

    public int size() {
        return channels.size();
    }

    /**
     * Closes the members of now; a connection that joins later (still in its listener filters
     * now) is not closed, as with a group.
     */
    public ChannelGroupFuture close() {
        // A group only for the close: its futures aggregate the closes for whoever waits on them.
        DefaultChannelGroup group = new DefaultChannelGroup(name, GlobalEventExecutor.INSTANCE);
        for (Channel ch : channels) {
            group.add(ch);
        }
        return group.close();
    }
}
