package io.remora.udp;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.FixedRecvByteBufAllocator;
import io.netty.channel.socket.DatagramPacket;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;
import io.remora.stats.UdpClusterStats;
import io.remora.upstream.Cluster;
import io.remora.upstream.Host;

import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * One downstream peer's session, as Envoy's ActiveSession: a connected UDP socket of its own to the
 * chosen host, on the listener socket's event loop; datagrams relayed both ways, and the session
 * ended after idle_timeout without one. Holds one of the cluster's max_connections while open.
 */
final class UdpSession extends ChannelInboundHandlerAdapter implements Runnable {
    private static final Logger LOG = io.remora.log.Logging.logger("filter");

    final InetSocketAddress peer;
    final String clusterName;
    final Cluster cluster;
    final Host host;
    private final UdpProxy proxy;
    private final UdpProxyFilter filter;
    private final Channel downstream;
    private final UdpClusterStats clusterStats;
    /** Write outcomes, counted as Envoy counts them (one listener per session, none per datagram). */
    private final ChannelFutureListener upstreamWritten;
    private final ChannelFutureListener downstreamWritten;
    /** This session's counts for its access log; null when udp_proxy has no access_log. */
    private final UdpAccessLogs.Counts counts;
    private Channel upstream;
    private ChannelFuture connected;
    private ScheduledFuture<?> idleCheck;
    private long lastActivity;
    private boolean closed;

    UdpSession(UdpProxy proxy, UdpProxyFilter filter, Channel downstream, InetSocketAddress peer,
               String clusterName, Cluster cluster, Host host) {
        this.proxy = proxy;
        this.filter = filter;
        this.downstream = downstream;
        this.peer = peer;
        this.clusterName = clusterName;
        this.cluster = cluster;
        this.host = host;
        this.clusterStats = proxy.statsRegistry.udpCluster(cluster.stats().name());
        this.counts = proxy.sessionLogs.length == 0 ? null : new UdpAccessLogs.Counts();
        this.upstreamWritten = f -> (f.isSuccess() ? clusterStats.sessTxDatagrams : clusterStats.sessTxErrors)
                .increment();
        this.downstreamWritten = f -> {
            (f.isSuccess() ? proxy.stats.downstreamSessTxDatagrams : proxy.stats.downstreamSessTxErrors).increment();
            if (counts != null) {
                if (f.isSuccess()) {
                    counts.datagramsSent++;
                } else {
                    counts.errorsSent++;
                }
            }
        };
    }

    void start() {
        proxy.stats.downstreamSessTotal.increment();
        proxy.stats.downstreamSessActive.incrementAndGet();
        lastActivity = System.nanoTime();
        if (!(host.address() instanceof InetSocketAddress to) || to.isUnresolved()) {
            // Only IP hosts take datagrams; the session stays, its datagrams counted as send errors.
            LOG.fine(() -> "udp_proxy: host " + host.address() + " is not an IP address");
        } else {
            connected = new Bootstrap().group(downstream.eventLoop())
                    .channelFactory(() -> proxy.transport.newDatagramChannel(to))
                    // One byte over the limit tells a datagram that was too large from one that fit.
                    .option(ChannelOption.RCVBUF_ALLOCATOR,
                            new FixedRecvByteBufAllocator(proxy.config.upstreamMaxRxDatagramSize() + 1))
                    .handler(this)
                    .connect(to);
            upstream = connected.channel();
            if (LOG.isLoggable(Level.FINE)) {
                LOG.fine("udp_proxy: new session downstream=" + peer + " upstream=" + to);
            }
        }
        idleCheck = downstream.eventLoop().schedule(this, proxy.idleTimeoutNanos, TimeUnit.NANOSECONDS);
    }

    /** A datagram from the peer; this session now owns {@code data}. */
    void toUpstream(ByteBuf data) {
        int len = data.readableBytes();
        proxy.stats.downstreamSessRxDatagrams.increment();
        proxy.stats.downstreamSessRxBytes.increment(len);
        if (counts != null) {
            counts.datagramsReceived++;
            counts.bytesReceived += len;
        }
        lastActivity = System.nanoTime();
        if (upstream == null) {
            data.release();
            clusterStats.sessTxErrors.increment();
            return;
        }
        if (connected.isSuccess()) {
            send(data, len);
        } else if (!connected.isDone()) {
            connected.addListener(f -> {
                if (f.isSuccess()) {
                    send(data, len);
                } else {
                    data.release();
                    clusterStats.sessTxDatagramsDropped.increment();
                }
            });
        } else {
            data.release();
            clusterStats.sessTxErrors.increment();
        }
    }

    private void send(ByteBuf data, int len) {
        cluster.stats().upstreamCxTxBytesTotal.increment(len);
        upstream.writeAndFlush(data).addListener(upstreamWritten);
    }

    /** A datagram from the host, passed on to the peer from the listener's socket. */
    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        ByteBuf data = msg instanceof DatagramPacket p ? p.content() : msg instanceof ByteBuf b ? b : null;
        if (data == null || closed || data.readableBytes() > proxy.config.upstreamMaxRxDatagramSize()) {
            // Too large for upstream_socket_config.max_rx_datagram_size: dropped, as Envoy's reader does.
            ReferenceCountUtil.release(msg);
            return;
        }
        int len = data.readableBytes();
        lastActivity = System.nanoTime();
        clusterStats.sessRxDatagrams.increment();
        cluster.stats().upstreamCxRxBytesTotal.increment(len);
        proxy.stats.downstreamSessTxBytes.increment(len);
        if (counts != null) {
            counts.bytesSent += len;
        }
        downstream.writeAndFlush(new DatagramPacket(data, peer)).addListener(downstreamWritten);
    }

    /** A receive error on the upstream socket (an ICMP port unreachable, say); the session goes on. */
    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        clusterStats.sessRxErrors.increment();
    }

    /** The idle check: ends the session once idle_timeout passed with no datagram either way. */
    @Override
    public void run() {
        if (closed) {
            return;
        }
        long idle = System.nanoTime() - lastActivity;
        if (idle >= proxy.idleTimeoutNanos) {
            proxy.stats.idleTimeout.increment();
            close();
        } else {
            idleCheck = downstream.eventLoop().schedule(this, proxy.idleTimeoutNanos - idle, TimeUnit.NANOSECONDS);
        }
    }

    void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (idleCheck != null) {
            idleCheck.cancel(false);
        }
        if (upstream != null) {
            upstream.close();
        }
        proxy.stats.downstreamSessActive.decrementAndGet();
        cluster.limits().connections.decrementAndGet();
        filter.removed(this);
        if (counts != null) {
            UdpAccessLogs.session(proxy.sessionLogs, downstream.localAddress(), this, counts);
        }
    }
}
