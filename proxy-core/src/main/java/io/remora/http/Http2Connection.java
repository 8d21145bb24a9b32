package io.remora.http;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http2.Http2ConnectionDecoder;
import io.netty.handler.codec.http2.Http2ConnectionEncoder;
import io.netty.handler.codec.http2.Http2ConnectionHandler;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2Exception;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.codec.http2.Http2LocalFlowController;
import io.netty.handler.codec.http2.Http2Settings;
import io.netty.handler.codec.http2.Http2Stream;
import io.remora.config.Http2Options;

import java.util.logging.Level;

/**
 * The HTTP/2 side of a downstream connection, frame-level as Envoy's codec is: one Netty
 * {@link Http2ConnectionHandler} whose frame listener hands each stream's frames to its
 * {@link Http2DownstreamStream} (kept as a property of Netty's stream), with no channel per stream.
 * Connection-level matters live here too: the connection window, drain (GOAWAY), idle timeout.
 *
 * <p>Flushes: writes made while this connection is reading are flushed once at
 * {@code channelReadComplete} (the handler does that); writes from any other event (an upstream's
 * response) flush at once, which moves the flow-controlled DATA into the pipeline, where
 * {@link FlushCoalescer} turns them into one socket write per event-loop pass.
 */
final class Http2Connection extends Http2ConnectionHandler
        implements ConnectionContext.Codec, Http2OutboundFrames.Counted {

    static final java.util.logging.Logger LOG = io.remora.log.Logging.logger("http2");

    final ConnectionContext cx;
    final io.netty.handler.codec.http2.Http2Connection.PropertyKey streamKey;
    private final Http2DownstreamFrames frames = new Http2DownstreamFrames(this);
    ChannelHandlerContext ctx;
    /** The GOAWAYs and the close after the last stream. */
    final Http2Drain drain = new Http2Drain(this);
    /** The overload manager's load shed points on dispatch. */
    private final Http2DispatchShed shed = new Http2DispatchShed(this);
    /** Inside this connection's channelRead: the read's writes are flushed at channelReadComplete. */
    private boolean reading;
    /** The peer reset the connection (%DOWNSTREAM_DETECTED_CLOSE_TYPE%'s RemoteReset). */
    private boolean peerReset;
    /** This proxy closes the connection for the peer's protocol violation (a GOAWAY with an error). */
    private boolean protocolViolation;
    /** A connection error's GOAWAY is on its way and the delayed close follows: reads are dropped. */
    private boolean closingAfterError;
    /** The violation is an invalid request that costs the connection (see {@link Http2StreamErrors}). */
    private boolean invalidRequest;
    /** connection_keepalive, or null. */
    final Http2Keepalive keepalive;
    /** The encoder's parts that {@link #connection()} and the direct frame writers use. */
    final Http2EncoderParts parts;
    /** The streams' byte meters, when a format read them as the connection was made; null otherwise. */
    Http2FrameMeter frameMeter;
    /** The DATA frames sent, for the WINDOW_UPDATE flood limit. */
    private final Http2DataFrameCounter dataFrames;
    private final io.netty.handler.codec.http2.Http2FrameWriter writer;
    /** Envoy's outbound frame count and max_outbound_frames, or null (not installed). */
    final Http2OutboundFrames outbound;
    /** What a stream error costs: its stream, the connection, or nothing. */
    final Http2StreamErrors streamErrors;

    Http2Connection(Http2ConnectionDecoder decoder, Http2ConnectionEncoder encoder, Http2Settings settings,
                            ConnectionContext cx, Http2DataFrameCounter dataFrames, HeaderBlockDecoder headerDecoder,
                            Http2OutboundFrames outbound) {
        super(decoder, encoder, settings);
        this.streamErrors = new Http2StreamErrors(this, headerDecoder);
        this.parts = Http2EncoderParts.of(encoder);
        this.writer = new Http2TxResets(encoder.frameWriter(), cx.hcm.stats.http2Streams.txReset());
        this.dataFrames = dataFrames;
        this.outbound = outbound;
        dataFrames.frameSizes(parts.frameSizes());
        this.cx = cx;
        this.streamKey = connection().newKey();
        Http2Options.Keepalive k = cx.hcm.http2Options.keepalive();
        this.keepalive = k == null ? null : new Http2Keepalive(this, k, cx.hcm.stats.http2KeepaliveTimeout, cx.connectionId());
        Http2FloodGuard.install(decoder, frames, cx.hcm.http2Options, cx.hcm.stats.http2Floods, dataFrames);
        Http2StreamLifecycle.install(this, encoder);
    }

    @Override
    public io.netty.handler.codec.http2.Http2Connection connection() {
        return parts.connection();
    }

    @Override
    public Http2OutboundFrames outboundFrames() {
        return outbound;
    }

    /** The handler writes its RST_STREAMs (and its other frames) through this, which counts them. */
    @Override
    protected io.netty.handler.codec.http2.Http2FrameWriter frameWriter() {
        return writer;
    }

    // ---------------------------------------------------------------- pipeline events

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) throws Exception {
        this.ctx = ctx;
        super.handlerAdded(ctx); // sends our preface (SETTINGS) on an active channel
        if (keepalive != null && ctx.channel().isActive()) {
            keepalive.start(ctx);
        }
        // SETTINGS sizes stream windows only; the connection window is widened to Envoy's
        // initial_connection_window_size with a WINDOW_UPDATE on stream 0.
        Http2LocalFlowController local = connection().local().flowController();
        int extra = cx.hcm.http2Options.initialConnectionWindowSize() - local.windowSize(connection().connectionStream());
        if (extra > 0) {
            local.incrementWindowSize(connection().connectionStream(), extra);
            flush(ctx);
        }
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) throws Exception {
        if (closingAfterError) {
            // Envoy's connection in its delayed close reads and drops what still comes.
            io.netty.util.ReferenceCountUtil.release(msg);
            return;
        }
        reading = true;
        if (shed.onRead(ctx)) {
            io.netty.util.ReferenceCountUtil.release(msg);
            return;
        }
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
        cx.requestsAtClose |= cx.activeStreams > 0;
        reading = false;
        if (keepalive != null) {
            keepalive.stop();
        }
        if (io.remora.accesslog.ConnectionCloses.wanted()) {
            recordClose();
        }
        super.channelInactive(ctx); // closes the streams (each resets its request)
        cx.onClosed();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) throws Exception {
        LOG.log(Level.FINE, io.remora.log.LogTags.conn(cx.connectionId()) + "downstream connection error: " + cause, cause);
        peerReset |= io.remora.accesslog.ConnectionCloses.isPeerReset(cause);
        cx.closeOn(cause);
        if (Http2CodecErrors.embedded(cause) != null) {
            // A protocol error: the handler answers it (RST_STREAM for a stream's, GOAWAY with its
            // code, ENHANCE_YOUR_CALM for floods and rapid reset, for the connection's).
            super.exceptionCaught(ctx, cause);
            return;
        }
        // Anything else: a bad peer costs its connection.
        ctx.channel().close();
    }

    /** A stream error: answered as Envoy's codec would ({@link Http2StreamErrors}). */
    @Override
    protected void onStreamError(ChannelHandlerContext ctx, boolean outbound, Throwable cause,
                                 Http2Exception.StreamException http2Ex) {
        Http2Exception.StreamException answer = streamErrors.onStreamError(ctx, outbound, cause, http2Ex);
        if (answer != null) {
            super.onStreamError(ctx, outbound, cause, answer);
        }
    }

    /** An invalid request costs the connection, as Envoy's codec by default. */
    void closeForInvalidRequest(ChannelHandlerContext ctx, Throwable cause, Http2Exception e) {
        invalidRequest = true;
        onConnectionError(ctx, false, cause, e);
    }

    /** The listener has the HEADERS being decoded: stream errors from now on are not about its block. */
    void headersDelivered() {
        streamErrors.delivered();
    }

    /** Netty answers 431 before it resets such a stream; Envoy's codec only resets it. */
    @Override
    protected void handleServerHeaderDecodeSizeError(ChannelHandlerContext ctx, Http2Stream stream) {
    }

    /** A request Netty's decoder let through but Envoy's codec refuses: handled as the decoder's own errors. */
    void invalidRequest(int streamId, String why) {
        Http2Exception e = Http2Exception.streamError(streamId, Http2Error.PROTOCOL_ERROR, why);
        Http2Exception.StreamException answer = streamErrors.classified(ctx, false, e,
                (Http2Exception.StreamException) e, true);
        if (answer != null) {
            super.onStreamError(ctx, false, e, answer);
        }
    }

    /**
     * Netty names no stream in the GOAWAY of a connection error ({@code Integer.MAX_VALUE}: all may
     * have been processed); Envoy's codec names the last stream opened, so a client may retry the
     * ones above.
     */
    @Override
    public io.netty.channel.ChannelFuture goAway(ChannelHandlerContext ctx, int lastStreamId, long errorCode,
                                                 ByteBuf debugData, io.netty.channel.ChannelPromise promise) {
        if (lastStreamId == Integer.MAX_VALUE && errorCode != Http2Error.NO_ERROR.code()) {
            lastStreamId = streamErrors.lastStreamForGoAway(lastStreamId);
        }
        return super.goAway(ctx, lastStreamId, errorCode, debugData, promise);
    }

    @Override
    protected void onConnectionError(ChannelHandlerContext ctx, boolean outbound, Throwable cause,
                                     Http2Exception http2Ex) {
        // Only the outbound control-frame limit raises ENHANCE_YOUR_CALM while writing. The peer
        // is not reading, so the GOAWAY that follows may never reach it: the stat is the record.
        if (outbound && http2Ex != null && http2Ex.error() == Http2Error.ENHANCE_YOUR_CALM) {
            cx.hcm.stats.http2OutboundControlFlood.increment();
        }
        if (!outbound && http2Ex != null && http2Ex.error() != Http2Error.NO_ERROR && !protocolViolation) {
            protocolViolation = true;
            codecError(http2Ex);
        }
        if (closingAfterError) {
            return;
        }
        if (!outbound && http2Ex != null && http2Ex.shutdownHint() == Http2Exception.ShutdownHint.HARD_SHUTDOWN) {
            closingAfterError = true;
            Http2ErrorGoAway.writeThenDelayClose(this, ctx, streamErrors.lastStreamForGoAway(Integer.MAX_VALUE),
                    http2Ex, cx.hcm);
            return;
        }
        super.onConnectionError(ctx, outbound, cause, http2Ex);
    }

    /**
     * Envoy's handleCodecError, before the GOAWAY and the close: the streams still open end now
     * ({@link StreamResets#codecError}); a protocol error, not a flood, counts in
     * downstream_cx_protocol_error.
     */
    private void codecError(Http2Exception e) {
        // Envoy's doConnectionClose counts the streams it is about to reset as a local close's.
        cx.requestsAtClose |= cx.activeStreams > 0;
        if (e instanceof Http2FloodGuard.Flood flood) {
            forEachStream(s -> s.codecError(flood.detailsFor(s.id())));
            return;
        }
        cx.hcm.stats.downstreamCxProtocolError.increment();
        String details = invalidRequest ? Http2CodecErrors.CALLBACK_FAILED : Http2CodecErrors.LIBRARY_ERROR;
        forEachStream(s -> s.codecError(details));
    }

    // ---------------------------------------------------------------- for the streams

    /** Called after a stream wrote: flushed now unless this connection's read will flush it. */
    void written() {
        if (!reading && ctx != null) {
            flush(ctx);
        }
    }

    /** A DATA frame written at once when the windows allow: see {@link Http2DataWriter}. */
    boolean writeDataNow(Http2Stream stream, ByteBuf data, boolean endStream) {
        try {
            return Http2DataWriter.tryWrite(this, parts, dataFrames, ctx, stream, data, endStream);
        } catch (Http2Exception e) {
            onError(ctx, true, e);
            return true; // the window was charged or the connection is going: the frame is not sent twice
        }
    }

    boolean isReading() {
        return reading;
    }

    /** Returns request bytes to the flow-control windows (WINDOW_UPDATE when due). */
    void consume(Http2Stream stream, int bytes) {
        if (bytes <= 0) {
            return;
        }
        try {
            decoder().flowController().consumeBytes(stream, bytes);
        } catch (Http2Exception e) {
            onError(ctx, true, e);
        }
        written();
    }

    // ---------------------------------------------------------------- ConnectionContext.Codec

    @Override
    public void startDrain() {
        drain.start();
    }

    @Override
    public void onIdleTimeout() {
        drain.sendGoAway();
        if (ctx != null) {
            ctx.channel().close();
        }
    }

    @Override
    public void closeIfIdle() {
        drain.closeIfIdle();
    }

    /** The streams still open when the connection closed log how it closed, as Envoy's do. */
    private void recordClose() {
        io.remora.accesslog.ConnectionCloses.Type type = peerReset ? io.remora.accesslog.ConnectionCloses.Type.REMOTE_RESET
                : io.remora.accesslog.ConnectionCloses.Type.NORMAL;
        String reason = keepalive != null && keepalive.timedOut() ? io.remora.accesslog.ConnectionCloses.HTTP2_PING_TIMEOUT
                : protocolViolation ? io.remora.accesslog.ConnectionCloses.HTTP2_PROTOCOL_VIOLATION : null;
        forEachStream(s -> s.connectionClosed(type, reason));
    }

    void forEachStream(java.util.function.Consumer<Http2DownstreamStream> action) {
        try {
            connection().forEachActiveStream(stream -> {
                Http2DownstreamStream s = stream.getProperty(streamKey);
                if (s != null) {
                    action.accept(s);
                }
                return true;
            });
        } catch (Http2Exception e) {
            throw new IllegalStateException(e); // the visitor throws nothing
        }
    }

    // ---------------------------------------------------------------- frames

    Http2DownstreamStream streamFor(int streamId) {
        Http2Stream s = connection().stream(streamId);
        return s == null ? null : s.getProperty(streamKey);
    }
}
