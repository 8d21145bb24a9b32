package io.remora.extensions.filters.network.mongo_proxy;

import io.netty.buffer.ByteBuf;

import java.nio.charset.StandardCharsets;

/** Little-endian reads of the mongo wire protocol and BSON, each checked against what is there. */
final class Wire {
    private Wire() {
    }

    static void need(ByteBuf in, int n) {
        if (n < 0 || in.readableBytes() < n) {
            throw new MongoDecodeException("invalid buffer size");
        }
    }

    static int int32(ByteBuf in) {
        need(in, 4);
        return in.readIntLE();
    }

    static long int64(ByteBuf in) {
        need(in, 8);
        return in.readLongLE();
    }

    static byte[] bytes(ByteBuf in, int n) {
        need(in, n);
        byte[] b = new byte[n];
        in.readBytes(b);
        return b;
    }

    /** A NUL-terminated string. */
    static String cString(ByteBuf in) {
        int nul = in.indexOf(in.readerIndex(), in.writerIndex(), (byte) 0);
        if (nul < 0) {
            throw new MongoDecodeException("invalid CString");
        }
        String s = in.toString(in.readerIndex(), nul - in.readerIndex(), StandardCharsets.UTF_8);
        in.readerIndex(nul + 1);
        return s;
    }

    /** A BSON string: its length (terminating NUL included), then its bytes; kept up to the first NUL, as Envoy's. */
    static String string(ByteBuf in) {
        int length = int32(in);
        need(in, length);
        if (length < 1) {
            throw new MongoDecodeException("invalid string length");
        }
        int from = in.readerIndex();
        int nul = in.indexOf(from, from + length, (byte) 0);
        String s = in.toString(from, (nul < 0 ? length : nul - from), StandardCharsets.UTF_8);
        in.skipBytes(length);
        return s;
    }
}
