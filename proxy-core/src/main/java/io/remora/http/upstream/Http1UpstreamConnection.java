package io.remora.http.upstream;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.util.ReferenceCountUtil;
import io.remora.util.WorkerTimer;

/**
 * One upstream HTTP/1.1 connection; serves one stream at a time, then returns to its pool. The
 * request side is its base ({@link Http1UpstreamRequest}); here are the response side and the
 * connection's life in its pool.
 */
final class Http1UpstreamConnection extends Http1UpstreamRequest implements Http1Parser.Listener {
    boolean connected;
    private int served;
    private boolean keepAlive;
    /** The HTTP codec left the pipeline: reads and writes are raw bytes. */
    private boolean raw;
    /** Closed by this side while a request was on it (a broken response): its close counts with an active one. */
    private boolean closingWithRequest;
    /** The peer reset the connection (%UPSTREAM_DETECTED_CLOSE_TYPE%'s RemoteReset). */
    private boolean peerReset;
    // Parked after every response: the worker's timer, not a scheduled task per request.
    private final WorkerTimer.Timeout idleTimer;
    /** max_connection_duration elapsed: no request after the current one. */
    boolean expired;
    /** The pool's drain count when this connection was made: a later drain closes it once free. */
    int drainsSeen;

    /** Response heads up to the cluster's max_response_headers_kb (Envoy's default 60 KiB). */
    private final Http1Parser parser;

    Http1UpstreamConnection(Http1ConnectionPool pool) {
        super(pool);
        this.parser = new Http1Parser(false, 4096, pool.ctx.cluster.config().responseHeaderLimits().maxBytes(), this);
        this.parser.options(pool.ctx.cluster.config().http1Options());
        this.idleTimer = new WorkerTimer.Timeout(() -> pool.idleTimedOut(this));
    }

    void attach(UpstreamCallbacks callbacks) {
        idleTimer.cancel();
        active = callbacks;
        holdsRequestSlot = callbacks.poolTakesRequestSlot();
        served++;
        int max = pool.ctx.maxRequestsPerConnection();
        if (max > 0 && served == max) {
            pool.ctx.stats().upstreamCxMaxRequests.increment(); // Envoy: remaining_streams_ reached 0 on attach
        }
        requestDone = responseDone = false;
        upgradeRequested = connectRequested = tcpTunneling = upgraded = chunkedRequest = false;
        keepAlive = true;
        pool.ctx.streamAttached();
        meter = callbacks.wireBytes();
        callbacks.onPoolReady(this);
    }

    void parkIdle() {
        long ms = pool.ctx.idleTimeoutMillis();
        if (ms > 0) {
            WorkerTimer.of(channel.eventLoop()).armMillis(idleTimer, ms);
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
        if (meter != null && msg instanceof ByteBuf b) {
            meter.upstreamWireReceived += b.readableBytes();
        }
        if (raw) {
            Http1UpstreamTunnel.read(cb, msg, responseDone);
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
                Http1UpstreamTunnel.read(active, rest, responseDone);
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
        if (meter != null) {
            meter.upstreamHeaderReceived += io.remora.accesslog.WireBytes.receivedFieldBytes(head.headers); // 1xx heads too
        }
        int code = head.status;
        if (Http1UpstreamTunnel.unaskedSwitch(code, upgradeRequested)) {
            p.stop();
            fail(ResetReason.PROTOCOL_ERROR);
            return;
        }
        if (!ResponseHeaderChecks.accept(pool.ctx.cluster.config().responseHeaderLimits(), head.headers, false)) {
            p.stop();
            fail(ResetReason.PROTOCOL_ERROR);
            return;
        }
        if (Http1UpstreamTunnel.opens(code, upgradeRequested, connectRequested)) {
            // Accepted: from here on the connection carries the tunnel, never pooled again.
            p.stop();
            upgraded = true;
            keepAlive = false;
            if (cb.poolCountsHostResults()) {
                pool.ctx.host.stats.response(code);
            }
            sendHeld();
            Http1UpstreamTunnel.opened(channel, requestDone);
            cb.onResponseHeaders(HeaderConversion.toHttp2Response(head), false);
            return;
        }
        if (code >= 100 && code < 200) {
            // Only 1xx is interim (Envoy's CodeUtility::is1xx): a "099" is a final response.
            if (UpstreamCallbacks.proxied1xx(code)) {
                cb.onResponse1xx(HeaderConversion.toHttp2Response(head));
            }
            return;
        }
        if (headRequest) {
            p.noBody(); // whatever its headers say
        }
        if (cb.poolCountsHostResults()) {
            pool.ctx.host.stats.response(code);
        }
        keepAlive = head.keepAlive();
        if (!keepAlive) {
            pool.ctx.stats().upstreamCxCloseNotify.increment(); // Envoy's http1 StreamWrapper::decodeHeaders
        }
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
        // As Envoy's codec: trailers are read only with the cluster's enable_trailers.
        boolean read = trailers != null && pool.ctx.cluster.config().http1EnableTrailers();
        if (read && ResponseHeaderChecks.tooManyTrailers(pool.ctx.cluster.config().responseHeaderLimits(), trailers)) {
            fail(ResetReason.PROTOCOL_ERROR);
            return;
        }
        responseDone = true;
        if (meter != null && trailers != null) {
            meter.upstreamHeaderReceived += io.remora.accesslog.WireBytes.receivedFieldBytes(trailers);
        }
        if (read) {
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
        clearActive();
        // Bytes after a complete response were counted once when the connection was given up
        // (maybeRelease); the parser reaching them afterwards is the same error.
        if (reason == ResetReason.PROTOCOL_ERROR && (cb != null || channel.isOpen())) {
            pool.ctx.stats().upstreamCxProtocolError.increment();
        }
        closingWithRequest |= cb != null;
        channel.close();
        if (cb != null) {
            if (cb.poolCountsHostResults()) {
                pool.ctx.host.stats.rqError.increment();
            }
            cb.onReset(reason);
        }
    }

    @Override
    void maybeRelease() {
        if (!responseDone) {
            return;
        }
        if (!requestDone || upgradeRequested || connectRequested) {
            // An early response: the rest of the request would confuse the next user. After an
            // upgrade the upstream refused, unframed bytes may have followed the head: same.
            clearActive();
            channel.close();
            return;
        }
        clearActive();
        int max = pool.ctx.maxRequestsPerConnection();
        // Bytes already read past the response were not asked for: the connection is not reused.
        if (!keepAlive || expired || (max > 0 && served >= max) || !channel.isActive() || parser.buffered() > 0) {
            if (parser.buffered() > 0) {
                // As Envoy's codec: a response nobody asked for is a protocol error.
                pool.ctx.stats().upstreamCxProtocolError.increment();
            }
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
        dropHeld();
        boolean cutShort = false;
        if (!raw) {
            cutShort = parser.endOfInput();
            parser.release();
        }
        UpstreamCallbacks cb = active;
        clearActive();
        pool.closed(this, cb != null || closingWithRequest);
        if (cb != null) {
            if (cutShort) {
                // Envoy's codec client dispatches the close to the parser, whose error makes it a
                // protocol error rather than a plain connection termination.
                pool.ctx.stats().upstreamCxProtocolError.increment();
            }
            if (cb.poolCountsHostResults()) {
                pool.ctx.host.stats.rqError.increment();
            }
            if (io.remora.accesslog.ConnectionCloses.wanted()) {
                cb.onConnectionClosed(peerReset ? io.remora.accesslog.ConnectionCloses.Type.REMOTE_RESET
                        : io.remora.accesslog.ConnectionCloses.Type.NORMAL, null);
            }
            cb.onReset(cutShort ? ResetReason.PROTOCOL_ERROR : ResetReason.CONNECTION_TERMINATION);
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        peerReset |= io.remora.accesslog.ConnectionCloses.isPeerReset(cause);
        ctx.close();
    }
}
