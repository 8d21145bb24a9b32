package io.remora.http;

import io.netty.channel.Channel;
import io.netty.handler.ssl.SslHandler;
import io.remora.network.ConnectionInfo;
import io.remora.network.FilterState;

import java.net.InetSocketAddress;
import java.net.SocketAddress;

/**
 * One downstream connection as its streams see it: addresses, TLS, protocol, drain state and the
 * connection idle timeout. Lives on the connection's event loop.
 */
final class ConnectionContext extends io.remora.overload.WorkerOverload.Tracked
        implements io.remora.util.DeadlineHeap.Entry {

    /** What the codec does when the connection idles out or drains. */
    interface Codec {
        /** HTTP/1.1: close after the next response; HTTP/2: GOAWAY, close when the last stream ends. */
        void startDrain();

        /** The server shuts down: a connection with no request in progress closes now. */
        default void closeIfIdle() {
        }

        void onIdleTimeout();

        /** reduce_timeouts changed strength: a running header phase is judged by the new timeouts. */
        default void onTimerScaleChanged() {
        }
    }

    final HttpConnectionManager hcm;
    final Channel channel;
    final ConnectionInfo info;
    final boolean tls;
    /** HTTP/2 (prior knowledge or ALPN) rather than HTTP/1.1. */
    boolean http2;
    Codec codec;
    boolean draining;
    boolean closed;
    int activeStreams;
    /** max_connection_duration / max_requests_per_connection; null when neither is set. */
    ConnectionLifetime lifetime;
    /**
     * The header-phase guard's re-evaluation of its running timer under a new scale, when the codec
     * does not do it ({@link Codec#onTimerScaleChanged}); null if none.
     */
    Runnable headerPhaseRescale;
    /**
     * A request's headers are arriving: in Envoy its stream exists from the first byte, so the
     * connection is not idle (the header-phase timeouts watch it instead).
     */
    /**
     * Where the head of the stream about to be made began (its first byte on HTTP/1.1, its HEADERS
     * frame on HTTP/2 when the block spanned reads), 0 when not known: in Envoy the stream exists
     * from then, and its request_timeout and max_stream_duration count from then. Taken (and
     * cleared) by the stream.
     */
    long headerPhaseStartNanos;
    boolean headerPhase;
    /**
     * Who closed the socket, for downstream_cx_destroy_local/remote: this proxy, unless an I/O
     * error (a reset, a broken pipe) came first, which Envoy counts as the peer's close.
     */
    boolean closedLocally;
    private boolean closedByPeer;
    /** HTTP/1.1: the peer reset the connection (%DOWNSTREAM_DETECTED_CLOSE_TYPE%'s RemoteReset). */
    boolean peerReset;
    /** A request was in progress when the connection closed (its codec sets it, before resetting it). */
    boolean requestsAtClose;
    /** downstream_cx_drain_close counts a connection once. */
    boolean drainCloseCounted;
    /** A request reached the connection manager (in Envoy: the connection has its codec). */
    boolean servedRequest;
    private long idleSinceNanos = System.nanoTime();
    // One deadline per connection serves both of its timeouts: the connection idle timeout and
    // the stream idle timeouts (re-armed for the earliest deadline of the streams it watches,
    // instead of a schedule and a cancel per request). Each timeout keeps its own deadline; the
    // connection's runs at the earlier. It is a place in the worker's heap of connection
    // deadlines, not a scheduled task: every idle keep-alive connection holds it.
    private int heapSlot;
    private boolean idleArmed;
    private long idleAt;
    private ActiveStream idleHead;
    private boolean streamIdleArmed;
    private long streamIdleAt;

    ConnectionContext(HttpConnectionManager hcm, Channel channel, ConnectionInfo info) {
        this.hcm = hcm;
        this.channel = channel;
        this.info = info;
        this.tls = channel.pipeline().get(SslHandler.class) != null
                || (info != null && "tls".equals(info.transportProtocol()));
        hcm.overload.worker(channel.eventLoop()).addConnection(this);
    }

    /**
     * What one stream may buffer before a 413 (request) or 500 (response): Envoy takes the
     * connection's buffer limit, the listener's per_connection_buffer_limit_bytes. Derived, not
     * kept: every idle connection holds this context.
     */
    int bufferLimit() {
        int limit = info == null ? ConnectionInfo.DEFAULT_BUFFER_LIMIT : info.bufferLimit();
        return limit <= 0 ? Integer.MAX_VALUE : limit;
    }

    /**
     * This event loop's part of the overload manager: tracks our streams, holds our deadline. The
     * one tracking this connection while it is open, not a field of its own.
     */
    io.remora.overload.WorkerOverload worker() {
        io.remora.overload.WorkerOverload w = tracker();
        return w != null ? w : hcm.overload.worker(channel.eventLoop());
    }

    void closeLocally() {
        if (!closedByPeer) {
            closedLocally = true;
        }
    }

    /** An error closes the connection: an I/O one is the peer's doing, as Envoy's read and write errors are. */
    void closeOn(Throwable cause) {
        if (cause instanceof java.io.IOException && !closedLocally) {
            closedByPeer = true;
        }
    }

    /**
     * A response goes out while the listener or the server drains: as Envoy's encodeHeaders, the
     * connection starts its drain (HTTP/1.1 closes after this response, HTTP/2 sends its GOAWAY)
     * and counts downstream_cx_drain_close, once.
     */
    void onResponseWhileDraining() {
        if (!drainCloseCounted) {
            drainCloseCounted = true;
            hcm.stats.downstreamCxDrainClose.increment();
            drain();
        }
    }

    /** The connection's id (%CONNECTION_ID%, the debug log's tags). */
    long connectionId() {
        return io.remora.network.ConnectionIds.of(info, channel);
    }

    // Derived, not fields: every idle connection keeps its context, and three references less
    // take it down a size class.
    String protocol() {
        return http2 ? "HTTP/2" : "HTTP/1.1";
    }

    String scheme() {
        return tls ? "https" : "http";
    }

    SocketAddress remoteAddress() {
        return info != null && info.remoteAddress() != null ? info.remoteAddress() : channel.remoteAddress();
    }

    /** The (original, when recovered) destination. */
    SocketAddress localAddress() {
        return info != null && info.localAddress() != null ? info.localAddress() : channel.localAddress();
    }

    InetSocketAddress remoteInet() {
        return remoteAddress() instanceof InetSocketAddress i ? i : null;
    }

    InetSocketAddress localInet() {
        return localAddress() instanceof InetSocketAddress i ? i : null;
    }

    void streamStarted() {
        servedRequest = true;
        activeStreams++;
        if (lifetime != null) {
            lifetime.onStream();
        }
    }

    void streamEnded() {
        if (--activeStreams == 0) {
            idleSinceNanos = System.nanoTime();
        }
    }

    /** Arms the connection idle timeout (idle = no active stream), if configured. */
    void armIdleTimer() {
        if (hcm.idleTimeoutNanos > 0) {
            idleArmed = true;
            idleAt = System.nanoTime() + scaledIdleTimeout();
            schedule();
        }
    }

    /** Makes sure the task runs by the earlier armed deadline; a task due earlier stays (it re-arms). */
    private void schedule() {
        if (closed) {
            return;
        }
        long at;
        if (idleArmed) {
            at = idleAt;
            if (streamIdleArmed && streamIdleAt - at < 0) {
                at = streamIdleAt;
            }
        } else if (streamIdleArmed) {
            at = streamIdleAt;
        } else {
            return;
        }
        io.remora.util.DeadlineHeap heap = worker().connectionDeadlines;
        if (heap.contains(this) && heap.deadline(this) - at <= 0) {
            return;
        }
        heap.schedule(this, at);
    }

    @Override
    public int heapSlot() {
        return heapSlot;
    }

    @Override
    public void heapSlot(int slot) {
        heapSlot = slot;
    }

    /** The connection's deadline passed: each timeout whose own deadline did fires. */
    @Override
    public void onDeadline() {
        if (closed) {
            return;
        }
        long now = System.nanoTime();
        if (idleArmed && idleAt - now <= 0) {
            idleArmed = false;
            checkIdle(now);
        }
        if (streamIdleArmed && streamIdleAt - now <= 0) {
            streamIdleArmed = false;
            checkStreamIdle(now);
        }
        schedule();
    }

    // reduce_timeouts shortens the idle timeout while the proxy is under memory pressure.
    private long scaledIdleTimeout() {
        return hcm.overload.scaledTimeoutNanos(
                io.remora.config.OverloadManagerConfig.TimerType.HTTP_DOWNSTREAM_CONNECTION_IDLE, hcm.idleTimeoutNanos);
    }

    /** reduce_timeouts changed strength: both idle timers look again with the new timeouts. */
    @Override
    protected void onTimerScaleChanged() {
        if (closed) {
            return;
        }
        if (lifetime != null) {
            lifetime.onTimerScaleChanged();
        }
        if (codec != null) {
            codec.onTimerScaleChanged();
        }
        if (headerPhaseRescale != null) {
            headerPhaseRescale.run();
        }
        long now = System.nanoTime();
        if (idleArmed) {
            idleArmed = false;
            checkIdle(now);
        }
        if (streamIdleArmed) {
            streamIdleArmed = false;
            checkStreamIdle(now);
        }
        schedule();
    }

    // One deadline moved on for the remaining time, rather than one reschedule per stream.
    private void checkIdle(long now) {
        if (closed) {
            return;
        }
        long timeout = scaledIdleTimeout();
        long next = timeout;
        if (activeStreams == 0 && !headerPhase) {
            long idle = now - idleSinceNanos;
            if (idle >= timeout) {
                hcm.stats.downstreamCxIdleTimeout.increment();
                codec.onIdleTimeout();
                return;
            }
            next = timeout - idle;
        }
        idleArmed = true;
        idleAt = now + next;
    }

    void watchStreamIdle(ActiveStream s, long deadlineNanos) {
        if (!s.idleWatched) {
            s.idleWatched = true;
            s.idlePrev = null;
            s.idleNext = idleHead;
            if (idleHead != null) {
                idleHead.idlePrev = s;
            }
            idleHead = s;
        }
        if (closed) {
            return;
        }
        // A deadline already armed and due earlier stays: when it passes, the walk below finds
        // this stream's and moves on to it.
        if (!streamIdleArmed || deadlineNanos - streamIdleAt < 0) {
            streamIdleArmed = true;
            streamIdleAt = deadlineNanos;
            schedule();
        }
    }

    void unwatchStreamIdle(ActiveStream s) {
        if (!s.idleWatched) {
            return;
        }
        s.idleWatched = false;
        if (s.idlePrev != null) {
            s.idlePrev.idleNext = s.idleNext;
        } else {
            idleHead = s.idleNext;
        }
        if (s.idleNext != null) {
            s.idleNext.idlePrev = s.idlePrev;
        }
        s.idlePrev = null;
        s.idleNext = null;
    }

    private void checkStreamIdle(long now) {
        if (closed || idleHead == null) {
            return;
        }
        // A timeout may end streams (and unlink them) while we look: walk a copy.
        java.util.ArrayList<ActiveStream> watched = new java.util.ArrayList<>();
        for (ActiveStream s = idleHead; s != null; s = s.idleNext) {
            watched.add(s);
        }
        long next = Long.MAX_VALUE;
        boolean any = false;
        for (ActiveStream s : watched) {
            long d = s.checkIdle(now);
            if (d != Long.MAX_VALUE && (!any || d - next < 0)) {
                next = d;
                any = true;
            }
        }
        if (any && !closed && (!streamIdleArmed || next - streamIdleAt < 0)) {
            streamIdleArmed = true;
            streamIdleAt = next;
        }
    }

    void drain() {
        if (!draining && !closed) {
            draining = true;
            codec.startDrain();
        }
    }

    /** The server shuts down: drain, and close now if no request is in progress. */
    void drainForShutdown() {
        drain();
        if (!closed) {
            codec.closeIfIdle();
        }
    }

    /** Once the connection closed: each codec's channelInactive calls it (it runs once). */
    void onClosed() {
        if (!closed) {
            closed = true;
            io.remora.overload.WorkerOverload w = worker();
            w.connectionDeadlines.remove(this);
            w.removeConnection(this);
            idleArmed = streamIdleArmed = false;
            if (lifetime != null) {
                lifetime.onClosed();
            }
            hcm.connectionClosed(this);
        }
    }

    /** The connection's filter state (network filters', shared with every request's). */
    FilterState filterState() {
        return FilterState.of(channel);
    }
}
