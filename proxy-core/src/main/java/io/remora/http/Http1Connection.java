package io.remora.http;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPipeline;
import io.netty.util.ReferenceCountUtil;
import io.remora.accesslog.ResponseFlag;

/**
 * The HTTP/1.1 side of a downstream connection, and its only pipeline stage: reads go to its
 * {@link Http1RequestDecoder}, whose parser's events come back here, one request at a time;
 * responses are written as bytes ({@link Http1Stream}). Once a request has been read, parsing
 * waits until its response is complete, so pipelined responses never interleave (socket reads
 * stop only once pipelined bytes wait). Bodies stream; nothing is aggregated. It coalesces its
 * flushes and counts the connection's bytes itself ({@link FlushCoalescer}).
 */
final class Http1Connection extends Http1RequestReader implements ConnectionContext.Codec, Http1HeaderGuard.Timeout {

    private static final java.util.logging.Logger LOG = io.remora.log.Logging.logger("http");

    static final String NAME = "remora-http1";

    static final ByteBuf CONTINUE = Unpooled.unreleasableBuffer(Unpooled.wrappedBuffer(
            "HTTP/1.1 100 Continue\r\n\r\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII))).asReadOnly();
    /** The same on a served HTTP/1.0 connection, whose responses say HTTP/1.0 (Envoy's encoder). */
    static final ByteBuf CONTINUE_10 = Unpooled.unreleasableBuffer(Unpooled.wrappedBuffer(
            "HTTP/1.0 100 Continue\r\n\r\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII))).asReadOnly();

    /** After an upgrade or CONNECT head: what the client sends is tunnel bytes, not HTTP. */
    private boolean rawIn;
    /** Responses waiting behind bytes the socket refused; null until one did. */
    private Http1ResponseFlood flood;
    /**
     * A request other than HTTP/1.1 was read: Envoy's codec then calls the connection HTTP/1.0
     * for good (its protocol_ is never set back), so later HTTP/1.1 requests on a kept-alive
     * connection are served, framed and kept alive under HTTP/1.0's rules.
     */
    boolean http10;

    private Http1Connection(ConnectionContext cx) {
        super(cx);
    }

    /**
     * Installs the HTTP/1.1 codec. An h2c upgrade offer is served as plain HTTP/1.1, its upgrade
     * headers dropped, as Envoy's codec does (Envoy has no h2c upgrade).
     */
    static void install(ConnectionContext cx) {
        HttpConnectionManager hcm = cx.hcm;
        hcm.stats.downstreamCxHttp1Total.increment();
        hcm.stats.downstreamCxHttp1Active.incrementAndGet();
        ChannelPipeline p = cx.channel.pipeline();
        Http1Connection conn = new Http1Connection(cx);
        cx.codec = conn;
        p.addLast(NAME, conn);
    }

    /** Bytes go to the decoder until an upgrade or CONNECT head makes them tunnel bytes. */
    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        onRead(msg);
        if (io.remora.accesslog.WireBytes.wanted() && msg instanceof ByteBuf b) {
            meterRead(b.readableBytes());
        }
        if (closing) {
            ReferenceCountUtil.release(msg); // read only so that the close is a FIN (DelayedClose)
            return;
        }
        io.remora.overload.LoadShedPoint abort = cx.hcm.overload.shedHttp1AbortDispatch;
        if (abort != null && abort.shouldShedLoad()) {
            ReferenceCountUtil.release(msg);
            abortDispatch();
            return;
        }
        if (rawIn) {
            onRawRead(msg);
        } else if (msg instanceof ByteBuf b) {
            decoder().read(ctx, b);
            releaseDecoderIfIdle();
        } else {
            ReferenceCountUtil.release(msg);
        }
    }

    /**
     * As Envoy's codec, a read counts toward the request in progress; one read while none is (or
     * behind a request already complete) counts toward the next.
     */
    private void meterRead(int n) {
        Http1Stream s = current;
        if (s != null && !s.requestComplete) {
            s.stream.info.wireBytes().downstreamWireReceived += n;
        } else {
            wireBytesBeforeStream += n;
        }
    }

    /**
     * Envoy's http1_server_abort_dispatch: what was read is not parsed. The request in progress (a
     * new one when none is) is answered 500 with connection: close unless its response has
     * started, in which case it is reset; either way the connection closes
     * (downstream_rq_overload_close).
     */
    private void abortDispatch() {
        cx.hcm.stats.downstreamRqOverloadClose.increment();
        decoder().parser.stop();
        Http1Stream s = current;
        if (s == null) {
            s = newStream(null);
            current = s;
        }
        s.requestComplete = true;
        s.closeAfterResponse = true;
        if (s.stream.ended()) {
            closeAfterFlush();
        } else if (!s.stream.responseStarted()) {
            // As Envoy's codec: its own local reply, no response flag on the stream.
            s.stream.sendLocalReply(500, "Internal Server Error", null, "overload");
        } else {
            // Envoy resets the connection's streams with flag OM as it closes it.
            s.stream.info.setFlag(ResponseFlag.OVERLOAD_MANAGER);
            s.stream.resetStream();
            closeAfterFlush();
        }
    }

    // The connection manager's counters, not fields of the coalescer: one size class less for
    // every connection, idle ones included.
    @Override
    protected io.micrometer.core.instrument.Counter rxBytes() {
        return cx.hcm.stats.downstreamCxRxBytesTotal;
    }

    @Override
    protected io.micrometer.core.instrument.Counter txBytes() {
        return cx.hcm.stats.downstreamCxTxBytesTotal;
    }

    @Override
    Http1Stream newStream(io.remora.http.upstream.Http1Head head) {
        return new Http1Stream(this, head);
    }

    @Override
    void switchToRawInput() {
        rawIn = true;
        // A FIN from the client ends its half of the tunnel, not the connection.
        ctx.channel().config().setOption(io.netty.channel.ChannelOption.ALLOW_HALF_CLOSURE, true);
        // Hands on what the parser had not parsed after the head, as raw bytes.
        decoder().leave(this::onRawRead);
        updateAutoRead();
    }

    private void onRawRead(Object msg) {
        Http1Stream s = current;
        if (!(msg instanceof ByteBuf data) || s == null || s.stream.ended() || s.requestComplete) {
            ReferenceCountUtil.release(msg);
            return;
        }
        if (data.isReadable()) {
            s.stream.decodeData(data, false);
        } else {
            data.release();
        }
    }

    private void onRawInputShutdown() {
        Http1Stream s = current;
        if (s != null && !s.requestComplete) {
            s.requestComplete = true;
            if (!s.stream.ended()) {
                s.stream.decodeData(Unpooled.EMPTY_BUFFER, true);
            }
        }
        if (current == null || current.stream.ended()) {
            closeAfterFlush();
        }
    }

    /** The current stream is over: start on what was pipelined behind it. */
    void onStreamDone(Http1Stream s) {
        if (current != s) {
            return;
        }
        if (s.closeAfterResponse || !s.requestComplete) {
            closeAfterFlush();
            return;
        }
        current = null;
        if (cx.draining) {
            closeAfterFlush();
            return;
        }
        flood = Http1ResponseFlood.responseEnded(flood, this, ctx.channel(), decoder != null && decoder.parser.buffered() > 0);
        processPending();
    }

    @Override
    boolean responseFlood(Http1Stream s) {
        if (flood == null || !flood.tooMany()) {
            return false;
        }
        // Envoy's handleCodecError for the flood error: the new stream reset, the connection closed.
        cx.hcm.stats.http1ResponseFlood.increment();
        s.closeAfterResponse = true;
        StreamResets.codecError(s.stream, "codec_error:Too_many_responses_queued.");
        closeAfterFlush();
        return true;
    }

    private void processPending() {
        Http1RequestDecoder d = decoder;
        if (d != null && d.parser.paused()) {
            d.resume(ctx);
        }
        updateAutoRead();
        releaseDecoderIfIdle();
    }

    /**
     * Reading stops for the stream's back-pressure, and once bytes wait behind a request still
     * being answered: not merely because the parser is paused. Socket reads stay on between a
     * request and its response (a client that sends nothing more costs no epoll_ctl pair per
     * request), so a close or reset from the client is seen at once; while they are off, the
     * client's FIN still closes the connection at once on epoll (Envoy's early-close detection,
     * {@link io.remora.network.EarlyCloseDetection}), its requests reset as on any remote close.
     */
    @Override
    void updateAutoRead() {
        if (closing) {
            return;
        }
        boolean paused = current != null && current.readDisabled;
        Http1RequestDecoder d = decoder;
        boolean waiting = d != null && d.parser.paused() && d.parser.buffered() > 0;
        boolean read = !waiting && !paused;
        if (ctx.channel().config().isAutoRead() != read) {
            ctx.channel().config().setAutoRead(read);
            io.remora.network.EarlyCloseDetection.readDisabled(ctx.channel(), !read);
        }
    }

    /** Pipelined bytes may have arrived behind the request in progress: they wait, unread further. */
    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        Http1RequestDecoder d = decoder;
        if (d != null && d.parser.paused()) {
            updateAutoRead();
        }
        super.channelReadComplete(ctx); // flushes what this read's responses wrote
    }

    @Override
    void closeAfterFlush() {
        if (closing) {
            return;
        }
        closing = true;
        // No head is parsed any more: what it held leaves the header budget now, not when the
        // delayed close ends, and no header timer runs.
        if (decoder != null) {
            decoder.stopGuard();
        }
        // Through this stage's own write, so it completes after what this stage gathered has gone out.
        send(Unpooled.EMPTY_BUFFER).addListener(cx.hcm.delayedClose);
    }

    @Override
    protected void onLocalClose() {
        cx.closeLocally();
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        if (current != null) {
            current.stream.onWritabilityChanged(ctx.channel().isWritable());
        }
        ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        // As Envoy's, whose stream exists from a request's first byte.
        cx.requestsAtClose |= (current != null && !current.stream.ended()) || cx.headerPhase;
        closing = true;
        if (decoder != null) {
            decoder.close();
        }
        Http1Stream s = current;
        current = null;
        if (s != null && !s.stream.ended()) {
            s.stream.streamInfo().downstreamClosed(cx.peerReset ? io.remora.accesslog.ConnectionCloses.Type.REMOTE_RESET
                    : io.remora.accesslog.ConnectionCloses.Type.NORMAL, null);
            StreamResets.remote(s.stream);
        }
        cx.onClosed();
        super.channelInactive(ctx);
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (rawIn && evt instanceof io.netty.channel.socket.ChannelInputShutdownEvent) {
            onRawInputShutdown();
            return;
        }
        ctx.fireUserEventTriggered(evt);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        io.remora.log.UnexpectedErrors.log(LOG, io.remora.log.LogTags.conn(cx.connectionId())
                + "downstream connection error, closing: " + cause, cause);
        cx.peerReset |= io.remora.accesslog.ConnectionCloses.isPeerReset(cause);
        cx.closeOn(cause);
        ctx.channel().close(); // through this stage's close: what was written is flushed first
    }

    /**
     * A request's head did not complete in time. As Envoy, whose stream exists from the request's
     * first byte: 408 and close (request_headers_timeout: "request header timeout"; request_timeout:
     * "request timeout"; stream idle: "stream timeout", flag SI).
     */
    @Override
    public void onHeaderPhaseTimeout(int which) {
        if (closing) {
            return;
        }
        if (current != null) {
            // A pipelined head is stuck behind a request still in progress: close after its response.
            current.closeAfterResponse = true;
            return;
        }
        decoder().parser.stop(); // the connection closes after the 408: nothing more is parsed
        Http1Stream s = new Http1Stream(this, null);
        current = s;
        s.requestComplete = true;
        s.closeAfterResponse = true;
        if (which == Http1HeaderGuard.REQUEST) {
            cx.hcm.stats.downstreamRqTimeout.increment();
        } else if (which == Http1HeaderGuard.STREAM_IDLE) {
            cx.hcm.stats.downstreamRqIdleTimeout.increment();
        }
        StreamTimeouts.headerPhaseReply(s.stream, which);
    }

    @Override
    public void startDrain() {
        // As Envoy: the next response carries connection: close and the connection closes after
        // it; idle connections are left to the listener's drain time.
    }

    /**
     * At shutdown an idle keep-alive connection would hold the exit for the whole drain time;
     * one with a request begun (even a partial head) is left to finish it.
     */
    @Override
    public void closeIfIdle() {
        if (current == null && !rawIn && (decoder == null || decoder.betweenRequests())) {
            closeAfterFlush();
        }
    }

    /** The guard's timer, no rescale hook of its own on the connection (one object less each). */
    @Override
    public void onTimerScaleChanged() {
        if (decoder != null) {
            decoder.rescale();
        }
    }

    @Override
    public void onIdleTimeout() {
        if (!cx.servedRequest) {
            // Envoy makes its codec at a connection's first byte: without one, the idle timeout
            // (or max_connection_duration) closes the connection at once.
            if (current == null) {
                closeAfterFlush();
            }
            return;
        }
        // Envoy's onIdleTimeout and onConnectionDurationTimeout start the drain sequence, HTTP/1
        // too: a request arriving meanwhile is answered with connection: close, and the connection
        // closes drain_timeout later (Closing: once its request is over), not while a keep-alive
        // client may be sending its next request.
        cx.drain();
        java.time.Duration drain = cx.hcm.config.drainTimeout();
        cx.channel.eventLoop().schedule(this::onDrainTimeout, drain == null ? 5_000_000_000L : drain.toNanos(),
                java.util.concurrent.TimeUnit.NANOSECONDS);
    }

    // A request begun by now (a head in progress included) closes the connection after its response.
    private void onDrainTimeout() {
        if (current == null && !cx.headerPhase && !closing && !cx.closed) {
            closeAfterFlush();
        }
    }
}
