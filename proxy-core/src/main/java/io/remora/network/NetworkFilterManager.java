package io.remora.network;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.remora.server.ServerContext;

/**
 * The non-terminal network filters of one connection (Envoy's {@code Network::FilterManager}):
 * runs their {@code onNewConnection} in order and starts the terminal filter only once all
 * continued; passes read bytes through them in order and written bytes in reverse order. It sits
 * in the pipeline before the terminal filter's handlers, after the transport socket. Installed only
 * when a chain has such filters, so plain chains pay nothing.
 */
public final class NetworkFilterManager extends ChannelDuplexHandler {

    private static final java.util.logging.Logger LOG = io.remora.log.Logging.logger("filter");

    private final NetworkFilterSlot[] slots;
    private final Runnable startTerminal;
    /** Runs when the connection closes before the terminal filter started. */
    private final Runnable terminalNeverStarted;
    private final ConnectionInfo info;
    private final ServerContext context;
    /** Whether the connection's filter chain drains (a listener update replaced it); false upstream. */
    private final java.util.function.BooleanSupplier chainDraining;
    private ChannelHandlerContext ctx;
    /** Filters [0, started) passed onNewConnection; == slots.length once the terminal started. */
    private int started;
    /** Read bytes held before filter {@link #pendingAt}; null when none. */
    private ByteBuf pending;
    private int pendingAt = -1;
    private boolean pendingEnd;
    /** Filter {@link #pendingAt} has seen the held bytes (it stopped on them), not only waits to start. */
    private boolean pendingSeen;
    private boolean closed;
    /** Inside {@link #channelRead}: the read's own channelReadComplete follows. */
    private boolean reading;
    /** Bytes went on to the terminal filter since its last channelReadComplete. */
    private boolean emitted;
    /** A close went through the pipeline (this proxy's, Envoy's LocalClose) before the channel ended. */
    private boolean closedLocally;
    /** The peer reset the connection: Envoy's RemoteClose, whoever then closes the channel. */
    private boolean peerReset;

    private NetworkFilterManager(ConnectionFilterFactory[] factories, ConnectionInfo info, ServerContext context,
                                 java.util.function.BooleanSupplier chainDraining, Runnable startTerminal,
                                 Runnable terminalNeverStarted) {
        this.info = info;
        this.context = context;
        this.chainDraining = chainDraining;
        this.startTerminal = startTerminal;
        this.terminalNeverStarted = terminalNeverStarted;
        this.slots = new NetworkFilterSlot[factories.length];
        for (int i = 0; i < factories.length; i++) {
            slots[i] = new NetworkFilterSlot(this, info, context, i, factories[i].newFilter());
        }
    }

    /**
     * Hands an accepted connection to its filter chain: the network filters first, then
     * {@code terminal} (the terminal filter's onAccept) once they let the connection through;
     * {@code neverStarted} when the connection closes first; {@code chainDraining} tells the
     * filters whether their chain drains.
     */
    public static void start(Channel ch, ConnectionInfo info, ServerContext context,
                             ConnectionFilterFactory[] factories, java.util.function.BooleanSupplier chainDraining,
                             Runnable terminal, Runnable neverStarted) {
        if (factories.length == 0) {
            terminal.run();
            return;
        }
        ch.pipeline().addLast("remora-network-filters",
                new NetworkFilterManager(factories, info, context, chainDraining, terminal, neverStarted));
    }

    /**
     * Runs a cluster's upstream network filters on a connection to one of its hosts: they sit
     * after the transport socket, before the caller's handlers, and {@code connected} (handing
     * the connection to its caller) runs once they all let it through. Reads go through them in
     * order, writes in reverse, as on a downstream connection.
     */
    public static void startUpstream(Channel ch, ConnectionInfo info, ServerContext context,
                                     ConnectionFilterFactory[] factories, Runnable connected) {
        NetworkFilterManager m = new NetworkFilterManager(factories, info, context, () -> false, connected, null);
        if (ch.pipeline().get("tls") != null) {
            ch.pipeline().addAfter("tls", "remora-upstream-filters", m);
        } else {
            ch.pipeline().addFirst("remora-upstream-filters", m);
        }
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
        for (NetworkFilterSlot s : slots) {
            s.filter.initialize(s);
        }
        startFrom(0);
    }

    private void startFrom(int from) {
        for (int i = from; i < slots.length; i++) {
            if (closed) {
                return;
            }
            started = i;
            if (slots[i].filter.onNewConnection() == NetworkFilterStatus.STOP_ITERATION) {
                return;
            }
        }
        started = slots.length;
        if (!closed) {
            startTerminal.run();
        }
    }

    /**
     * True once the terminal filter runs, nothing is held, and no filter of this connection
     * looks at bytes (none overrides {@code onData} or {@code onWrite}: e.g. set_filter_state,
     * local_ratelimit, which act at the connection's start): its bytes may then bypass the
     * pipeline (tcp_proxy's splice) without a filter missing any.
     */
    public boolean bytesUnobserved() {
        if (started != slots.length || pending != null || closed) {
            return false;
        }
        for (NetworkFilterSlot s : slots) {
            if (ByteObservingFilters.observesBytes(s.filter)) {
                return false;
            }
        }
        return true;
    }

    // ------------------------------------------------------------------ read path

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof ByteBuf data)) {
            ctx.fireChannelRead(msg);
            return;
        }
        reading = true;
        try {
            readFrom(0, data, false);
        } finally {
            reading = false;
        }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        emitted = false;
        if (pending != null && pendingSeen && !ctx.channel().config().isAutoRead()) {
            // A filter waits for more bytes (a header split across reads) on a connection whose
            // reads its owner drives (a tcp_proxy relay): nothing reached the owner to read again.
            ctx.read();
        }
        ctx.fireChannelReadComplete();
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof ChannelInputShutdownEvent) {
            readFrom(0, Unpooled.EMPTY_BUFFER, true);
            return;
        }
        ctx.fireUserEventTriggered(evt);
    }

    private void readFrom(int from, ByteBuf data, boolean endStream) {
        for (int i = from; i < slots.length; i++) {
            if (closed) {
                data.release();
                return;
            }
            if (pending != null && i == pendingAt) {
                data = ByteBufAppend.append(ctx.alloc(), pending, data);
                pending = null;
                endStream |= pendingEnd;
                if (!pendingSeen && i >= started) {
                    hold(data, i, endStream, false);
                    return;
                }
            } else if (i >= started) {
                hold(data, i, endStream, false);
                return;
            }
            if (slots[i].filter.onData(data, endStream) == NetworkFilterStatus.STOP_ITERATION) {
                hold(data, i, endStream, true);
                return;
            }
        }
        emitRead(data, endStream);
    }

    private void hold(ByteBuf data, int at, boolean endStream, boolean seen) {
        pending = data;
        pendingAt = at;
        pendingEnd = endStream;
        pendingSeen = seen;
    }

    private void emitRead(ByteBuf data, boolean endStream) {
        if (closed) {
            data.release();
            return;
        }
        if (data.isReadable()) {
            emitted = true;
            ctx.fireChannelRead(data);
        } else {
            data.release();
        }
        if (endStream) {
            ctx.fireUserEventTriggered(ChannelInputShutdownEvent.INSTANCE);
        }
    }

    private void continueFrom(int i) {
        if (closed) {
            return;
        }
        if (started == i) {
            startFrom(i + 1);
            if (pending != null && pendingAt == i && !pendingSeen) {
                // Filter i never saw these bytes: it only held the connection's start.
                ByteBuf d = takePending();
                readFrom(i, d, pendingEnd);
                return;
            }
        }
        if (pending != null && pendingAt == i && pendingSeen) {
            boolean end = pendingEnd;
            ByteBuf d = takePending();
            readFrom(i + 1, d, end);
        } else if (pending != null && pendingAt > i && pendingAt < started && !pendingSeen) {
            boolean end = pendingEnd;
            int at = pendingAt;
            ByteBuf d = takePending();
            readFrom(at, d, end);
        }
    }

    /**
     * Bytes a filter let through from a timer or a callback, not from a read: the terminal filter
     * flushes what it wrote for them at channelReadComplete, which no read will bring.
     */
    private void completeOutsideRead() {
        if (emitted && !reading && !closed) {
            emitted = false;
            ctx.fireChannelReadComplete();
        }
    }

    private ByteBuf takePending() {
        ByteBuf d = pending;
        pending = null;
        pendingAt = -1;
        pendingSeen = false;
        return d;
    }

    // ------------------------------------------------------------------ write path

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        if (!(msg instanceof ByteBuf data)) {
            ctx.write(msg, promise);
            return;
        }
        writeFrom(slots.length - 1, data, promise);
    }

    private void writeFrom(int from, ByteBuf data, ChannelPromise promise) {
        for (int i = from; i >= 0; i--) {
            if (slots[i].filter.onWrite(data, false) == NetworkFilterStatus.STOP_ITERATION) {
                // The filter took the bytes; it writes them (or others) later through the chain.
                promise.trySuccess();
                return;
            }
        }
        ctx.write(data, promise);
    }

    // ------------------------------------------------------------------ close

    @Override
    public void close(ChannelHandlerContext ctx, ChannelPromise promise) {
        closedLocally = true;
        ctx.close(promise);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (!closedLocally && io.remora.accesslog.ConnectionCloses.isPeerReset(cause)) {
            peerReset = true;
        }
        ctx.fireExceptionCaught(cause);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        onClosed();
        ctx.fireChannelInactive();
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        onClosed();
    }

    private void onClosed() {
        if (closed) {
            return;
        }
        closed = true;
        if (pending != null) {
            pending.release();
            pending = null;
        }
        for (NetworkFilterSlot s : slots) {
            try {
                s.filter.onClose();
            } catch (RuntimeException e) {
                LOG.log(java.util.logging.Level.WARNING, "network filter onClose failed", e);
            }
        }
        if (started != slots.length && terminalNeverStarted != null && (ctx == null || !ctx.channel().isActive())) {
            terminalNeverStarted.run();
        }
    }

    // ------------------------------------------------------------------ what a filter's callbacks reach

    ChannelHandlerContext ctx() {
        return ctx;
    }

    boolean closed() {
        return closed;
    }

    boolean closedLocally() {
        return closedLocally && !peerReset;
    }

    boolean draining() {
        // Network filters ask Envoy's drainClose(DrainDirection::All): an inbound-only drain is not theirs.
        return chainDraining.getAsBoolean() || context != null && context.draining(false);
    }

    /** A filter continued from a timer or a callback: {@link #continueFrom}, then the read it emitted completes. */
    void continueOutsideRead(int index) {
        continueFrom(index);
        completeOutsideRead();
    }

    void injectRead(int from, ByteBuf data, boolean endStream) {
        readFrom(from, data, endStream);
        completeOutsideRead();
    }

    void injectWrite(int from, ByteBuf data) {
        if (closed) {
            data.release();
            return;
        }
        writeFrom(from, data, ctx.newPromise());
        ctx.flush();
    }
}
