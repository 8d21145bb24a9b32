package io.remora.http.upstream;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.util.AsciiString;
import io.netty.util.ReferenceCountUtil;
import io.remora.http.Upgrades;
import io.remora.upstream.Host;
import io.remora.util.WorkerTimer;

import java.net.SocketAddress;

/** One upstream HTTP/1.1 connection; serves one stream at a time, then returns to its pool. */
final class Http1UpstreamConnection extends ChannelInboundHandlerAdapter
        implements UpstreamStream, Http1Parser.Listener {
    private final Http1ConnectionPool pool;
    Channel channel;
    private UpstreamConnectionFacts facts;
    boolean connected;
    private UpstreamCallbacks active;
    private int served;
    private boolean requestDone;
    private boolean responseDone;
    private boolean responseStarted;
    private boolean keepAlive;
    private boolean headRequest;
    private boolean upgradeRequested;
    private boolean connectRequested;
    /** The request body goes out in chunks (its length was not known with its head). */
    private boolean chunkedRequest;
    /** The upstream accepted the upgrade or CONNECT: the connection is a byte pipe now. */
    private boolean upgraded;
    /** The HTTP codec left the pipeline: reads and writes are raw bytes. */
    private boolean raw;
    // Parked after every response: the worker's timer, not a scheduled task per request.
    private final WorkerTimer.Timeout idleTimer;
    /** max_connection_duration elapsed: no request after the current one. */
    boolean expired;
    /** The pool's drain count when this connection was made: a later drain closes it once free. */
    int drainsSeen;

    /** Response heads up to the cluster's max_response_headers_kb (Envoy's default 60 KiB). */
    private final Http1Parser parser;

    Http1UpstreamConnection(Http1ConnectionPool pool) {
        this.pool = pool;
        this.parser = new Http1Parser(false, 4096, pool.ctx.cluster.config().responseHeaderLimits().maxBytes(), this);
        this.idleTimer = new WorkerTimer.Timeout(() -> pool.idleTimedOut(this));
    }

    void attach(UpstreamCallbacks callbacks) {
        idleTimer.cancel();
        active = callbacks;
        served++;
        requestDone = responseDone = responseStarted = false;
        upgradeRequested = connectRequested = upgraded = chunkedRequest = false;
        keepAlive = true;
        pool.ctx.host.stats.rqTotal.increment();
        callbacks.onPoolReady(this);
    }

    void parkIdle() {
        long ms = pool.ctx.idleTimeoutMillis();
        if (ms > 0) {
            WorkerTimer.of(channel.eventLoop()).armMillis(idleTimer, ms);
        }
    }

    // ---- UpstreamStream (request side) ----

    @Override
    public Host host() {
        return pool.ctx.host;
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
        return facts().id();
    }

    @Override
    public io.remora.tls.TlsConnection tls() {
        return facts().tls();
    }

    private UpstreamConnectionFacts facts() {
        if (facts == null) {
            facts = UpstreamConnectionFacts.of(channel);
        }
        return facts;
    }

    @Override
    public void writeHeaders(Http2Headers headers, boolean endStream) {
        CharSequence method = headers.method();
        headRequest = method != null && AsciiString.contentEquals(HEAD, method);
        connectRequested = Upgrades.isConnect(headers);
        upgradeRequested = !connectRequested && Upgrades.isUpgrade(headers);
        boolean tunnel = connectRequested || upgradeRequested;
        chunkedRequest = !tunnel && !endStream && !headers.contains(HttpHeaderNames.CONTENT_LENGTH);
        ByteBuf head = HeaderConversion.requestHead(channel.alloc(), headers, endStream, tunnel, chunkedRequest);
        // Void promises: no listener is needed, and a failed write reaches exceptionCaught (close).
        channel.writeAndFlush(head, channel.voidPromise());
        if (endStream) {
            requestDone = true;
        }
    }

    private static final AsciiString HEAD = HttpMethod.HEAD.asciiName();

    @Override
    public void writeData(ByteBuf data, boolean endStream) {
        if (active == null) {
            data.release();
            return;
        }
        if (upgraded || upgradeRequested || connectRequested) {
            writeTunnel(data, endStream);
            return;
        }
        ByteBuf out = chunkedRequest ? Http1Wire.chunk(channel.alloc(), data, endStream) : body(data);
        if (out != null) {
            channel.writeAndFlush(out, channel.voidPromise());
        }
        if (endStream) {
            requestDone = true;
            maybeRelease();
        }
    }

    /** Body bytes of a request framed by its content-length: as they are. */
    private static ByteBuf body(ByteBuf data) {
        if (data.isReadable()) {
            return data;
        }
        data.release();
        return null;
    }

    /**
     * Tunnel bytes from the client: raw (the head had no body framing); the end of the client's
     * side is a FIN to the upstream.
     */
    private void writeTunnel(ByteBuf data, boolean endStream) {
        if (data.isReadable()) {
            channel.writeAndFlush(data);
        } else {
            data.release();
        }
        if (!endStream) {
            return;
        }
        requestDone = true;
        if (!upgraded) {
            // Ended before the upstream accepted: nothing more will be sent; the answer decides.
            return;
        }
        if (responseDone) {
            closeTunnel();
        } else if (channel instanceof io.netty.channel.socket.DuplexChannel d) {
            channel.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(f -> {
                if (d.isActive()) {
                    d.shutdownOutput();
                }
            });
        }
    }

    /** Both halves of the tunnel ended: close once what is queued has left. */
    private void closeTunnel() {
        active = null;
        channel.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(io.netty.channel.ChannelFutureListener.CLOSE);
    }

    @Override
    public void writeTrailers(Http2Headers trailers) {
        if (active == null) {
            return;
        }
        if (upgraded || upgradeRequested || connectRequested) {
            writeTunnel(Unpooled.EMPTY_BUFFER, true); // a tunnel has no trailers, only their end
            return;
        }
        requestDone = true;
        if (chunkedRequest) {
            // Trailers exist only in chunked framing; after a content-length body they are dropped.
            // As Envoy's codec, they are written only with the cluster's enable_trailers.
            ByteBuf last = pool.ctx.cluster.config().http1EnableTrailers()
                    ? Http1Wire.lastChunk(channel.alloc(), trailers) : Http1Wire.lastChunk();
            channel.writeAndFlush(last, channel.voidPromise());
        }
        maybeRelease();
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
        if (active != null) {
            active = null;
            channel.close();
        }
    }

    // ---- response side ----

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        UpstreamCallbacks cb = active;
        if (cb == null) {
            // Bytes nobody asked for: the connection is no longer trustworthy.
            ReferenceCountUtil.release(msg);
            channel.close();
            return;
        }
        if (raw) {
            onTunnelRead(cb, msg);
            return;
        }
        if (!(msg instanceof ByteBuf data)) {
            ReferenceCountUtil.release(msg);
            return;
        }
        parser.feed(ctx.alloc(), data);
        if (upgraded && !raw) {
            // The upstream accepted the upgrade or CONNECT: what followed its head is tunnel bytes.
            raw = true;
            ByteBuf rest = parser.takeRemaining();
            parser.release();
            if (rest != null) {
                onTunnelRead(active, rest);
            }
        }
    }

    @Override
    public void onHead(Http1Parser p) {
        try {
            onHead(p, p.head());
        } finally {
            // A pooled connection waiting for its next request holds nothing of this response.
            p.head().dropBlock();
        }
    }

    private void onHead(Http1Parser p, Http1Head head) {
        UpstreamCallbacks cb = active;
        if (cb == null) {
            p.stop();
            return;
        }
        int code = head.status;
        if (code == 101 && !upgradeRequested) {
            // As Envoy: switching protocols for a request that asked for no upgrade is an upstream
            // protocol error (503 UPE), never a raw pipe between the client and this upstream.
            p.stop();
            fail(ResetReason.PROTOCOL_ERROR);
            return;
        }
        if (!ResponseHeaderChecks.accept(pool.ctx.cluster.config().responseHeaderLimits(), head.headers)) {
            p.stop();
            fail(ResetReason.PROTOCOL_ERROR);
            return;
        }
        if ((code == 101 && upgradeRequested) || (connectRequested && code >= 200 && code < 300)) {
            // Accepted: from here on the connection carries the tunnel, never pooled again.
            p.stop();
            upgraded = true;
            responseStarted = true;
            keepAlive = false;
            pool.ctx.host.stats.response(code);
            channel.config().setOption(io.netty.channel.ChannelOption.ALLOW_HALF_CLOSURE, true);
            if (requestDone && channel instanceof io.netty.channel.socket.DuplexChannel d) {
                // The client ended its half before the upstream accepted: pass that on now.
                channel.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(f -> {
                    if (d.isActive()) {
                        d.shutdownOutput();
                    }
                });
            }
            cb.onResponseHeaders(HeaderConversion.toHttp2Response(head), false);
            return;
        }
        if (code < 200) {
            if (code == 100) {
                cb.onResponse100Continue();
            }
            return;
        }
        if (headRequest) {
            p.noBody(); // whatever its headers say
        }
        responseStarted = true;
        pool.ctx.host.stats.response(code);
        keepAlive = head.keepAlive();
        Http2Headers h = HeaderConversion.toHttp2Response(head);
        if (head.bodyless()) {
            responseDone = true;
            cb.onResponseHeaders(h, true);
            if (active == cb) {
                maybeRelease();
            }
        } else {
            cb.onResponseHeaders(h, false);
        }
    }

    @Override
    public void onBody(ByteBuf data, boolean last) {
        UpstreamCallbacks cb = active;
        if (cb == null) {
            data.release();
            return;
        }
        if (last) {
            responseDone = true;
        }
        cb.onResponseData(data, last);
        if (last && active == cb) {
            maybeRelease();
        }
    }

    @Override
    public void onEnd(Http2Headers trailers) {
        UpstreamCallbacks cb = active;
        if (cb == null) {
            return;
        }
        responseDone = true;
        // As Envoy's codec: trailers are read only with the cluster's enable_trailers.
        if (trailers != null && pool.ctx.cluster.config().http1EnableTrailers()) {
            cb.onResponseTrailers(HeaderConversion.trailers(trailers));
        } else {
            cb.onResponseData(Unpooled.EMPTY_BUFFER, true);
        }
        if (active == cb) {
            maybeRelease();
        }
    }

    @Override
    public void onError(int status, String details) {
        fail(ResetReason.PROTOCOL_ERROR);
    }

    private void onTunnelRead(UpstreamCallbacks cb, Object msg) {
        if (!(msg instanceof ByteBuf data) || cb == null || responseDone) {
            ReferenceCountUtil.release(msg);
            return;
        }
        if (data.isReadable()) {
            cb.onResponseData(data, false);
        } else {
            data.release();
        }
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        UpstreamCallbacks cb = active;
        if (upgraded && evt instanceof io.netty.channel.socket.ChannelInputShutdownEvent && cb != null && !responseDone) {
            // The upstream ended its half of the tunnel.
            responseDone = true;
            cb.onResponseData(Unpooled.EMPTY_BUFFER, true);
            if (requestDone && active == cb) {
                closeTunnel();
            }
            return;
        }
        ctx.fireUserEventTriggered(evt);
    }

    private void fail(ResetReason reason) {
        UpstreamCallbacks cb = active;
        active = null;
        channel.close();
        if (cb != null) {
            pool.ctx.host.stats.rqError.increment();
            cb.onReset(reason);
        }
    }

    private void maybeRelease() {
        if (!responseDone) {
            return;
        }
        if (!requestDone || upgradeRequested || connectRequested) {
            // An early response: the rest of the request would confuse the next user. After an
            // upgrade the upstream refused, unframed bytes may have followed the head: same.
            active = null;
            channel.close();
            return;
        }
        active = null;
        int max = pool.ctx.maxRequestsPerConnection();
        // Bytes already read past the response were not asked for: the connection is not reused.
        if (!keepAlive || expired || (max > 0 && served >= max) || !channel.isActive() || parser.buffered() > 0) {
            channel.close();
        } else {
            // Whoever paused this connection for downstream backpressure is gone.
            channel.config().setAutoRead(true);
            pool.released(this);
        }
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        UpstreamCallbacks cb = active;
        if (cb != null) {
            cb.onWritabilityChanged(channel.isWritable());
        }
        ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        idleTimer.cancel();
        if (!raw) {
            parser.endOfInput(); // a body framed by the connection's end ends here
            parser.release();
        }
        UpstreamCallbacks cb = active;
        active = null;
        pool.closed(this);
        if (cb != null) {
            pool.ctx.host.stats.rqError.increment();
            cb.onReset(ResetReason.CONNECTION_TERMINATION);
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        ctx.close();
    }
}
