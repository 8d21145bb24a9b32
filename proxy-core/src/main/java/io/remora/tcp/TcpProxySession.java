package io.remora.tcp;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;
import io.remora.accesslog.ConnectionCloses;
import io.remora.accesslog.ResponseFlag;
import io.remora.accesslog.StreamInfo;
import io.remora.network.ConnectionInfo;
import io.remora.stats.ClusterStats;
import io.remora.upstream.Cluster;
import io.remora.upstream.Host;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

/**
 * One proxied TCP connection, as Netty's HexDumpProxy: this handler sits on the downstream
 * channel, the {@link TcpUpstream} (a channel of its own, or an HTTP tunnel stream) on the
 * downstream's event loop too. Bytes are forwarded as the ByteBufs that arrived; a side that
 * cannot keep up stops the other side's reads; a FIN is passed on as a half-close; the connection
 * ends when both directions have. Getting the upstream (attempts, circuit breaker, tunnel) is
 * {@link TcpUpstreamAttempts}; choosing between splicing and copying is {@link TcpRelayStart};
 * the two connections' closes are {@link TcpSessionCloses}; idle timeout and access logging are
 * {@link TcpSessionLifetime}.
 */
final class TcpProxySession extends ChannelInboundHandlerAdapter implements SpliceRelay.Listener {
    /** Connection filter state key of this session's {@link StreamInfo} (upstream cluster, host, TLS). */
    public static final String UPSTREAM_INFO_KEY = io.remora.network.FilterState.TCP_PROXY_STREAM_INFO;
    final TcpProxyFilter filter;
    final ConnectionInfo info;
    final StreamInfo streamInfo = new StreamInfo();
    /** Hosts this session tried (the load balancer avoids them on another attempt). */
    final List<Host> tried = new ArrayList<>(2);
    /** What the load balancer and a tunnel's headers read of this session. */
    final TcpLbContext lb = new TcpLbContext(this);
    /** The subset criteria of the picked cluster: metadata_match, or the weighted entry's. */
    java.util.Map<String, Object> metadataMatch;
    /** backoff_options' intervals for this session's connect retries, made at the first. */
    io.remora.util.JitteredBackOff connectBackoff;
    Channel downstream;
    TcpUpstream upstream;
    Cluster cluster;
    /** The cluster the current attempt goes out through: {@link #cluster}, or the aggregate member that took it. */
    Cluster upstreamCluster;
    /** Its stats, where the connection is counted. */
    ClusterStats clusterStats;
    private boolean started;
    boolean upstreamReady;
    boolean connectionCounted;
    /** The cluster whose pool holds this session as a pending stream (its slot and stats); null when none. */
    Cluster poolPending;
    /** The session is a stream on its own connection ({@link TcpPoolCounts}). */
    boolean streamAttached;
    /** Envoy would see the upstream connection's close as a RemoteClose: its reset, or its FIN last. */
    boolean upstreamClosedRemotely;
    boolean finished;
    int attempts;
    /** Bytes replayed by the listener filters before the upstream was connected. */
    ArrayDeque<ByteBuf> pending;
    boolean downstreamEof;
    boolean upstreamEof;
    long lastActivity;
    /** This connection's idle_timeout (the filter state's override, else the config's); 0 with no timer. */
    long idleTimeoutNanos;
    ScheduledFuture<?> idleTimer;
    ScheduledFuture<?> durationTimer;
    /** access_log_flush_interval's. */
    ScheduledFuture<?> accessLogTimer;
    /** The kernel moves the bytes (splice); null while they pass through this handler. */
    SpliceRelay relay;
    /** Both channels are being handed to a {@link SpliceRelay}: what Netty still reads waits. */
    boolean switching;
    /** Netty read bytes or an EOF while switching: the switch is off, the copying relay runs. */
    boolean missedWhileSwitching;
    /** The client reset its connection (ECONNRESET): the upstream is reset too ({@link TcpSessionCloses}). */
    boolean downstreamReset;
    /** The upstream reset its connection or tunnel stream: the client's connection is reset too. */
    boolean upstreamReset;

    TcpProxySession(TcpProxyFilter filter, ConnectionInfo info) {
        this.filter = filter;
        this.info = info;
        streamInfo.describesConnection();
        streamInfo.newConnectionStreamId();
    }

    /**
     * A session for a connection the network filters before tcp_proxy closed: Envoy made its
     * tcp_proxy with the connection, and its end logs the connection, flags and details included.
     */
    static void logRefused(TcpProxyFilter filter, Channel downstream, ConnectionInfo info) {
        TcpProxySession s = new TcpProxySession(filter, info);
        s.downstream = downstream;
        io.remora.network.ConnectionMetadata.copyTo(downstream, s.streamInfo);
        s.describeDownstream();
        TcpSessionLifetime.finish(s);
    }

    /** The downstream side of the stream info; the connection's filter state, which is the session's. */
    private io.remora.network.FilterState describeDownstream() {
        streamInfo.downstreamRemoteAddress = info.remoteAddress();
        // A PROXY header's client is the remote address; the socket's peer stays the direct one.
        streamInfo.downstreamDirectRemoteAddress = downstream.remoteAddress();
        streamInfo.downstreamLocalAddress = info.localAddress();
        streamInfo.downstreamDirectLocalAddress(downstream.localAddress());
        streamInfo.fromConnection(info, downstream); // id, TLS, SNI, filter chain
        // The connection's filter state is the session's, as Envoy's tcp_proxy shares the
        // connection's stream info: %FILTER_STATE% of its access logs reads what filters set.
        io.remora.network.FilterState connectionState = io.remora.network.FilterState.of(downstream);
        streamInfo.filterState(connectionState);
        return connectionState;
    }

    // --- downstream ---

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        downstream = ctx.channel();
        io.remora.network.ConnectionMetadata.copyTo(downstream, streamInfo);
        if (downstream.isActive()) {
            start();
        }
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        start();
        ctx.fireChannelActive();
    }

    private void start() {
        if (started) {
            return;
        }
        started = true;
        io.remora.network.FilterState connectionState = describeDownstream();
        filter.stats.downstreamCxTotal.increment();
        filter.stats.downstreamCxActive.incrementAndGet();
        downstream.closeFuture().addListener(f -> TcpSessionCloses.downstreamClosed(this));
        TcpSessionLifetime.startIdleTimer(this);
        String name = filter.pickCluster(this);
        // Network filters before tcp_proxy (Istio's stats) read the upstream side from here.
        connectionState.set(UPSTREAM_INFO_KEY, streamInfo,
                io.remora.network.FilterState.Mutability.READ_ONLY);
        cluster = name == null ? null : filter.context.clusterManager().get(name);
        streamInfo.upstreamCluster(name, cluster == null ? null : cluster.config());
        if (cluster == null && name != null && filter.onDemandStats != null
                && filter.context.onDemand().requestCluster(name, filter.config.onDemandTimeout(),
                        status -> downstream.eventLoop().execute(() -> onClusterDiscovered(name, status)))) {
            // As Envoy's tcp_proxy: the connection waits, reading nothing, for on-demand CDS to answer.
            filter.onDemandStats.attempt().increment();
            return;
        }
        establish();
    }

    private void onClusterDiscovered(String name, io.remora.server.ClusterDiscoveryStatus status) {
        if (finished || !downstream.isActive()) {
            return;
        }
        switch (status) {
            case AVAILABLE -> {
                filter.onDemandStats.success().increment();
                cluster = filter.context.clusterManager().get(name);
            }
            case MISSING -> filter.onDemandStats.missing().increment();
            case TIMEOUT -> filter.onDemandStats.timeout().increment();
        }
        establish();
    }

    /** Connects to {@link #cluster}, or closes the connection when there is none (no route). */
    private void establish() {
        if (cluster == null) {
            filter.stats.downstreamCxNoRoute.increment();
            streamInfo.setFlag(ResponseFlag.NO_CLUSTER_FOUND);
            downstream.close();
            return;
        }
        clusterStats = cluster.stats();
        TcpSessionLifetime.startTimers(this);
        TcpUpstreamAttempts.connect(this);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof ByteBuf buf)) {
            ReferenceCountUtil.release(msg);
            return;
        }
        int n = buf.readableBytes();
        streamInfo.bytesReceived += n;
        meter(true, n, false);
        filter.stats.downstreamCxRxBytesTotal.increment(n);
        lastActivity = System.nanoTime();
        if (!upstreamReady || switching) {
            missedWhileSwitching |= switching;
            if (pending == null) {
                pending = new ArrayDeque<>(2);
            }
            pending.add(buf);
            return;
        }
        clusterStats.upstreamCxTxBytesTotal.increment(n);
        meter(false, n, true);
        upstream.write(buf);
        if (!upstream.isWritable() && downstream.config().isAutoRead()) {
            filter.stats.downstreamFlowControlPausedReadingTotal.increment();
            downstream.config().setAutoRead(false);
        }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        if (upstreamReady && !switching) {
            upstream.flush();
        }
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        if (upstreamReady && !switching && relay == null) {
            boolean writable = downstream.isWritable();
            // Envoy's readDisableUpstream counts each downstream watermark it passes on to the upstream
            (writable ? clusterStats.upstreamFlowControlResumedReadingTotal
                    : clusterStats.upstreamFlowControlPausedReadingTotal).increment();
            upstream.readEnabled(writable && !upstreamEof);
        }
        ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof ChannelInputShutdownEvent) {
            downstreamEof = true;
            if (switching) {
                missedWhileSwitching = true;
                return; // passed on once the copying relay runs
            }
            if (upstreamReady) {
                upstream.shutdownOutput();
            }
            TcpSessionCloses.closeIfBothDone(this);
            return;
        }
        ctx.fireUserEventTriggered(evt);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        downstreamFailed(cause);
        ctx.close();
    }

    private void downstreamFailed(Throwable cause) {
        streamInfo.connectionTerminationDetails(String.valueOf(cause));
        if (ConnectionCloses.isPeerReset(cause)) {
            downstreamReset = true;
            streamInfo.downstreamClosed(ConnectionCloses.Type.REMOTE_RESET, null);
        }
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        releasePending();
    }

    // --- shared ---

    void releasePending() {
        if (pending != null) {
            ByteBuf b;
            while ((b = pending.poll()) != null) {
                b.release();
            }
            pending = null;
        }
    }

    /**
     * Envoy's tcp_proxy meters: bytes read from downstream count as received there and, once written
     * upstream, as sent upstream; the other way round likewise. No header bytes.
     */
    void meter(boolean downstreamSide, int n, boolean sent) {
        io.remora.accesslog.WireBytes w = streamInfo.wireBytes();
        if (w != null) {
            w.add(downstreamSide, sent, n, 0);
        }
    }

    // --- what the upstream side reports ---

    /** Bytes from upstream; ownership passes. */
    void fromUpstream(ByteBuf buf) {
        int n = buf.readableBytes();
        streamInfo.bytesSent += n;
        meter(false, n, false);
        meter(true, n, true);
        clusterStats.upstreamCxRxBytesTotal.increment(n);
        filter.stats.downstreamCxTxBytesTotal.increment(n);
        lastActivity = System.nanoTime();
        downstream.write(buf, downstream.voidPromise());
        if (switching) {
            missedWhileSwitching = true; // flushed once the copying relay runs
            return;
        }
        if (!downstream.isWritable()) {
            upstream.readEnabled(false);
        }
    }

    void upstreamReadComplete() {
        if (switching) {
            return;
        }
        downstream.flush();
    }

    void upstreamWritabilityChanged(boolean writable) {
        if (downstream.isActive() && !switching && relay == null) {
            boolean read = writable && !downstreamEof;
            if (read && !downstream.config().isAutoRead()) {
                filter.stats.downstreamFlowControlResumedReadingTotal.increment();
            }
            downstream.config().setAutoRead(read);
        }
    }

    /** The upstream's FIN (or the end of the tunnel's response). */
    void upstreamEnded() {
        upstreamEof = true;
        // Envoy's upstream connection closes itself on reading the second FIN: a RemoteClose.
        upstreamClosedRemotely |= downstreamEof;
        if (switching) {
            missedWhileSwitching = true;
            return; // passed on once the copying relay runs
        }
        TcpSessionCloses.shutdownOutput(downstream);
        TcpSessionCloses.closeIfBothDone(this);
    }

    void upstreamFailed(Throwable cause) {
        upstreamClosedRemotely = true; // Envoy closes a connection whose read or write failed as a RemoteClose
        if (ConnectionCloses.isPeerReset(cause)) {
            upstreamWasReset();
        } else {
            streamInfo.setFlag(ResponseFlag.UPSTREAM_CONNECTION_TERMINATION);
        }
    }

    /** The upstream's RST (or its tunnel stream's reset), which the client's connection gets too: UR, as Envoy's. */
    void upstreamWasReset() {
        upstreamReset = true;
        streamInfo.upstreamClosed(ConnectionCloses.Type.REMOTE_RESET, null);
        streamInfo.setFlag(ResponseFlag.UPSTREAM_REMOTE_RESET);
    }

    // --- what the splice relay reports ---

    @Override
    public void spliced(boolean toUpstream, int n) {
        meter(!toUpstream, n, false);
        meter(toUpstream, n, true);
        if (toUpstream) {
            streamInfo.bytesReceived += n;
            clusterStats.upstreamCxTxBytesTotal.increment(n);
            filter.stats.downstreamCxRxBytesTotal.increment(n);
        } else {
            streamInfo.bytesSent += n;
            clusterStats.upstreamCxRxBytesTotal.increment(n);
            filter.stats.downstreamCxTxBytesTotal.increment(n);
        }
        lastActivity = System.nanoTime();
    }

    @Override
    public void bothEnded() {
        // As TcpSessionCloses.closeIfBothDone's: the upstream's end is its own close.
        streamInfo.upstreamClosed(ConnectionCloses.Type.NORMAL, null);
    }

    @Override
    public void spliceFailed(boolean upstreamSide, java.io.IOException cause) {
        if (upstreamSide) {
            upstreamFailed(cause);
        } else {
            downstreamFailed(cause);
        }
    }
}
