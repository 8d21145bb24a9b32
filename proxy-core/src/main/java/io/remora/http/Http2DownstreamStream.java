package io.remora.http;

import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.codec.http2.Http2Stream;
import io.netty.util.AsciiString;


/**
 * One downstream HTTP/2 stream of an {@link Http2Connection}, bound to its {@link ActiveStream}:
 * the frames the connection hands it, and the stream's {@link StreamEncoder} (frames written
 * through the connection's encoder).
 *
 * <p>Backpressure: request DATA is returned to the flow-control windows (WINDOW_UPDATE) as it is
 * passed on; while the stream is read-disabled DATA is held unconsumed, so the client's window
 * closes, and is passed on and consumed on resume. Writability follows the stream's send window.
 */
final class Http2DownstreamStream implements StreamEncoder {

    private static final AsciiString STATUS_200 = AsciiString.cached("200");
    private static final AsciiString STATUS_100 = AsciiString.cached("100");

    private final Http2Connection conn;
    private final ConnectionContext cx;
    private final Http2Stream stream;
    private ActiveStream active;
    private boolean done;
    /** The client ended its side of the stream (END_STREAM seen). */
    private boolean remoteEnded;
    /** An extended CONNECT, handled inside as the HTTP/1.1 upgrade it stands for. */
    private boolean extendedConnect;
    private boolean readDisabled;
    /** We sent END_STREAM, or reset the stream ourselves: its closing is no news to the active stream. */
    private boolean localEnded;
    private boolean localReset;
    private Http2HeldFrames held;
    /** Writability last reported to the active stream. */
    private boolean writable = true;
    /** The response ended with DATA waiting for the peer's window: the time it has to leave, or null. */
    private Http2PendingFlush pendingFlush;

    Http2DownstreamStream(Http2Connection conn, Http2Stream stream) {
        this.conn = conn;
        this.cx = conn.cx;
        this.stream = stream;
    }

    /** Envoy's codec details for the refusals below ({@code Http2ResponseCodeDetails}). */
    static final String TOO_MANY_HEADERS = "http2.too_many_headers";
    static final String INVALID_HEADER_FIELD = "http2.invalid.header.field";
    static final String MESSAGING_RULE = "http2.violation.of.messaging.rule";

    /**
     * A stream whose opening HEADERS the decoder refused, so that Netty never opened it: Envoy's
     * codec had (its onBeginHeaders comes before the fields), and its connection manager logs it.
     * Without a Netty stream: only the active stream's end ({@link #streamDone}) reaches it.
     */
    static void refusedBeforeOpen(Http2Connection conn, String details, boolean protocolError) {
        new Http2DownstreamStream(conn, null).refused(details, protocolError);
    }

    /** The codec refused the request's headers: the stream is logged as Envoy logs one its codec reset. */
    void refused(String details, boolean protocolError) {
        if (active == null) {
            active = new ActiveStream(cx, this);
        }
        StreamResets.codecRefused(active, details, protocolError);
    }

    /**
     * Headers past the connection manager's limits: Envoy's codec fails its header callback, the
     * library resets the stream (INTERNAL_ERROR) and the codec reports that as a remote reset.
     */
    void headersOverLimits() {
        cx.hcm.stats.http2HeaderOverflow.increment();
        reset(Http2Error.INTERNAL_ERROR);
        refused(TOO_MANY_HEADERS, false);
    }

    /** Its header block ran out of time before it ended: answered as the stream it is in Envoy. */
    void headerPhaseTimedOut(int which) {
        active = new ActiveStream(cx, this);
        StreamTimeouts.headerPhaseReply(active, which);
    }

    /** The stream's byte meters, for the connection's {@link Http2FrameMeter}; null before its request. */
    io.remora.accesslog.WireBytes wireBytes() {
        return active == null ? null : active.info.wireBytes();
    }

    // ---------------------------------------------------------------- frames in

    void onRequestHeaders(Http2Headers headers, boolean endStream) {
        remoteEnded |= endStream;
        Http2RequestHead.hostToAuthority(headers);
        CharSequence authority = headers.authority();
        if (authority != null && !Authority.valid(authority)) {
            refused(INVALID_HEADER_FIELD, true); // nghttp2's authority check: an invalid header field
            conn.invalidRequest(stream.id(), Authority.INVALID);
            return;
        }
        if (!Http2RequestHead.pseudoHeadersComplete(headers)) {
            refused(MESSAGING_RULE, true);
            conn.invalidRequest(stream.id(), "missing or unexpected request pseudo-header");
            return;
        }
        if (headers.contains(Http2RequestHead.PROTOCOL)) {
            if (!cx.hcm.http2Options.allowConnect() || !Upgrades.isConnect(headers)) {
                // :protocol without allow_connect (SETTINGS_ENABLE_CONNECT_PROTOCOL) or off CONNECT:
                // oghttp2's ValidateRequestHeaders finds the pseudo-headers wrong, a messaging error
                // that costs the connection unless stream_error_on_invalid_http_message.
                refused(MESSAGING_RULE, true);
                conn.invalidRequest(stream.id(), "unexpected :protocol pseudo-header");
                return;
            }
            extendedConnect = true;
            headers = Http2RequestHead.fromExtendedConnect(headers);
        }
        active = new ActiveStream(cx, this);
        io.remora.accesslog.WireBytes w = active.info.wireBytes();
        if (w != null) {
            if (conn.frameMeter != null) {
                conn.frameMeter.claim(stream.id(), w); // the HEADERS that opened it, and what came with them
            } else {
                w.unmeteredDownstream = true; // made before any format read the meters
            }
        }
        if (!cx.hcm.config.proxy100Continue()) {
            Http2RequestHead.answerExpectContinue(active, headers, endStream);
        }
        if (StreamLog.enabled()) {
            StreamLog.requestHeaders(active.info, headers, endStream);
        }
        active.decodeHeaders(headers, endStream);
    }

    void onTrailers(Http2Headers trailers, boolean endStream) {
        remoteEnded |= endStream;
        if (active == null || active.ended()) {
            return;
        }
        if (trailers.size() > cx.hcm.maxRequestHeadersCount) {
            // Envoy's saveHeader counts a trailer section on its own, as a head.
            headersOverLimits();
            return;
        }
        if (held != null && !held.isEmpty()) {
            held.trailers(trailers);
            return;
        }
        active.decodeTrailers(trailers);
    }

    /** Returns the bytes processed now (the rest are consumed when passed on after a resume). */
    int onData(ByteBuf data, int padding, boolean endStream) {
        remoteEnded |= endStream;
        int n = data.readableBytes();
        if (active == null || active.ended()) {
            return n + padding;
        }
        if (readDisabled || (held != null && !held.isEmpty())) {
            if (held == null) {
                held = new Http2HeldFrames();
            }
            held.data(data.retainedSlice(), endStream);
            return padding;
        }
        active.decodeData(data.retain(), endStream);
        return n + padding;
    }

    /** The connection is closing under overload: the reset that follows carries flag OM, as Envoy's. */
    void markOverloadReset() {
        if (active != null && !active.ended()) {
            active.info.setFlag(io.remora.accesslog.ResponseFlag.OVERLOAD_MANAGER);
        }
    }

    /** The connection closes for a codec error: the stream ends now with the connection's details, or its own. */
    void codecError(String details) {
        releaseHeld();
        if (active != null) {
            StreamResets.codecError(active, details);
        }
    }

    int id() {
        return stream.id();
    }

    void onReset() {
        releaseHeld();
        if (active != null && !active.ended()) {
            StreamResets.remote(active);
        }
    }

    /** Netty closed the stream (both sides ended, a reset, or the connection went away). */
    void onClosed() {
        releaseHeld();
        if (pendingFlush != null) {
            pendingFlush.cancel();
        }
        if (localReset || (localEnded && remoteEnded)) {
            return; // closed by our own reset or our END_STREAM: the active stream ends itself
        }
        if (active != null && !active.ended()) {
            StreamResets.remote(active);
        }
    }

    /** The stream's processing threw: the stream is reset, the connection goes on. */
    void failed() {
        releaseHeld();
        if (active != null && !active.ended()) {
            active.resetStream();
        } else if (isOpen()) {
            reset(Http2Error.INTERNAL_ERROR);
        }
    }

    void onWritabilityChanged() {
        boolean w = isOpen() && conn.parts.flow().isWritable(stream);
        if (w != writable) {
            writable = w;
            if (active != null) {
                active.onWritabilityChanged(w);
            }
        }
    }

    private void releaseHeld() {
        if (held != null) {
            held.release();
        }
    }

    // ---------------------------------------------------------------- StreamEncoder

    private boolean isOpen() {
        return conn.connection().stream(stream.id()) == stream && stream.state() != Http2Stream.State.CLOSED;
    }

    private boolean canSend() {
        Http2Stream.State s = stream.state();
        return isOpen() && (s == Http2Stream.State.OPEN || s == Http2Stream.State.HALF_CLOSED_REMOTE);
    }

    @Override
    public void encode100Continue() {
        if (canSend()) {
            HeaderFrames.write(conn, conn.parts, conn.ctx, stream.id(), new HeaderBlock(1).status(STATUS_100), false);
            conn.written();
        }
    }

    @Override
    public void encode1xxHeaders(Http2Headers headers) {
        Http1Headers.stripConnectionSpecific(headers);
        if (StreamLog.enabled() && active != null) {
            StreamLog.responseHeaders(active.info, headers, false);
        }
        if (canSend()) {
            HeaderFrames.write(conn, conn.parts, conn.ctx, stream.id(), headers, false);
            conn.written();
        }
    }

    @Override
    public void encodeHeaders(Http2Headers headers, boolean endStream) {
        if (extendedConnect && active != null && active.tunnel()) {
            headers.status(STATUS_200); // the upstream's 101, as HTTP/2 says "accepted"
        }
        Http1Headers.stripConnectionSpecific(headers);
        if (StreamLog.enabled()) {
            StreamLog.responseHeaders(active == null ? new io.remora.accesslog.StreamInfo() : active.info, headers, endStream);
        }
        if (!canSend()) {
            return;
        }
        localEnded |= endStream;
        HeaderFrames.write(conn, conn.parts, conn.ctx, stream.id(), headers, endStream);
        conn.written();
        if (endStream) {
            ended();
        }
    }

    @Override
    public void encodeData(ByteBuf data, boolean endStream) {
        if (!canSend()) {
            data.release();
            return;
        }
        localEnded |= endStream;
        if (!conn.writeDataNow(stream, data, endStream)) {
            conn.encoder().writeData(conn.ctx, stream.id(), data, 0, endStream, conn.ctx.newPromise());
        }
        conn.written();
        if (endStream) {
            ended();
        }
    }

    @Override
    public void encodeTrailers(Http2Headers trailers) {
        if (!canSend()) {
            return;
        }
        localEnded = true;
        HeaderFrames.write(conn, conn.parts, conn.ctx, stream.id(), trailers, true);
        conn.written();
        ended();
    }

    /** Our side of the response is written: what of it waits for the peer's window gets its flush timeout. */
    private void ended() {
        if (pendingFlush == null && isOpen()) {
            pendingFlush = Http2PendingFlush.armIfPending(conn, stream, () -> reset(Http2Error.INTERNAL_ERROR));
        }
    }

    @Override
    public void resetStream(boolean graceful) {
        if (graceful && remoteEnded) {
            // The response ended the stream on our side and the client had ended its own: closed.
            return;
        }
        // Envoy 1.37's default reset code (reset_with_error): INTERNAL_ERROR, where it was NO_ERROR.
        reset(graceful ? Http2Error.NO_ERROR : Http2Error.INTERNAL_ERROR);
    }

    private void reset(Http2Error error) {
        releaseHeld();
        if (isOpen() && conn.ctx.channel().isActive()) {
            localReset = true;
            conn.resetStream(conn.ctx, stream.id(), error.code(), conn.ctx.newPromise());
            conn.written();
        }
    }

    @Override
    public void readDisable(boolean disable) {
        readDisabled = disable;
        if (!disable) {
            passHeld();
        }
    }

    private void passHeld() {
        if (held != null) {
            held.passOn(this);
        }
    }

    // For the held frames as they are passed on.

    boolean readDisabled() {
        return readDisabled;
    }

    ActiveStream active() {
        return active;
    }

    void consumed(int bytes) {
        conn.consume(stream, bytes);
    }

    /**
     * The active stream asks when its router starts listening: what it is told counts as reported,
     * so that a stream born unwritable (a peer whose window starts at 0) reports the window's opening.
     */
    @Override
    public boolean isWritable() {
        boolean w = isOpen() && conn.parts.flow().isWritable(stream);
        writable = w;
        return w;
    }

    @Override
    public void streamDone() {
        if (!done) {
            done = true;
            conn.drain.maybeCloseAfterDrain();
        }
    }

    /** The connection closed under the stream: how, for %DOWNSTREAM_DETECTED_CLOSE_TYPE% and its reason. */
    void connectionClosed(io.remora.accesslog.ConnectionCloses.Type type, String localReason) {
        if (active != null) {
            active.streamInfo().downstreamClosed(type, localReason);
        }
    }
}
