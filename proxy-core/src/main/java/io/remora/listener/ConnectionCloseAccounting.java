package io.remora.listener;

import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;

/**
 * What an accepted connection undoes when it closes: the listener's connection counts and limits,
 * and, once a filter chain took it, its membership of the chain's connections; then the
 * listener's access log gets the connection. It is the
 * connection's only close listener in the listener layer (a second one makes Netty keep a
 * listener list per connection), and holds nothing of the connection: one is shared by all
 * connections of a listener runtime, and one more by those of each of its chains.
 */
final class ConnectionCloseAccounting implements ChannelFutureListener {
    final ListenerRuntime listener;
    private final ListenerRegistry registry;
    /** Null until a chain took the connection. */
    private final ChainConnections chain;
    /** The last chain's accounting: its connections share it instead of one each. */
    private volatile ConnectionCloseAccounting lastWithChain;

    ConnectionCloseAccounting(ListenerRuntime listener, ListenerRegistry registry) {
        this(listener, registry, null);
    }

    private ConnectionCloseAccounting(ListenerRuntime listener, ListenerRegistry registry, ChainConnections chain) {
        this.listener = listener;
        this.registry = registry;
        this.chain = chain;
    }

    /**
     * A chain took {@code ch}, whose close listener this is: the chain's accounting replaces it.
     * Returns false if the channel had closed already (this one has run; nothing to track).
     */
    boolean handOver(Channel ch, FilterChainRuntime to) {
        ChannelFuture closed = ch.closeFuture();
        // On the channel's event loop, where the close completes: it cannot complete in between.
        if (closed.isDone()) {
            return false;
        }
        ConnectionCloseAccounting next = lastWithChain;
        if (next == null || next.chain != to.connections()) {
            lastWithChain = next = new ConnectionCloseAccounting(listener, registry, to.connections());
        }
        to.connections().add(ch);
        closed.removeListener(this);
        closed.addListener(next);
        return true;
    }

    @Override
    public void operationComplete(ChannelFuture f) {
        if (chain != null) {
            chain.remove(f.channel());
        }
        listener.stats().downstreamCxActive.decrementAndGet();
        // Closed on the loop that counted it: a channel never changes loops.
        int worker = io.remora.server.ClosingIoEventLoopGroup.workerIndex(f.channel().eventLoop());
        if (worker >= 0) {
            listener.stats().worker(worker).downstreamCxActive.decrementAndGet();
        }
        listener.stats().downstreamCxDestroy.increment();
        registry.connectionClosed();
        registry.released(listener.config());
        ListenerAccessLog.closed(f.channel(), listener);
    }
}
