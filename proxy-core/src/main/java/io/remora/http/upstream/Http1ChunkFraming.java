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

    /** Longest chunk-size line (with extensions) accepted. */
    private static final int MAX_CHUNK_LINE = 4096;

    private Http1ChunkFraming() {
    }

    /**
     * chunk-size [ chunk-ext ] CRLF: the size, with the line consumed; or {@link #NEED_MORE} or
     * {@link #INVALID}, with nothing consumed.
     */
    static long sizeLine(ByteBuf in) {
        int base = in.readerIndex();
        int lf = in.forEachByte(base, in.readableBytes(), ByteProcessor.FIND_LF);
        if (lf < 0) {
            return in.readableBytes() > MAX_CHUNK_LINE ? INVALID : NEED_MORE;
        }
        if (lf - base > MAX_CHUNK_LINE) {
            return INVALID;
        }
        long size = chunkSize(in, base, lf);
        if (size < 0) {
            return INVALID;
        }
        in.readerIndex(lf + 1);
        return size;
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
