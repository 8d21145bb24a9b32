package io.remora.http.upstream;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http2.Http2ConnectionDecoder;
import io.netty.handler.codec.http2.Http2ConnectionEncoder;
import io.netty.handler.codec.http2.Http2ConnectionHandler;
import io.netty.handler.codec.http2.Http2Exception;
import io.netty.handler.codec.http2.Http2LocalFlowController;
import io.netty.handler.codec.http2.Http2Settings;
import io.netty.handler.codec.http2.Http2Stream;

import java.util.logging.Level;

/**
 * One upstream HTTP/2 connection, frame-level as the downstream codec is: one Netty
 * {@link Http2ConnectionHandler} (client side) whose frame listener hands each stream's frames to
 * its {@link Http2UpstreamStream}, kept as a property of Netty's stream; no channel per stream.
 * The pool's bookkeeping lives here too: streams open (counted from hand-out, before a stream id
 * exists), requests served, GOAWAY; the idle timer is {@link Http2IdleCheck}.
 *
 * <p>Flushes: writes made while this connection is reading flush at {@code channelReadComplete}
 * (the handler does that); other writes flush at once, which moves flow-controlled DATA into the
 * pipeline, where {@link io.remora.http.FlushCoalescer} makes one socket write per event-loop pass.
 */
final class Http2UpstreamConnection extends Http2ConnectionHandler implements io.remora.http.Http2OutboundFrames.Counted {

    static final java.util.logging.Logger LOG = io.remora.log.Logging.logger("http2");

    private final Http2ConnectionPool pool;
    final io.netty.handler.codec.http2.Http2Connection.PropertyKey streamKey;
    /** The streams' byte meters, when a format read them as the connection was made; null otherwise. */
    io.remora.http.Http2FrameMeter frameMeter;
    Channel channel;
    private UpstreamChannelFacts facts;
    ChannelHandlerContext ctx;
    boolean connected;
    boolean goingAway;
    /** Streams handed out and not yet over (a stream counts before its HEADERS give it an id). */
    int activeStreams;
    private int served;
    private boolean reading;
    /** The peer reset the connection (%UPSTREAM_DETECTED_CLOSE_TYPE%'s RemoteReset). */
    private boolean peerReset;
    private final Http2IdleCheck idle;
    /** connection_keepalive, or null. */
    final io.remora.http.Http2Keepalive keepalive;
    /** The encoder's parts that {@link #connection()} and the direct frame writers use. */
    final io.remora.http.Http2EncoderParts parts;
    /** The DATA frames sent, for the WINDOW_UPDATE flood limit. */
    private final io.remora.http.Http2DataFrameCounter dataFrames;
    /** What the upstream's faults cost, as Envoy's codec client. */
    final Http2UpstreamErrors errors;
    /** Envoy's outbound frame count and max_outbound_frames, or null (not installed). */
    final io.remora.http.Http2OutboundFrames outbound;
    private final io.netty.handler.codec.http2.Http2FrameWriter writer;

    Http2UpstreamConnection(Http2ConnectionDecoder decoder, Http2ConnectionEncoder encoder,
                                    Http2Settings settings, Http2ConnectionPool pool,
                                    io.remora.http.Http2DataFrameCounter dataFrames,
                                    io.remora.http.HeaderBlockDecoder headers,
                                    io.remora.http.Http2OutboundFrames outbound) {
        super(decoder, encoder, settings, true); // decoupled: a close sends no GOAWAY (see goAway)
        this.outbound = outbound;
        this.parts = io.remora.http.Http2EncoderParts.of(encoder);
        this.dataFrames = dataFrames;
        dataFrames.frameSizes(parts.frameSizes());
        this.pool = pool;
        this.idle = new Http2IdleCheck(this, pool);
        this.errors = new Http2UpstreamErrors(this, headers, pool.ctx.stats(),
                pool.options().streamErrorOnInvalidHttpMessage());
        this.streamKey = connection().newKey();
        io.remora.config.Http2Options.Keepalive k = pool.options().keepalive();
        this.keepalive = k == null ? null
                : new io.remora.http.Http2Keepalive(this, k, pool.ctx.stats().http2KeepaliveTimeout, -1);
        io.remora.http.Http2FloodGuard.install(decoder, new Http2UpstreamFrames(this), pool.options(),
                pool.ctx.stats().http2Floods, dataFrames);
        this.writer = new io.remora.http.Http2TxResets(encoder.frameWriter(), pool.ctx.stats().http2Streams.txReset());
        Http2UpstreamStreamEvents.install(this, encoder, pool.ctx.stats());
    }

    @Override
    public io.netty.handler.codec.http2.Http2Connection connection() {
        return parts.connection();
    }

    @Override
    public io.remora.http.Http2OutboundFrames outboundFrames() {
        return outbound;
    }

    /** The handler writes its RST_STREAMs through this, which counts them in cluster.<name>.http2.tx_reset. */
    @Override
    protected io.netty.handler.codec.http2.Http2FrameWriter frameWriter() {
        return writer;
    }

    /**
     * A connection for {@code pool}, with this cluster's HTTP/2 settings: the SETTINGS Envoy's
     * client sends (sendSettingsHelper): ENABLE_PUSH 0, the custom parameters, HEADER_TABLE_SIZE,
     * ENABLE_CONNECT_PROTOCOL, MAX_CONCURRENT_STREAMS and INITIAL_WINDOW_SIZE, each as configured.
     * Not Netty's defaults (100 streams, an 8 KiB header list), and no MAX_HEADER_LIST_SIZE: oghttp2
     * holds max_response_headers_kb to itself ({@link Http2UpstreamConnectionBuilder}).
     */
    static Http2UpstreamConnection create(Http2ConnectionPool pool) {
        io.remora.config.Http2Options o = pool.options();
        Http2Settings settings = new Http2Settings().pushEnabled(false)
                .maxConcurrentStreams(o.maxConcurrentStreams() & 0xffffffffL)
                .initialWindowSize(o.initialStreamWindowSize());
        settings.put(io.netty.handler.codec.http2.Http2CodecUtil.SETTINGS_ENABLE_CONNECT_PROTOCOL,
                (Long) (o.allowConnect() ? 1L : 0L));
        return Http2UpstreamConnectionBuilder.create(pool, io.remora.http.Http2Connections.settings(settings, o));
    }

    /**
     * As oghttp2's client: a GOAWAY only for a connection error, naming the last stream this side
     * opened (its highest_processed_stream_id_), where Netty names the last the upstream opened (0)
     * or 2^31-1. A close (drained, idle, served its max) sends none ({@link Http2UpstreamConnectionBuilder}):
     * oghttp2 drops Envoy's goAway() from a client.
     */
    @Override
    public io.netty.channel.ChannelFuture goAway(ChannelHandlerContext ctx, int lastStreamId, long errorCode,
                                                 ByteBuf debugData, io.netty.channel.ChannelPromise promise) {
        return super.goAway(ctx, Math.max(0, connection().local().lastStreamCreated()), errorCode, debugData, promise);
    }

    // ---------------------------------------------------------------- pool side

    boolean canOpenStream() {
        if (!connected || goingAway || !channel.isActive() || connection().goAwayReceived()) {
            return false;
        }
        int max = Math.min(pool.options().maxConcurrentStreams(), connection().local().maxActiveStreams());
        int maxRequests = pool.ctx.maxRequestsPerConnection();
        return activeStreams < max && (maxRequests <= 0 || served < maxRequests);
    }

    /** Hands a stream to {@code callbacks} now; its id comes with its HEADERS. */
    void openStream(UpstreamCallbacks callbacks) {
        if (keepalive != null) {
            keepalive.pingIfIdle(); // connection_idle_interval: a PING ahead of the stream
        }
        activeStreams++;
        served++;
        int maxRequests = pool.ctx.maxRequestsPerConnection();
        if (maxRequests > 0 && served == maxRequests) {
            pool.ctx.stats().upstreamCxMaxRequests.increment(); // Envoy: remaining_streams_ reached 0 on attach
        }
        Http2UpstreamStream stream = new Http2UpstreamStream(this, callbacks);
        ctx().streamAttached();
        callbacks.onPoolReady(stream);
    }

    /** A stream handed out is over (closed, or abandoned before it had an id). */
    void streamClosed() {
        activeStreams--;
        int maxRequests = pool.ctx.maxRequestsPerConnection();
        if (maxRequests > 0 && served >= maxRequests) {
            goingAway = true;
        }
        pool.serve(this);
    }

    /** The connection has no stream: it closes after idle_timeout without one. */
    void parkIdle() {
        idle.park();
    }

    /**
     * The connection window is not a SETTING: it grows to initial_connection_window_size by a
     * WINDOW_UPDATE on stream 0, sent behind our preface.
     */
    void widenConnectionWindow(int target) {
        Http2LocalFlowController local = connection().local().flowController();
        int extra = target - local.windowSize(connection().connectionStream());
        if (extra > 0 && ctx != null) {
            try {
                local.incrementWindowSize(connection().connectionStream(), extra);
            } catch (Http2Exception e) {
                onError(ctx, true, e);
            }
            written();
        }
    }

    PoolContext ctx() {
        return pool.ctx;
    }

    /** Connected: keepalive PINGs start. */
    void startKeepalive() {
        if (keepalive != null && ctx != null) {
            keepalive.start(ctx);
        }
    }

    // ---------------------------------------------------------------- for the streams

    void bind(Http2Stream stream, Http2UpstreamStream s) {
        stream.setProperty(streamKey, s);
        io.remora.accesslog.WireBytes meter = frameMeter == null ? null : s.meter();
        if (meter != null) {
            frameMeter.claim(stream.id(), meter); // its HEADERS went out before it was bound
        }
    }

    /** Called after a stream wrote: flushed now unless this connection's read will flush it. */
    void written() {
        if (!reading && ctx != null) {
            flush(ctx);
        }
    }

    UpstreamChannelFacts facts() {
        if (facts == null) {
            facts = UpstreamChannelFacts.of(channel);
        }
        return facts;
    }

    /** A DATA frame written at once when the windows allow: see {@link io.remora.http.Http2DataWriter}. */
    boolean writeDataNow(Http2Stream stream, ByteBuf data, boolean endStream) {
        try {
            return io.remora.http.Http2DataWriter.tryWrite(this, parts, dataFrames, ctx, stream, data, endStream);
        } catch (Http2Exception e) {
            onError(ctx, true, e);
            return true; // the window was charged or the connection is going: the frame is not sent twice
        }
    }

    /** Returns response bytes to the flow-control windows (WINDOW_UPDATE when due). */
    void consume(Http2Stream stream, int bytes) {
        if (bytes <= 0 || ctx == null) {
            return;
        }
        try {
            decoder().flowController().consumeBytes(stream, bytes);
        } catch (Http2Exception e) {
            onError(ctx, true, e);
        }
        written();
    }

    // ---------------------------------------------------------------- pipeline events

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) throws Exception {
        this.ctx = ctx;
        this.channel = ctx.channel();
        super.handlerAdded(ctx); // on an active channel (an adopted one) sends our preface now
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) throws Exception {
        reading = true;
        if (keepalive != null) {
            keepalive.onRead();
        }
        super.channelRead(ctx, msg);
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) throws Exception {
        reading = false;
        super.channelReadComplete(ctx); // flushes what the read wrote
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        reading = false;
        if (keepalive != null) {
            keepalive.stop();
        }
        if (io.remora.accesslog.ConnectionCloses.wanted()) {
            recordClose();
        }
        boolean streamsOpen = activeStreams > 0;
        super.channelInactive(ctx); // closes the streams: each in flight is reset for its requester
        idle.cancel();
        if (connected) {
            connected = false;
            pool.closed(this, streamsOpen);
        }
    }

    @Override
    protected void onStreamError(ChannelHandlerContext ctx, boolean outbound, Throwable cause,
                                 Http2Exception.StreamException http2Ex) {
        Http2Exception.StreamException answer = outbound ? http2Ex : errors.onStreamError(ctx, cause, http2Ex);
        if (answer != null) {
            super.onStreamError(ctx, outbound, cause, answer);
        }
    }

    @Override
    protected void onConnectionError(ChannelHandlerContext ctx, boolean outbound, Throwable cause,
                                     Http2Exception http2Ex) {
        if (!outbound) {
            errors.connectionError();
        } else if (http2Ex != null && http2Ex.error() == io.netty.handler.codec.http2.Http2Error.ENHANCE_YOUR_CALM) {
            // Only the outbound control-frame limit raises it while writing: the upstream is not
            // reading the PING/SETTINGS ACKs and RST_STREAMs it makes us queue.
            pool.ctx.stats().http2Outbound.outboundControlFlood().increment();
        }
        super.onConnectionError(ctx, outbound, cause, http2Ex);
    }

    /** The upstream's response head broke HTTP/2 in a way Netty's decoder does not check itself. */
    void invalidResponse(int streamId, String reason) {
        Http2Exception e = Http2Exception.streamError(streamId, io.netty.handler.codec.http2.Http2Error.PROTOCOL_ERROR,
                reason);
        Http2Exception.StreamException answer = errors.invalid(ctx, e, (Http2Exception.StreamException) e,
                streamFor(streamId));
        if (answer != null) {
            super.onStreamError(ctx, false, e, answer);
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) throws Exception {
        LOG.log(Level.FINE, io.remora.log.LogTags.conn(ctx.channel()) + "upstream connection error: " + cause, cause);
        peerReset |= io.remora.accesslog.ConnectionCloses.isPeerReset(cause);
        if (embeddedHttp2Exception(cause) != null) {
            super.exceptionCaught(ctx, cause); // RST_STREAM or GOAWAY with the codec's error
            return;
        }
        ctx.channel().close();
    }

    /** The streams in flight when the connection closed hear how it closed. */
    private void recordClose() {
        io.remora.accesslog.ConnectionCloses.Type type = peerReset ? io.remora.accesslog.ConnectionCloses.Type.REMOTE_RESET
                : io.remora.accesslog.ConnectionCloses.Type.NORMAL;
        String reason = keepalive != null && keepalive.timedOut() ? io.remora.accesslog.ConnectionCloses.HTTP2_PING_TIMEOUT
                : null;
        try {
            connection().forEachActiveStream(stream -> {
                Http2UpstreamStream s = stream.getProperty(streamKey);
                if (s != null) {
                    s.connectionClosed(type, reason);
                }
                return true;
            });
        } catch (Http2Exception e) {
            throw new IllegalStateException(e); // the visitor throws nothing
        }
    }

    // ---------------------------------------------------------------- frames

    Http2UpstreamStream streamFor(int streamId) {
        Http2Stream s = connection().stream(streamId);
        return s == null ? null : s.getProperty(streamKey);
    }

    /** As Netty's (package-private) Http2CodecUtil.getEmbeddedHttp2Exception. */
    private static Http2Exception embeddedHttp2Exception(Throwable cause) {
        while (cause != null) {
            if (cause instanceof Http2Exception e) {
                return e;
            }
            cause = cause.getCause();
        }
        return null;
    }
}
