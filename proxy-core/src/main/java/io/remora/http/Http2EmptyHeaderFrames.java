package io.remora.http;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http2.Http2Exception;
import io.netty.handler.codec.http2.Http2FrameListener;
import io.netty.handler.codec.http2.Http2FrameReader;

/**
 * A codec's frame reader that shows {@link Http2FloodGuard} every HEADERS and CONTINUATION frame
 * as its frame header arrives, as Envoy's codec tracks them (ProtocolConstraints::trackInboundFrame
 * from the frame header callback): an empty one without END_STREAM counts toward
 * max_consecutive_inbound_frames_with_empty_payload, any other starts the count again. Netty's
 * listener sees a header block only once it is whole, and never its CONTINUATION frames, so a
 * stream of empty CONTINUATIONs would otherwise go uncounted.
 *
 * <p>The frames before such a frame are read first (the reader's input ends at its header for that
 * call), so the guard sees DATA and header frames in the order they came. This follows frame
 * boundaries across reads, relative to the input's read index, as Netty's reader takes a frame's
 * header as soon as it is in and waits for the whole payload.
 */
final class Http2EmptyHeaderFrames implements Http2FrameReader {
    private static final int HEADER = 9;
    private static final int HEADERS = 0x1;
    private static final int CONTINUATION = 0x9;

    private final Http2FrameReader reader;
    private final Http2FloodGuard guard;
    /** Where the next frame not yet looked at starts, from the input's read index. */
    private long nextFrame;
    /** A flood ended the connection: the rest is not read, as Netty's reader drops input after its errors. */
    private boolean failed;

    private Http2EmptyHeaderFrames(Http2FrameReader reader, Http2FloodGuard guard) {
        this.reader = reader;
        this.guard = guard;
    }

    /** Puts one in front of the decoder's frame reader; false when it could not (the guard then counts as before). */
    static boolean install(io.netty.handler.codec.http2.Http2ConnectionDecoder decoder, Http2FloodGuard guard) {
        return HeaderBlockDecoder.wrapFrameReader(decoder, r -> new Http2EmptyHeaderFrames(r, guard));
    }

    @Override
    public void readFrame(ChannelHandlerContext ctx, ByteBuf input, Http2FrameListener listener) throws Http2Exception {
        if (failed) {
            input.skipBytes(input.readableBytes());
            return;
        }
        int end = input.writerIndex();
        long pos = input.readerIndex() + nextFrame;
        try {
            while (pos + HEADER <= end) {
                int at = (int) pos;
                int length = input.getUnsignedMedium(at);
                int type = input.getUnsignedByte(at + 3);
                if (type == HEADERS || type == CONTINUATION) {
                    if (at > input.readerIndex()) {
                        input.writerIndex(at);
                        try {
                            reader.readFrame(ctx, input, listener);
                        } finally {
                            input.writerIndex(end);
                        }
                    }
                    try {
                        guard.onHeaderFrame(type == HEADERS, input.getUnsignedByte(at + 4),
                                input.getInt(at + 5) & 0x7fffffff, length);
                    } catch (Http2Exception e) {
                        failed = true;
                        throw e;
                    }
                }
                pos = at + HEADER + (long) length;
            }
            reader.readFrame(ctx, input, listener);
        } finally {
            nextFrame = pos - input.readerIndex();
        }
    }

    @Override
    public Configuration configuration() {
        return reader.configuration();
    }

    @Override
    public void close() {
        reader.close();
    }
}
