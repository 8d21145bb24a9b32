package io.remora.http.upstream;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.codec.ByteToMessageDecoder;

/**
 * The bytes an {@link Http1Parser} has read and not yet consumed: one cumulated buffer, handed on
 * whole or sliced as body bytes and compacted between passes. A base of the parser rather than an
 * object of its own, so a connection's parser stays one object.
 */
abstract class Http1ParserInput extends Http1SectionScanner {

    /** Null when nothing is buffered. */
    ByteBuf in;

    Http1ParserInput(int maxLineBytes, int maxHeaderBytes, boolean wholeHead) {
        super(maxLineBytes, maxHeaderBytes, wholeHead);
    }

    /** Adds {@code data} (its reference) after what is buffered. */
    final void append(ByteBufAllocator alloc, ByteBuf data) {
        in = in == null ? data : ByteToMessageDecoder.MERGE_CUMULATOR.cumulate(alloc, in, data);
    }

    /** Bytes read and not yet parsed. */
    public final int buffered() {
        return in == null ? 0 : in.readableBytes();
    }

    /** The bytes not parsed, after {@link Http1Parser#stop()}: the caller owns them. Null when there are none. */
    public final ByteBuf takeRemaining() {
        ByteBuf b = in;
        in = null;
        if (b != null && !b.isReadable()) {
            b.release();
            return null;
        }
        return b;
    }

    /** Releases what is buffered. */
    final void releaseInput() {
        if (in != null) {
            in.release();
            in = null;
        }
    }

    /** Consumes what is buffered (the rest of an input found not to be HTTP). */
    final void discardInput() {
        if (in != null) {
            in.skipBytes(in.readableBytes());
        }
    }

    final void compact() {
        if (in == null) {
            return;
        }
        if (!in.isReadable()) {
            in.release();
            in = null;
        } else if (in.readerIndex() > 0 && in.refCnt() == 1) {
            // Offsets are kept from the reader index, so moving the bytes keeps them valid; never
            // while body slices of this buffer are out (they share its memory).
            in.discardSomeReadBytes();
        }
    }

    /**
     * The next {@code n} body bytes, for the listener to own: the buffer itself when they are all
     * it holds (a body read with or after its head, the usual case: no slice object per body),
     * otherwise a retained slice of it.
     */
    final ByteBuf take(int n) {
        if (n == in.readableBytes()) {
            ByteBuf all = in;
            in = null;
            return all;
        }
        return in.readRetainedSlice(n);
    }
}
