package io.remora.http.upstream;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.EventLoop;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.channel.socket.DuplexChannel;
import io.netty.handler.codec.http2.Http2Headers;
import io.remora.http.HeaderBlock;
import io.netty.util.ReferenceCountUtil;
import io.remora.network.OriginalSource;
import io.remora.server.Transport;
import io.remora.stats.ClusterStats;
import io.remora.upstream.Cluster;
import io.remora.upstream.Host;
import io.remora.upstream.UpstreamConnector;

import java.net.SocketAddress;
import java.util.List;

/**
 * A route with {@code connect_config} terminates CONNECT (Envoy's TcpUpstream): the request's
 * payload goes to the host as raw TCP over a connection of its own, and what the host sends back
 * is the response body. The response headers are the proxy's own 200, given once the connection
 * is up and the request headers were "sent". A FIN either way is that side's end of stream.
 */
public final class TcpTunnelStream extends ChannelInboundHandlerAdapter implements UpstreamStream, Cancellable {

    private static final UpstreamConnector.ConnectOptions RAW =
            new UpstreamConnector.ConnectOptions(List.of(), true, null);

    private final Cluster cluster;
    private final Host host;
    private final ClusterStats stats;
    /** The circuit breakers of the route's priority. */
    private final io.remora.upstream.ResourceLimits limits;
    private UpstreamCallbacks callbacks;
    /** The requester's byte meters, when some format reads them; null otherwise. */
    private io.remora.accesslog.WireBytes meter;
    private Channel channel;
    private boolean connected;
    private boolean requestDone;
    private boolean responseDone;
    private boolean counted;
    /** The tunnel holds a max_requests slot until its connection closes. */
    private boolean holdsRequestSlot;
    /** The tunnel's stream is bound to its connection: counted active until the connection closes. */
    private boolean attached;

    private TcpTunnelStream(Cluster cluster, Host host, boolean high, UpstreamCallbacks callbacks) {
        this.cluster = cluster;
        this.limits = cluster.limits().priority(high);
        this.host = host;
        this.stats = cluster.stats();
        this.callbacks = callbacks;
    }

    /**
     * Connects to {@code host}; {@code callbacks} hears onPoolReady or onPoolFailure on {@code loop}.
     * {@code state}: the request's filter state, whose shared objects go to an internal listener;
     * {@code high}: the route's priority is HIGH.
     */
    public static Cancellable open(EventLoop loop, Transport transport, Cluster cluster, Host host,
                                   OriginalSource source, io.remora.network.FilterState state,
                                   io.remora.network.ProxyProtocolData proxyProtocol, boolean high,
                                   UpstreamCallbacks callbacks) {
        TcpTunnelStream t = new TcpTunnelStream(cluster, host, high, callbacks);
        if (!t.limits.tryAcquireConnection()) {
            // Envoy's tcp pool counts a max_connections refusal as tryCreateNewConnection does,
            // upstream_cx_overflow; upstream_rq_pending_overflow is max_pending_requests' alone.
            stats(cluster).upstreamCxOverflow.increment();
            loop.execute(() -> {
                UpstreamCallbacks cb = t.callbacks;
                t.callbacks = null;
                if (cb != null) {
                    cb.onPoolFailure(ResetReason.OVERFLOW, null);
                }
            });
            return t;
        }
        t.stats.upstreamCxTotal.increment();
        host.stats.cxTotal.increment();
        t.channel = new UpstreamConnector(transport).connect(loop, cluster, host, RAW.withOriginalSource(source).withFilterState(state)
                .withProxyProtocol(proxyProtocol), ch -> {
            ch.pipeline().addLast(new UpstreamByteCounter(t.stats));
            ch.pipeline().addLast(t);
        }, new UpstreamConnector.Callback() {
            @Override
            public void onConnected(Channel ch) {
                t.onConnected(ch);
            }

            @Override
            public void onFailure(Channel ch, Throwable cause, boolean tls) {
                t.onConnectFailed(cause);
            }
        });
        return t;
    }

    private static ClusterStats stats(Cluster c) {
        return c.stats();
    }

    private void onConnected(Channel ch) {
        channel = ch;
        connected = true;
        counted = true;
        stats.upstreamCxActive.incrementAndGet();
        host.activeConnections.incrementAndGet();
        UpstreamCallbacks cb = callbacks;
        if (cb == null) {
            ch.close(); // cancelled while connecting
            return;
        }
        if (cb.poolTakesRequestSlot()) {
            // As Envoy's pools, the tcp one too: max_requests is taken as the stream binds to its connection.
            if (!limits.tryAcquireRequest()) {
                stats.upstreamRqActiveOverflow.increment();
                callbacks = null;
                ch.close();
                cb.onAttachOverflow();
                return;
            }
            holdsRequestSlot = true;
        }
        attached = true;
        io.remora.upstream.UpstreamStreamCounts.attached(cluster, host);
        meter = cb.wireBytes();
        cb.onPoolReady(this);
        if (callbacks != null) {
            ch.read(); // relay channels start with reads off
            ch.config().setAutoRead(true);
        }
    }

    private void onConnectFailed(Throwable cause) {
        UpstreamConnectFailures.count(stats, host, cause);
        limits.connections.decrementAndGet();
        UpstreamCallbacks cb = callbacks;
        callbacks = null;
        if (cb != null) {
            cb.onPoolFailure(ConnectFailure.reason(cause), ConnectFailure.transportFailure(cause));
        }
    }

    @Override
    public void cancel() {
        callbacks = null;
        if (channel != null) {
            channel.close();
        }
    }

    // ---- UpstreamStream (request side) ----

    @Override
    public Host host() {
        return host;
    }

    /** As Envoy's TcpUpstream: the bytes relayed each way, no header bytes. */
    @Override
    public boolean metersWireBytes() {
        return true;
    }

    @Override
    public SocketAddress localAddress() {
        return channel.localAddress();
    }

    @Override
    public io.netty.channel.Channel connection() {
        return channel;
    }

    @Override
    public long connectionId() {
        return io.remora.network.ConnectionIds.of(channel);
    }

    @Override
    public io.remora.tls.TlsConnection tls() {
        return channel == null ? null : channel.attr(io.remora.tls.TlsConnection.UPSTREAM).get();
    }

    /** Nothing goes on the wire: the proxy answers 200 for the host, as Envoy's TcpUpstream. */
    @Override
    public void writeHeaders(Http2Headers headers, boolean endStream) {
        UpstreamCallbacks cb = callbacks;
        if (cb == null) {
            return;
        }
        cb.onResponseHeaders(new HeaderBlock(1).status("200"), false);
        if (endStream && callbacks == cb) {
            writeData(Unpooled.EMPTY_BUFFER, true);
        }
    }

    @Override
    public void writeData(ByteBuf data, boolean endStream) {
        if (callbacks == null || requestDone) {
            data.release();
            return;
        }
        if (data.isReadable()) {
            if (meter != null) {
                meter.upstreamWireSent += data.readableBytes();
            }
            channel.writeAndFlush(data);
        } else {
            data.release();
        }
        if (endStream) {
            requestDone = true;
            if (responseDone) {
                closeAfterFlush();
            } else if (channel instanceof DuplexChannel d) {
                channel.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(f -> {
                    if (d.isActive()) {
                        d.shutdownOutput();
                    }
                });
            }
        }
    }

    @Override
    public void writeTrailers(Http2Headers trailers) {
        writeData(Unpooled.EMPTY_BUFFER, true);
    }

    @Override
    public boolean isWritable() {
        return channel.isWritable();
    }

    @Override
    public void readEnabled(boolean enabled) {
        channel.config().setAutoRead(enabled);
    }

    @Override
    public void reset() {
        callbacks = null;
        channel.close();
    }

    private void closeAfterFlush() {
        callbacks = null;
        channel.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
    }

    // ---- response side ----

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        UpstreamCallbacks cb = callbacks;
        if (cb == null || responseDone || !(msg instanceof ByteBuf data)) {
            ReferenceCountUtil.release(msg);
            return;
        }
        if (meter != null) {
            meter.upstreamWireReceived += data.readableBytes();
        }
        cb.onResponseData(data, false);
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof ChannelInputShutdownEvent) {
            UpstreamCallbacks cb = callbacks;
            if (cb != null && !responseDone) {
                responseDone = true;
                cb.onResponseData(Unpooled.EMPTY_BUFFER, true);
                if (requestDone && callbacks == cb) {
                    closeAfterFlush();
                }
            }
            return;
        }
        ctx.fireUserEventTriggered(evt);
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        UpstreamCallbacks cb = callbacks;
        if (cb != null) {
            cb.onWritabilityChanged(ctx.channel().isWritable());
        }
        ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        if (holdsRequestSlot) {
            holdsRequestSlot = false;
            limits.requests.decrementAndGet();
        }
        if (attached) {
            attached = false;
            io.remora.upstream.UpstreamStreamCounts.closed(cluster, host);
        }
        if (counted) {
            counted = false;
            stats.upstreamCxActive.decrementAndGet();
            stats.upstreamCxDestroy.increment();
            host.activeConnections.decrementAndGet();
            limits.connections.decrementAndGet();
        }
        UpstreamCallbacks cb = callbacks;
        callbacks = null;
        if (cb != null && connected) {
            if (cb.poolCountsHostResults()) {
                host.stats.rqError.increment();
            }
            cb.onReset(ResetReason.CONNECTION_TERMINATION);
        }
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        ctx.close();
    }
}
