package io.remora.extensions.filters.http.common;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.CompositeByteBuf;
import io.netty.util.AsciiString;

/**
 * A message body gathered until its end, then handed on behind a gRPC frame header (the gRPC
 * bridges, whose other side speaks bare messages). Event-loop confined, as its filter.
 */
public final class GrpcMessageBuffer {

    public static final int FRAME_HEADER = 5;
    private static final AsciiString APPLICATION_GRPC = AsciiString.cached("application/grpc");

    private CompositeByteBuf body;

    /** Envoy's hasGrpcContentType: application/grpc exactly or with a +subtype. */
    public static boolean isGrpcContentType(CharSequence ct) {
        int n = APPLICATION_GRPC.length();
        return ct != null && AsciiString.regionMatches(ct, false, 0, APPLICATION_GRPC, 0, n)
                && (ct.length() == n || ct.charAt(n) == '+');
    }

    /** {@code data} (ownership taken) behind an uncompressed frame header saying {@code length}. */
    public static ByteBuf prependFrameHeader(ByteBuf data, long length) {
        ByteBuf header = ByteBufAllocator.DEFAULT.buffer(FRAME_HEADER);
        header.writeByte(0).writeInt((int) length);
        return ByteBufAllocator.DEFAULT.compositeBuffer(2).addComponents(true, header, data);
    }

    /** Takes ownership of {@code data}. */
    public void add(ByteBuf data) {
        if (body == null) {
            body = ByteBufAllocator.DEFAULT.compositeBuffer(Integer.MAX_VALUE);
        }
        body.addComponent(true, data);
    }

    public boolean isEmpty() {
        return body == null;
    }

    public int size() {
        return body == null ? 0 : body.readableBytes();
    }

    /** What was gathered (possibly nothing) as one framed message; the buffer is empty again. */
    public ByteBuf takeFramed() {
        ByteBuf b = body == null ? ByteBufAllocator.DEFAULT.buffer(0) : body;
        body = null;
        return prependFrameHeader(b, b.readableBytes());
    }

    public void release() {
        if (body != null) {
            body.release();
            body = null;
        }
    }
}
