package io.remora.http;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http2.Http2ConnectionHandler;
import io.netty.handler.codec.http2.Http2Exception;
import io.netty.handler.codec.http2.Http2RemoteFlowController;
import io.netty.handler.codec.http2.Http2Stream;

/**
 * Writes a DATA frame that fits the peer's windows straight to the channel, for both directions
 * of HTTP/2 ({@code Http2Connection}, {@code Http2UpstreamConnection}).
 *
 * <p>Why: Netty's encoder queues every DATA frame in its remote flow controller and writes it at
 * the next flush, at six or seven objects a frame (the queued frame, a buffer queue with its array,
 * three promises, a listener list, a promise aggregator) and a separate 9-byte header buffer. A
 * gRPC message is one small frame each way, so that queue was half of what the worker allocated
 * per streamed message. When the frame can go at once anyway, the windows are charged here through
 * the flow controller (which keeps its accounting and its writability events) and header and
 * payload leave as one buffer.
 *
 * <p>END_STREAM goes the same way, most often the whole body of a small response: the frame
 * carries the flag, and our side of the stream is closed through the handler's lifecycle
 * ({@link EndStreamWrites}).
 *
 * <p>When it cannot (nothing is written and the caller uses the encoder): frames already queued for
 * the stream (order), a payload larger than the stream or connection window or the peer's max frame
 * size, or a channel that is not writable (the flow controller waits for it).
 */
public final class Http2DataWriter {

    /** Payloads up to this size are copied behind their header: cheaper than a second buffer and iovec. */
    static final int COPY_LIMIT = 1024;
    private static final int FRAME_HEADER_LENGTH = 9;
    private static final byte DATA = 0x0;
    private static final int END_STREAM = 0x1;

    private Http2DataWriter() {
    }

    /**
     * Writes {@code data} (no padding) as one DATA frame on {@code stream} now, or returns false and
     * leaves {@code data} untouched. On true or an exception the data was taken over (written or
     * released); the caller still flushes. A frame written counts in {@code sent}.
     */
    public static boolean tryWrite(Http2ConnectionHandler handler, Http2EncoderParts parts, Http2DataFrameCounter sent,
                                   ChannelHandlerContext ctx, Http2Stream stream, ByteBuf data, boolean endStream)
            throws Http2Exception {
        int n = data.readableBytes();
        Http2RemoteFlowController flow = parts.flow();
        Http2Stream connectionStream = handler.connection().connectionStream();
        if (!ctx.channel().isWritable() || flow.hasFlowControlled(stream)
                || n > parts.frameSizes().maxFrameSize()
                || n > flow.windowSize(stream) || n > flow.windowSize(connectionStream)) {
            return false;
        }
        // The flow controller's own path decrements both windows by the bytes it wrote; through
        // incrementWindowSize the stream's writability listener hears any change as well.
        try {
            flow.incrementWindowSize(connectionStream, -n);
            flow.incrementWindowSize(stream, -n);
        } catch (Http2Exception e) {
            data.release(); // taken over: the caller answers the error, the frame is not sent
            throw e;
        }
        if (n <= COPY_LIMIT) {
            ByteBuf frame = ctx.alloc().directBuffer(FRAME_HEADER_LENGTH + n);
            writeHeader(frame, n, stream.id(), endStream);
            // getBytes into the frame: a memory copy; frame.writeBytes(data) would make two NIO views.
            data.getBytes(data.readerIndex(), frame, frame.writerIndex(), n);
            frame.writerIndex(frame.writerIndex() + n);
            data.release();
            ctx.write(frame, ctx.voidPromise());
        } else {
            ByteBuf header = ctx.alloc().directBuffer(FRAME_HEADER_LENGTH);
            writeHeader(header, n, stream.id(), endStream);
            ctx.write(header, ctx.voidPromise());
            ctx.write(data, ctx.voidPromise());
        }
        sent.frameSent();
        Http2OutboundFrames.sent(handler, ctx, 1);
        if (endStream) {
            EndStreamWrites.closeLocal(handler, ctx, stream);
        }
        return true;
    }

    private static void writeHeader(ByteBuf out, int length, int streamId, boolean endStream) {
        out.writeMedium(length);
        out.writeByte(DATA);
        out.writeByte(endStream ? END_STREAM : 0); // no padding
        out.writeInt(streamId);
    }
}
