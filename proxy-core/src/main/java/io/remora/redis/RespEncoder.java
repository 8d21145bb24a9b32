package io.remora.redis;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;

/** Writes RESP2 (Envoy's {@code EncoderImpl}). */
public final class RespEncoder {
    private static final byte[] CRLF = {'\r', '\n'};

    private RespEncoder() {
    }

    public static void encode(RespValue v, ByteBuf out) {
        switch (v.type()) {
            case SIMPLE_STRING -> line(out, '+', v.bytes());
            case ERROR -> line(out, '-', v.bytes());
            case INTEGER -> number(out, ':', v.integer());
            case NULL -> out.writeBytes(NULL_BULK);
            case BULK_STRING -> {
                number(out, '$', v.bytes().length);
                out.writeBytes(v.bytes()).writeBytes(CRLF);
            }
            case ARRAY -> {
                number(out, '*', v.array().size());
                for (RespValue e : v.array()) {
                    encode(e, out);
                }
            }
        }
    }

    private static final byte[] NULL_BULK = {'$', '-', '1', '\r', '\n'};

    private static void line(ByteBuf out, char type, byte[] b) {
        out.writeByte(type).writeBytes(b).writeBytes(CRLF);
    }

    private static void number(ByteBuf out, char type, long n) {
        out.writeByte(type);
        ByteBufUtil.writeAscii(out, Long.toString(n));
        out.writeBytes(CRLF);
    }
}
