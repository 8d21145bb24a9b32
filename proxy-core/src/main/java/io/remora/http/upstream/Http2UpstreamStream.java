package io.remora.http.upstream;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelFuture;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2Headers;
import io.remora.http.HeaderBlock;
import io.remora.http.HeaderFrames;
import io.netty.handler.codec.http2.Http2Stream;
import io.remora.http.Upgrades;
import io.remora.upstream.Host;

import java.net.SocketAddress;

/**
 * One stream on an upstream HTTP/2 connection: the request written through the connection's
 * encoder, the response frames the connection hands it ({@link Http2UpstreamResponse}), and how
 * the stream ends. Its HTTP/2 stream (and id) comes with the request's HEADERS.
 *
 * <p>Backpressure: response DATA is returned to the flow-control windows (WINDOW_UPDATE) as it is
 * passed on; while the stream is read-disabled DATA and trailers are held unconsumed, so the
 * upstream's window closes, and are passed on (and consumed) on resume. Writability follows the
 * stream's send window and the socket's.
 */
final class Http2UpstreamStream implements UpstreamStream {
    final Http2UpstreamConnection conn;
    UpstreamCallbacks active;
    /** Netty's stream, from the request's HEADERS on. */
    Http2Stream stream;
    boolean headersReceived;
    /** The response is complete (END_STREAM seen), though held frames may not be passed on yet. */
    boolean responseDone;
    boolean requestDone;
    /** The slot on the connection was given back. */
    private boolean released;
    boolean readDisabled;
    boolean malformed;
    /** The request is a HEAD: its response has no body whatever its status. */
    boolean headRequest;
    /** The response's headers said no body follows (204, 304, or a HEAD's): DATA with bytes resets the stream. */
    boolean bodyless;
    /**
     * How the requester hears of the stream's end when the codec reset it (a response over the
     * cluster's limits, an invalid one, DATA that broke its content-length); null otherwise.
     */
    private ResetReason closedAs;
    /** The request is an upgrade (sent as extended CONNECT) or a CONNECT: half-close either way. */
    boolean tunnel;
    /** The upgrade the extended CONNECT stands for, to give the 200 back as 101. */
    CharSequence upgradeProtocol;
    /** A tunnel's bytes until the upstream's answer; null once it came (or for no tunnel). */
    private HeldTunnelBytes beforeAnswer;
    /** Response data or trailers held while the stream is read-disabled. */
    Http2HeldResponse held;
    /** Writability last reported to the requester. */
    private boolean writable = true;

    /** The stream holds a max_requests slot ({@link PoolContext#admitRequest}) until it closes. */
    private final boolean holdsRequestSlot;

    Http2UpstreamStream(Http2UpstreamConnection conn, UpstreamCallbacks callbacks) {
        this.conn = conn;
        this.active = callbacks;
        this.holdsRequestSlot = callbacks.poolTakesRequestSlot();
    }

    /** The requester's byte meters, for the connection's frame meter; null once it has gone, or when none are kept. */
    io.remora.accesslog.WireBytes meter() {
        UpstreamCallbacks cb = active;
        return cb == null ? null : cb.wireBytes();
    }

    @Override
    public boolean metersWireBytes() {
        return conn.frameMeter != null;
    }

    @Override
    public Host host() {
        return conn.ctx().host;
    }

    @Override
    public SocketAddress localAddress() {
        return conn.channel.localAddress();
    }

    @Override
    public String protocol() {
        return "HTTP/2";
    }

    @Override
    public io.netty.channel.Channel connection() {
        return conn.channel;
    }

    @Override
    public long connectionId() {
        return conn.facts().id();
    }

    @Override
    public io.remora.tls.TlsConnection tls() {
        return conn.facts().tls();
    }

    // ---------------------------------------------------------------- request

    @Override
    public void writeHeaders(Http2Headers request, boolean endStream) {
        if (stream != null || active == null) {
            return;
        }
        Http2Headers headers = request;
        if (!Http2HopHeaders.sendsAsIs(request)) {
            headers = rewritten(request);
        }
        if (!conn.channel.isActive() || conn.connection().goAwayReceived()) {
            // The connection went (or is going) before this stream got an id: nothing was sent.
            lost(conn.channel.isActive() ? ResetReason.REMOTE_REFUSED_STREAM_RESET : ResetReason.CONNECTION_TERMINATION);
            return;
        }
        requestDone = endStream;
        headRequest = io.netty.handler.codec.http.HttpMethod.HEAD.asciiName().contentEquals(request.method());
        int id = conn.connection().local().incrementAndGetNextStreamId();
        ChannelFuture f = HeaderFrames.write(conn, conn.parts, conn.ctx, id, headers, endStream);
        Http2Stream s = conn.connection().stream(id);
        if (s == null) {
            // Not created (stream ids used up, the peer's stream limit): refused, nothing sent.
            lost(f.cause() instanceof io.netty.handler.codec.http2.Http2Exception.StreamException
                    ? ResetReason.REMOTE_REFUSED_STREAM_RESET : ResetReason.LOCAL_RESET);
            return;
        }
        stream = s;
        conn.bind(s, this);
        if (s.state() == Http2Stream.State.CLOSED) {
            onClosed(false); // failed to encode (HPACK limits) and reset at once
            return;
        }
        conn.written();
    }

    /**
     * This hop's own copy of the request, rewritten: what it strips and changes stays out of the
     * downstream request (its access log, a retry over HTTP/1.1).
     */
    private Http2Headers rewritten(Http2Headers request) {
        Http2Headers headers = HeaderBlock.of(request).copy(2);
        boolean connect = Upgrades.isConnect(headers);
        upgradeProtocol = Http2HopHeaders.rewrite(headers, connect);
        tunnel = connect || upgradeProtocol != null;
        if (tunnel) {
            beforeAnswer = new HeldTunnelBytes();
        }
        return headers;
    }

    @Override
    public void writeData(ByteBuf data, boolean endStream) {
        if (!canSend()) {
            data.release();
            return;
        }
        if (beforeAnswer != null) {
            beforeAnswer.ended |= endStream;
            if (beforeAnswer.add(conn.channel.alloc(), data, active.requestBufferLimit())) {
                onWritabilityChanged();
            }
            return;
        }
        requestDone = endStream;
        if (!conn.writeDataNow(stream, data, endStream)) {
            conn.encoder().writeData(conn.ctx, stream.id(), data, 0, endStream, conn.ctx.newPromise());
        }
        conn.written();
    }

    @Override
    public void writeTrailers(Http2Headers trailers) {
        if (!canSend()) {
            return;
        }
        if (beforeAnswer != null) {
            beforeAnswer.ended = true; // a tunnel's trailers are only its end
            return;
        }
        requestDone = true;
        HeaderFrames.write(conn, conn.parts, conn.ctx, stream.id(), trailers, true);
        conn.written();
    }

    boolean isOpen() {
        return stream != null && stream.state() != Http2Stream.State.CLOSED;
    }

    private boolean canSend() {
        if (stream == null || active == null || requestDone) {
            return false;
        }
        Http2Stream.State s = stream.state();
        return s == Http2Stream.State.OPEN || s == Http2Stream.State.HALF_CLOSED_REMOTE;
    }

    /**
     * The upstream answered a tunnel's request: as Envoy's upstream_codec_filter over a protocol other
     * than HTTP/1.1 (no 101 to wait for), a WebSocket's held bytes go on at any answer, a CONNECT's
     * and another upgrade's at a 2xx; else they are dropped.
     */
    void tunnelAnswered(int code) {
        HeldTunnelBytes h = beforeAnswer;
        if (h != null) {
            beforeAnswer = null;
            ByteBuf bytes = h.answered((code >= 200 && code < 300) || Upgrades.isWebSocket(upgradeProtocol));
            if (bytes != null) {
                writeData(bytes, h.ended);
            }
            onWritabilityChanged();
        }
    }

    @Override
    public boolean isWritable() {
        if (beforeAnswer != null && beforeAnswer.above()) {
            return false;
        }
        if (requestDone) {
            return true; // nothing more to send: no backpressure to give (the stream's end turns Netty's flag off)
        }
        if (stream == null) {
            return conn.channel.isWritable();
        }
        return isOpen() && conn.parts.flow().isWritable(stream);
    }

    @Override
    public void readEnabled(boolean enabled) {
        readDisabled = !enabled;
        if (enabled) {
            Http2UpstreamResponse.passHeld(this);
        }
    }

    @Override
    public void reset() {
        active = null;
        releaseHeld();
        cancel();
    }

    /**
     * Ends our side: RST_STREAM(INTERNAL_ERROR) on a live stream, Envoy 1.37's default reset code
     * (reset_with_error); a stream that never got an id just gives its slot back.
     */
    void cancel() {
        if (isOpen()) {
            if (conn.ctx.channel().isActive()) {
                conn.resetStream(conn.ctx, stream.id(), Http2Error.INTERNAL_ERROR.code(), conn.ctx.newPromise());
                conn.written();
            }
        } else if (stream == null) {
            release();
        }
    }

    // ---------------------------------------------------------------- ends

    private void releaseHeld() {
        if (held != null) {
            held.releaseAll();
        }
        if (beforeAnswer != null) {
            beforeAnswer.drop();
        }
    }

    void onRemoteReset(long errorCode) {
        UpstreamCallbacks cb = active;
        active = null;
        releaseHeld();
        if (cb != null) {
            if (cb.poolCountsHostResults()) {
                conn.ctx().host.stats.rqError.increment();
            }
            cb.onReset(errorCode == Http2Error.REFUSED_STREAM.code()
                    ? ResetReason.REMOTE_REFUSED_STREAM_RESET : ResetReason.REMOTE_RESET);
        }
    }

    /** The connection closed under the stream: how, for the requester's %UPSTREAM_DETECTED_CLOSE_TYPE%. */
    void connectionClosed(io.remora.accesslog.ConnectionCloses.Type type, String localReason) {
        UpstreamCallbacks cb = active;
        if (cb != null) {
            cb.onConnectionClosed(type, localReason);
        }
    }

    void protocolError() {
        malformed = true;
        closedAs = ResetReason.PROTOCOL_ERROR;
    }

    /** Netty's decoder resets the stream for a fault of the response's (Http2UpstreamErrors): {@code reason} to the requester. */
    void resetByCodec(ResetReason reason) {
        if (closedAs == null) {
            closedAs = reason;
        }
    }

    /** Resets the stream for a fault of the response's that the requester hears as a remote reset ({@link Http2UpstreamResponse#refuseResponse}). */
    void resetAsRemote(Http2Error code) {
        malformed = true;
        closedAs = ResetReason.REMOTE_RESET;
        if (isOpen() && conn.ctx.channel().isActive()) {
            conn.resetStream(conn.ctx, stream.id(), code.code(), conn.ctx.newPromise());
            conn.written();
        }
    }

    /**
     * Netty closed the stream: both sides ended, a reset either way, or the connection went.
     * A complete response still held for a read-disabled requester stays to be passed on.
     */
    void onClosed(boolean refusedByGoAway) {
        release();
        UpstreamCallbacks cb = active;
        if (cb == null) {
            releaseHeld();
            return;
        }
        if (responseDone && held != null && !held.isEmpty()) {
            held.closeDeferred(conn.ctx().stats().http2Outbound.deferredStreamClose());
            return;
        }
        active = null;
        releaseHeld();
        if (!responseDone) {
            if (cb.poolCountsHostResults()) {
                conn.ctx().host.stats.rqError.increment();
            }
            // A connection closed for the upstream's error resets every stream as a protocol
            // error (Envoy's CodecClient::onEvent with protocol_error_).
            cb.onReset(refusedByGoAway ? ResetReason.REMOTE_REFUSED_STREAM_RESET
                    : closedAs != null ? closedAs
                    : conn.errors.protocolError() ? ResetReason.PROTOCOL_ERROR : ResetReason.CONNECTION_TERMINATION);
        }
    }

    /** The stream's processing threw: the stream is reset, the connection goes on. */
    void failed() {
        UpstreamCallbacks cb = active;
        active = null;
        releaseHeld();
        cancel();
        if (cb != null && !responseDone) {
            if (cb.poolCountsHostResults()) {
                conn.ctx().host.stats.rqError.increment();
            }
            cb.onReset(ResetReason.LOCAL_RESET);
        }
    }

    /** Nothing was sent and no stream exists: the requester hears {@code reason}, the slot is given back. */
    private void lost(ResetReason reason) {
        UpstreamCallbacks cb = active;
        active = null;
        release();
        if (cb != null) {
            if (cb.poolCountsHostResults()) {
                conn.ctx().host.stats.rqError.increment();
            }
            cb.onReset(reason);
        }
    }

    private void release() {
        if (!released) {
            released = true;
            // Before the pool serves a waiting request: the slot is free for it.
            conn.ctx().releaseRequest(holdsRequestSlot);
            conn.streamClosed();
        }
    }

    void onWritabilityChanged() {
        if (requestDone) {
            return;
        }
        boolean w = isWritable();
        if (w != writable) {
            writable = w;
            UpstreamCallbacks cb = active;
            if (cb != null) {
                cb.onWritabilityChanged(w);
            }
        }
    }
}
