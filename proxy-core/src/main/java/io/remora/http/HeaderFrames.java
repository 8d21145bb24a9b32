package io.remora.http;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http.HttpStatusClass;
import io.netty.handler.codec.http2.Http2Connection;
import io.netty.handler.codec.http2.Http2ConnectionHandler;
import io.netty.handler.codec.http2.Http2Exception;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.codec.http2.Http2HeadersEncoder;
import io.netty.handler.codec.http2.Http2Stream;

/**
 * Writes HEADERS frames for both directions of HTTP/2, with the block lent to the HPACK encoder
 * for a single pass ({@link HeaderBlock#beginSinglePass()}): the encoder's walks (the size check,
 * then the encoding) take no entry object per header.
 *
 * <p>Why not Netty's encoder: its frame writer encodes into one buffer, writes a second for the
 * frame header and a slice of the first, and ties the two writes' promises with an aggregator;
 * Netty's connection encoder then adds a listener to the result. gRPC sends two HEADERS frames per
 * call each way, and that bookkeeping was a tenth of its worker's time. Here the frame header and
 * block are one buffer and one write, encoded by the connection's own HPACK encoder (its dynamic
 * table is per connection, so frames must be encoded in the order they go out: they are, as the
 * write follows at once). The stream's state changes are Netty's encoder's, done in the same order:
 * the headers-sent mark, then our side closed through the handler's lifecycle on END_STREAM.
 *
 * <p>Left to Netty's encoder: a stream the endpoint refuses to open or one in any state but open
 * or half-closed (remote), END_STREAM behind flow-controlled DATA (queued and encoded later, outside
 * the single pass), a second header block that would be refused, and an encoder that is not
 * Netty's default one.
 */
public final class HeaderFrames {

    private static final int FRAME_HEADER_LENGTH = 9;
    private static final byte HEADERS = 0x1;
    private static final byte CONTINUATION = 0x9;
    private static final int END_STREAM = 0x1;
    private static final int END_HEADERS = 0x4;
    /** A response's block is rarely larger: one allocation most of the time. */
    private static final int INITIAL_CAPACITY = 256;

    private HeaderFrames() {
    }

    public static ChannelFuture write(Http2ConnectionHandler handler, Http2EncoderParts parts,
                                      ChannelHandlerContext ctx, int streamId, Http2Headers headers,
                                      boolean endStream) {
        HeaderBlock block = headers instanceof HeaderBlock b ? b : null;
        if (block != null) {
            block.beginSinglePass();
        }
        try {
            Http2Connection connection = handler.connection();
            Http2Stream stream = connection.stream(streamId);
            Http2HeadersEncoder hpack = parts.hpack();
            if (hpack != null && (stream != null || (stream = openLocal(connection, streamId)) != null)) {
                Boolean informational = directWritable(connection, parts, stream, headers, endStream);
                if (informational != null) {
                    return writeDirect(handler, parts, ctx, hpack, stream, headers, endStream, informational);
                }
            }
            return handler.encoder().writeHeaders(ctx, streamId, headers, 0, endStream, ctx.newPromise());
        } finally {
            if (block != null) {
                block.endSinglePass();
            }
        }
    }

    /**
     * A request's stream on a client connection, opened as Netty's encoder would; null when the
     * endpoint refuses it (ids used up, the peer's stream limit, GOAWAY), and the encoder answers.
     */
    private static Http2Stream openLocal(Http2Connection connection, int streamId) {
        if (connection.isServer()) {
            return null;
        }
        try {
            return connection.local().createStream(streamId, false);
        } catch (Http2Exception refused) {
            return null;
        }
    }

    /** Whether the 1xx mark applies when the frame can go here, or null when Netty's encoder must take it. */
    private static Boolean directWritable(Http2Connection connection, Http2EncoderParts parts,
                                          Http2Stream stream, Http2Headers headers, boolean endStream) {
        Http2Stream.State state = stream.state();
        if (state != Http2Stream.State.OPEN && state != Http2Stream.State.HALF_CLOSED_REMOTE) {
            return null;
        }
        if (endStream && parts.flow().hasFlowControlled(stream)) {
            return null;
        }
        boolean informational = connection.isServer() && headers.status() != null
                && HttpStatusClass.valueOf(headers.status()) == HttpStatusClass.INFORMATIONAL;
        if ((informational || !endStream) && stream.isHeadersSent() || stream.isTrailersSent()) {
            return null; // the encoder refuses it with its own error
        }
        return informational;
    }

    private static ChannelFuture writeDirect(Http2ConnectionHandler handler, Http2EncoderParts parts,
                                             ChannelHandlerContext ctx, Http2HeadersEncoder hpack, Http2Stream stream,
                                             Http2Headers headers, boolean endStream, boolean informational) {
        // A failed write fails into the pipeline, where the handler treats it as a connection error.
        ChannelPromise promise = ctx.voidPromise();
        ByteBuf frame = ctx.alloc().directBuffer(INITIAL_CAPACITY);
        frame.writerIndex(FRAME_HEADER_LENGTH);
        try {
            hpack.encodeHeaders(stream.id(), headers, frame);
        } catch (Http2Exception | RuntimeException e) {
            frame.release();
            // As Netty's encoder: the handler answers (the peer's header list limit is a stream error).
            handler.onError(ctx, true, e);
            ChannelPromise failed = ctx.newPromise();
            failed.setFailure(e);
            if (endStream) {
                handler.closeStreamLocal(stream, failed);
            }
            return failed;
        }
        int maxFrame = parts.frameSizes().maxFrameSize();
        int block = frame.readableBytes() - FRAME_HEADER_LENGTH;
        int flags = endStream ? END_STREAM : 0;
        if (block <= maxFrame) {
            frame.setMedium(0, block);
            frame.setByte(3, HEADERS);
            frame.setByte(4, flags | END_HEADERS);
            frame.setInt(5, stream.id());
            ctx.write(frame, promise);
        } else {
            writeFragmented(ctx, frame, stream.id(), flags, maxFrame, promise);
        }
        Http2OutboundFrames.sent(handler, ctx, block <= maxFrame ? 1 : (block + maxFrame - 1) / maxFrame);
        stream.headersSent(informational);
        if (endStream) {
            EndStreamWrites.closeLocal(handler, ctx, stream);
        }
        return promise;
    }

    /** A block over the peer's frame size: HEADERS with the first part, CONTINUATION frames after. */
    private static void writeFragmented(ChannelHandlerContext ctx, ByteBuf frame, int streamId, int flags,
                                        int maxFrame, ChannelPromise promise) {
        int end = frame.writerIndex();
        frame.setMedium(0, maxFrame);
        frame.setByte(3, HEADERS);
        frame.setByte(4, flags);
        frame.setInt(5, streamId);
        ctx.write(frame.retainedSlice(0, FRAME_HEADER_LENGTH + maxFrame), ctx.voidPromise());
        for (int at = FRAME_HEADER_LENGTH + maxFrame; at < end; at += maxFrame) {
            int n = Math.min(maxFrame, end - at);
            boolean last = at + n == end;
            ByteBuf header = ctx.alloc().directBuffer(FRAME_HEADER_LENGTH);
            header.writeMedium(n);
            header.writeByte(CONTINUATION);
            header.writeByte(last ? END_HEADERS : 0);
            header.writeInt(streamId);
            ctx.write(header, ctx.voidPromise());
            ctx.write(frame.retainedSlice(at, n), last ? promise : ctx.voidPromise());
        }
        frame.release();
    }
}
