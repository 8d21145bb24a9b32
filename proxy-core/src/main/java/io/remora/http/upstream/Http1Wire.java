package io.remora.http.upstream;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.util.AsciiString;
import io.remora.http.HeaderBlock;

import java.nio.charset.StandardCharsets;

/**
 * HTTP/1.1 framing written straight from the internal header block into one buffer, as Envoy's
 * codec does: no {@code HttpRequest}/{@code HttpResponse}, no second header map, no message per body
 * chunk. Names and values are written byte per char as Netty's encoder writes them (ISO-8859-1, so
 * obs-text survives). Chunk framing for bodies whose length is not known.
 */
public final class Http1Wire {

    private static final byte[] CRLF = {'\r', '\n'};
    private static final byte[] HTTP_1_1 = "HTTP/1.1 ".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] SP_HTTP_1_1_CRLF = " HTTP/1.1\r\n".getBytes(StandardCharsets.US_ASCII);
    private static final ByteBuf LAST_CHUNK = Unpooled.unreleasableBuffer(
            Unpooled.wrappedBuffer("0\r\n\r\n".getBytes(StandardCharsets.US_ASCII))).asReadOnly();
    private static final ByteBuf CRLF_BUF = Unpooled.unreleasableBuffer(Unpooled.wrappedBuffer(CRLF)).asReadOnly();
    private static final ByteBuf CRLF_LAST_CHUNK = Unpooled.unreleasableBuffer(
            Unpooled.wrappedBuffer("\r\n0\r\n\r\n".getBytes(StandardCharsets.US_ASCII))).asReadOnly();
    /** Bodies up to this size are copied into their chunk's framing: one buffer instead of three. */
    private static final int COPY_CHUNK_MAX = 1024;

    private Http1Wire() {
    }

    /**
     * A content-length of at most 2,048 bytes (what a write batch gathers), else 0: none, larger, or
     * not a number. For sizing a head's buffer only: framing reads the parsed length.
     */
    public static int smallLength(CharSequence v) {
        int n = v.length();
        if (n == 0 || n > 4) {
            return 0;
        }
        int len = 0;
        for (int i = 0; i < n; i++) {
            int d = v.charAt(i) - '0';
            if (d < 0 || d > 9) {
                return 0;
            }
            len = len * 10 + d;
        }
        return len <= 2048 ? len : 0;
    }

    /** The bytes one header line takes. */
    public static int lineSize(CharSequence name, CharSequence value) {
        return name.length() + value.length() + 4;
    }

    /** The status line, "HTTP/1.1 200 OK\r\n", with Envoy's reason phrases ("Unknown" past its table). */
    public static void statusLine(ByteBuf out, int status) {
        statusLine(out, status, ReasonPhrases.of(status));
    }

    /** A status line's size, for sizing the head's buffer. */
    public static int statusLineSize(int status) {
        return statusLineSize(status, ReasonPhrases.of(status));
    }

    /** The size of a status line with {@code reason}. */
    public static int statusLineSize(int status, CharSequence reason) {
        return HTTP_1_1.length + digits(status) + 1 + reason.length() + 2;
    }

    private static int digits(int n) {
        int d = 1;
        while (n >= 10) {
            n /= 10;
            d++;
        }
        return d;
    }

    /** The request line, "GET /path HTTP/1.1\r\n". */
    public static void requestLine(ByteBuf out, CharSequence method, CharSequence target) {
        write(out, method);
        out.writeByte(' ');
        write(out, target);
        out.writeBytes(SP_HTTP_1_1_CRLF);
    }

    public static int requestLineSize(CharSequence method, CharSequence target) {
        return method.length() + 1 + target.length() + SP_HTTP_1_1_CRLF.length;
    }

    /** One header line. */
    public static void header(ByteBuf out, CharSequence name, CharSequence value) {
        write(out, name);
        out.writeByte(':').writeByte(' ');
        write(out, value);
        out.writeBytes(CRLF);
    }

    /** One header line, its name in {@code nameCase} (null: as held). */
    public static void header(ByteBuf out, CharSequence name, CharSequence value, HeaderNameCase nameCase) {
        if (nameCase == null) {
            write(out, name);
        } else {
            nameCase.write(out, name);
        }
        out.writeByte(':').writeByte(' ');
        write(out, value);
        out.writeBytes(CRLF);
    }

    /** The status line with the reason phrase an upstream sent (preserve_case's forward_reason_phrase). */
    public static void statusLine(ByteBuf out, int status, CharSequence reason) {
        out.writeBytes(HTTP_1_1);
        // The code in decimal, as many digits as it has (Envoy's StrCat of the number): an
        // upstream's "099" goes on as "99", its "1000" as "1000".
        if (status >= 100 && status <= 999) {
            out.writeByte('0' + status / 100).writeByte('0' + status / 10 % 10).writeByte('0' + status % 10);
        } else {
            ByteBufUtil.writeAscii(out, Integer.toString(status));
        }
        out.writeByte(' ');
        write(out, reason);
        out.writeBytes(CRLF);
    }

    /** The blank line that ends a head. */
    public static void endHead(ByteBuf out) {
        out.writeBytes(CRLF);
    }

    static void write(ByteBuf out, CharSequence s) {
        if (s instanceof AsciiString a) {
            out.writeBytes(a.array(), a.arrayOffset(), a.length());
        } else {
            ByteBufUtil.writeAscii(out, s);
        }
    }

    /**
     * One chunk of a chunked body (RFC 9112 7.1), taking over {@code data}; with {@code last}, the
     * zero-size chunk that ends the body follows. An empty non-last chunk writes nothing: a zero
     * size would end the body. Returns what to write, or null for nothing.
     */
    public static ByteBuf chunk(ByteBufAllocator alloc, ByteBuf data, boolean last) {
        int n = data.readableBytes();
        if (n == 0) {
            data.release();
            return last ? LAST_CHUNK.duplicate() : null;
        }
        int sizeDigits = (35 - Integer.numberOfLeadingZeros(n)) / 4;
        if (n <= COPY_CHUNK_MAX) {
            ByteBuf out = alloc.buffer(sizeDigits + 4 + n + (last ? 5 : 0));
            chunkSize(out, n, sizeDigits);
            out.writeBytes(data);
            data.release();
            out.writeBytes(CRLF);
            if (last) {
                out.writeBytes(LAST_CHUNK, LAST_CHUNK.readerIndex(), LAST_CHUNK.readableBytes());
            }
            return out;
        }
        ByteBuf prefix = alloc.buffer(sizeDigits + 2);
        chunkSize(prefix, n, sizeDigits);
        return alloc.compositeBuffer(3).addComponents(true, prefix, data,
                last ? CRLF_LAST_CHUNK.duplicate() : CRLF_BUF.duplicate());
    }

    private static void chunkSize(ByteBuf out, int n, int digits) {
        for (int shift = (digits - 1) * 4; shift >= 0; shift -= 4) {
            int d = (n >>> shift) & 0xf;
            out.writeByte(d < 10 ? '0' + d : 'a' + d - 10);
        }
        out.writeBytes(CRLF);
    }

    /**
     * The zero-size chunk with trailers (pseudo-headers never travel): the end of a chunked body;
     * names in {@code nameCase} (the block's own when it has one; null: as held).
     */
    public static ByteBuf lastChunk(ByteBufAllocator alloc, Http2Headers trailers, HeaderNameCase nameCase) {
        int size = 5;
        HeaderBlock block = HeaderBlock.of(trailers);
        for (int i = block.pseudoCount(); i < block.size(); i++) {
            size += lineSize(block.name(i), block.value(i));
        }
        ByteBuf out = alloc.buffer(size);
        out.writeByte('0').writeBytes(CRLF);
        HeaderNameCase names = block.nameCase() != null ? block.nameCase() : nameCase;
        for (int i = block.pseudoCount(); i < block.size(); i++) {
            header(out, block.name(i), block.value(i), names);
        }
        out.writeBytes(CRLF);
        return out;
    }

    /** The end of a chunked body without trailers. */
    public static ByteBuf lastChunk() {
        return LAST_CHUNK.duplicate();
    }

    public static boolean pseudo(CharSequence name) {
        return name.length() > 0 && name.charAt(0) == ':';
    }
}
