package io.remora.http.upstream;

import io.netty.buffer.ByteBuf;
import io.netty.util.ByteProcessor;

/**
 * The framing lines of chunked transfer coding (RFC 9112 7.1), read at a buffer's reader index:
 * the chunk-size line before each chunk and the line end after its data. Stateless: the parser
 * keeps where it is.
 */
final class Http1ChunkFraming {

    /** More input is needed. */
    static final long NEED_MORE = -1;
    /** Not chunked coding this parser accepts (Envoy's http1.codec_error). */
    static final long INVALID = -2;
    /**
     * The line is longer than is held whole: {@link #longLineSize} reads its size, then
     * {@link #extension} skips the rest as it arrives.
     */
    static final long LONG_LINE = -3;

    /**
     * Longest chunk-size line held whole. Balsa keeps no chunk extension and so has no limit on
     * one: a longer line is read in passing instead.
     */
    private static final int MAX_CHUNK_LINE = 4096;

    private Http1ChunkFraming() {
    }

    /**
     * chunk-size [ chunk-ext ] CRLF: the size, with the line consumed; or {@link #NEED_MORE},
     * {@link #INVALID} or {@link #LONG_LINE}, with nothing consumed.
     */
    static long sizeLine(ByteBuf in) {
        int base = in.readerIndex();
        int lf = in.forEachByte(base, in.readableBytes(), ByteProcessor.FIND_LF);
        if (lf < 0) {
            return in.readableBytes() > MAX_CHUNK_LINE ? LONG_LINE : NEED_MORE;
        }
        if (lf - base > MAX_CHUNK_LINE) {
            return LONG_LINE;
        }
        long size = chunkSize(in, base, lf);
        if (size < 0) {
            return INVALID;
        }
        in.readerIndex(lf + 1);
        return size;
    }

    /**
     * The size of a {@link #LONG_LINE}, with its digits consumed, or {@link #INVALID}: hex digits
     * (within the bytes at hand) ended as {@link #chunkSize} wants them.
     */
    static long longLineSize(ByteBuf in) {
        int from = in.readerIndex();
        int to = in.writerIndex();
        long size = 0;
        int i = from;
        for (; i < to; i++) {
            int d = Character.digit(in.getByte(i), 16);
            if (d < 0) {
                break;
            }
            if (size > (Long.MAX_VALUE >> 4)) {
                return INVALID;
            }
            size = size << 4 | d;
        }
        if (i == from || i == to) {
            return INVALID;
        }
        byte c = in.getByte(i);
        if (c != ' ' && c != '\t' && c != '\r' && c != ';') {
            return INVALID;
        }
        in.readerIndex(i);
        return size;
    }

    /**
     * Skips the rest of a chunk-size line up to and with its CR LF, as Balsa's
     * READING_CHUNK_EXTENSION does: 1 when the line ended, 0 when more input is needed (what was
     * read is consumed, but a CR that may start the line end), -1 for a CR that ends no line or
     * an LF without its CR.
     */
    static int extension(ByteBuf in) {
        int r = in.readerIndex();
        int w = in.writerIndex();
        int lf = in.forEachByte(r, w - r, ByteProcessor.FIND_LF);
        int cr = in.indexOf(r, lf < 0 ? w : lf, (byte) '\r');
        if (lf >= 0) {
            if (lf == r || cr != lf - 1) {
                return -1; // no CR just before the LF (none is left behind unread), or one before that
            }
            in.readerIndex(lf + 1);
            return 1;
        }
        if (cr >= 0 && cr != w - 1) {
            return -1;
        }
        in.readerIndex(cr >= 0 ? cr : w);
        return 0;
    }

    /**
     * The CRLF (or bare LF) after a chunk's data: 1 when consumed, 0 when more input is needed, -1
     * when something else is there.
     */
    static int dataEnd(ByteBuf in) {
        int r = in.readerIndex();
        byte b = in.getByte(r);
        if (b == '\n') {
            in.readerIndex(r + 1);
            return 1;
        }
        if (b != '\r') {
            return -1;
        }
        if (in.readableBytes() < 2) {
            return 0;
        }
        if (in.getByte(r + 1) != '\n') {
            return -1;
        }
        in.readerIndex(r + 2);
        return 1;
    }

    /**
     * chunk-size [ chunk-ext ] between {@code from} and the LF at {@code lf}: the size, or -1.
     * As Envoy's BalsaFrame reads it: hex digits ended by SP, HT, CR or ';' (or the line end),
     * then an extension skipped whatever it holds (RFC 9112 7.1.1: a recipient ignores those it
     * does not understand), save a CR that ends no line (disallow_lone_cr_in_chunk_extension,
     * which Envoy sets) and an LF without its CR (quiche's disallow_lone_lf_in_chunk_extension,
     * on by default since 2025 and left so by Envoy): the line must end with CR LF.
     */
    private static long chunkSize(ByteBuf in, int from, int lf) {
        if (lf == from || in.getByte(lf - 1) != '\r') {
            return -1;
        }
        int end = lf - 1;
        long size = 0;
        int i = from;
        for (; i < end; i++) {
            int c = in.getByte(i);
            int d = Character.digit(c, 16);
            if (d < 0) {
                break;
            }
            if (size > (Long.MAX_VALUE >> 4)) {
                return -1; // by value, not digits: Envoy's parser takes leading zeros, failing only on overflow
            }
            size = size << 4 | d;
        }
        if (i == from) {
            return -1;
        }
        if (i < end) {
            byte c = in.getByte(i);
            if (c != ' ' && c != '\t' && c != '\r' && c != ';') {
                return -1;
            }
            if (in.indexOf(i, end, (byte) '\r') >= 0) {
                return -1; // before the line's own CR LF, any CR is one that ends no line
            }
        }
        return size;
    }
}
