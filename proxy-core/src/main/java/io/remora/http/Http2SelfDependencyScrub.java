package io.remora.http;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http2.Http2Exception;
import io.netty.handler.codec.http2.Http2FrameListener;
import io.netty.handler.codec.http2.Http2FrameReader;

/**
 * A downstream codec's frame reader that lets a stream depend on itself, as Envoy's default codec
 * does: oghttp2 ignores priority (its OnPriority does nothing, OnHeaders drops the priority fields,
 * and quiche's frame decoder checks no dependency), so a PRIORITY frame naming its own stream is
 * dropped and a HEADERS frame doing so opens its stream as any other. Netty's reader resets the
 * first's stream and fails the connection for the second; so before Netty's reader sees such a
 * frame, its dependency is rewritten here to stream 0 (priority is not used either way).
 *
 * <p>Netty's reader takes a frame's header as soon as it is in and waits for the whole payload:
 * this follows frame boundaries across reads, relative to the buffer's read index.
 */
final class Http2SelfDependencyScrub implements Http2FrameReader {
    private static final int HEADER = 9;
    private static final int HEADERS = 1;
    private static final int PRIORITY = 2;
    private static final int FLAG_PADDED = 0x8;
    private static final int FLAG_PRIORITY = 0x20;

    private final Http2FrameReader reader;
    /** Where the next frame not yet looked at starts, from the input's read index (past its end while a payload is short). */
    private long nextFrame;
    /**
     * A frame whose header was read but whose dependency is not in yet (Netty's reader may take
     * the header meanwhile): its fields, and where its payload starts from the read index.
     */
    private boolean held;
    private int heldType;
    private int heldFlags;
    private int heldStream;
    private int heldLength;
    private long heldPayload;

    private Http2SelfDependencyScrub(Http2FrameReader reader) {
        this.reader = reader;
    }

    /** Puts one in front of the frame reader of a codec Netty's builder made; false when it could not. */
    static boolean install(io.netty.handler.codec.http2.Http2ConnectionDecoder decoder) {
        return HeaderBlockDecoder.wrapFrameReader(decoder, Http2SelfDependencyScrub::new);
    }

    @Override
    public void readFrame(ChannelHandlerContext ctx, ByteBuf input, Http2FrameListener listener) throws Http2Exception {
        int base = input.readerIndex();
        if (!input.isReadOnly()) {
            scrub(input, base);
        }
        try {
            reader.readFrame(ctx, input, listener);
        } finally {
            long consumed = input.readerIndex() - base;
            nextFrame -= consumed;
            heldPayload -= consumed;
        }
    }

    private void scrub(ByteBuf input, int base) {
        int end = input.writerIndex();
        long pos;
        if (held) {
            long payload = base + heldPayload;
            if (!scrubbed(input, payload, heldType, heldFlags, heldStream, heldLength, end)) {
                return;
            }
            held = false;
            pos = payload + heldLength;
        } else {
            pos = base + nextFrame;
        }
        while (pos + HEADER <= end) {
            int at = (int) pos;
            int length = input.getUnsignedMedium(at);
            int type = input.getUnsignedByte(at + 3);
            int flags = input.getUnsignedByte(at + 4);
            int streamId = input.getInt(at + 5) & 0x7fffffff;
            long payload = pos + HEADER;
            if (!scrubbed(input, payload, type, flags, streamId, length, end)) {
                held = true;
                heldType = type;
                heldFlags = flags;
                heldStream = streamId;
                heldLength = length;
                heldPayload = payload - base;
                return;
            }
            pos = payload + length;
        }
        nextFrame = pos - base;
    }

    /**
     * Rewrites the dependency of a PRIORITY frame, or of HEADERS with priority, on its own stream;
     * false when the frame has a dependency that is not all in yet.
     */
    private static boolean scrubbed(ByteBuf input, long payload, int type, int flags, int streamId, int length,
                                    int end) {
        int padding = (flags & FLAG_PADDED) != 0 ? 1 : 0;
        boolean hasDependency = type == PRIORITY || (type == HEADERS && (flags & FLAG_PRIORITY) != 0);
        if (!hasDependency || padding + 4 > length || streamId == 0) {
            return true; // no dependency, or a frame Netty's reader refuses for its size
        }
        long at = payload + (type == HEADERS ? padding : 0);
        if (at + 4 > end) {
            return false;
        }
        int word = input.getInt((int) at);
        if ((word & 0x7fffffff) == streamId) {
            input.setInt((int) at, word & 0x80000000);
        }
        return true;
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
