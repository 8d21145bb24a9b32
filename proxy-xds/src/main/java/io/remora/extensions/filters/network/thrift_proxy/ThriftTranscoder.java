package io.remora.extensions.filters.network.thrift_proxy;

import io.netty.buffer.ByteBuf;

/**
 * Walks one encoded struct value by value: to find where it ends (no writer), or to re-encode it
 * in another protocol (Envoy's protocol converter), field ids and types kept.
 */
final class ThriftTranscoder {

    private ThriftTranscoder() {
    }

    /** Reads a struct from {@code in} with {@code r}, writing it with {@code w} to {@code out} unless w is null. */
    static void copyStruct(ThriftCodec r, ByteBuf in, ThriftCodec w, ByteBuf out, int depth) {
        if (depth > ThriftCodec.MAX_DEPTH) {
            throw new ThriftDecodeException("thrift struct nesting too deep");
        }
        r.readStructBegin();
        if (w != null) {
            w.writeStructBegin();
        }
        while (true) {
            byte t = r.readFieldBegin(in);
            if (t == ThriftCodec.STOP) {
                break;
            }
            short id = r.fieldId();
            if (w != null) {
                w.writeFieldBegin(out, t, id);
            }
            copyValue(t, r, in, w, out, depth);
        }
        if (w != null) {
            w.writeFieldStop(out);
            w.writeStructEnd();
        }
        r.readStructEnd();
    }

    static void copyValue(byte t, ThriftCodec r, ByteBuf in, ThriftCodec w, ByteBuf out, int depth) {
        switch (t) {
            case ThriftCodec.BOOL -> {
                boolean v = r.readBool(in);
                if (w != null) {
                    w.writeBool(out, v);
                }
            }
            case ThriftCodec.BYTE -> {
                byte v = r.readByte(in);
                if (w != null) {
                    w.writeByte(out, v);
                }
            }
            case ThriftCodec.I16 -> {
                short v = r.readI16(in);
                if (w != null) {
                    w.writeI16(out, v);
                }
            }
            case ThriftCodec.I32 -> {
                int v = r.readI32(in);
                if (w != null) {
                    w.writeI32(out, v);
                }
            }
            case ThriftCodec.I64 -> {
                long v = r.readI64(in);
                if (w != null) {
                    w.writeI64(out, v);
                }
            }
            case ThriftCodec.DOUBLE -> {
                double v = r.readDouble(in);
                if (w != null) {
                    w.writeDouble(out, v);
                }
            }
            case ThriftCodec.STRING -> {
                ByteBuf v = r.readBinary(in);
                if (w != null) {
                    w.writeBinary(out, v);
                }
            }
            case ThriftCodec.UUID -> {
                // 16 bytes in every protocol.
                ByteBuf v = in.readSlice(16);
                if (w != null) {
                    out.writeBytes(v);
                }
            }
            case ThriftCodec.STRUCT -> copyStruct(r, in, w, out, depth + 1);
            case ThriftCodec.MAP -> {
                int n = r.readMapBegin(in);
                byte k = r.keyType();
                byte v = r.elemType();
                if (w != null) {
                    w.writeMapBegin(out, k, v, n);
                }
                for (int i = 0; i < n; i++) {
                    copyValue(k, r, in, w, out, depth + 1);
                    copyValue(v, r, in, w, out, depth + 1);
                }
            }
            case ThriftCodec.LIST, ThriftCodec.SET -> {
                int n = r.readListBegin(in);
                byte e = r.elemType();
                if (w != null) {
                    w.writeListBegin(out, e, n);
                }
                for (int i = 0; i < n; i++) {
                    copyValue(e, r, in, w, out, depth + 1);
                }
            }
            default -> throw new ThriftDecodeException("unknown thrift field type " + t);
        }
    }

    /**
     * Whether a reply's result struct (at the buffer's reader index, left unmoved) is a success:
     * its first field is field 0 or it has none (a void method), as Envoy tells success from a
     * declared exception.
     */
    static boolean replySuccess(ThriftCodec r, ByteBuf body) {
        ByteBuf in = body.duplicate();
        r.reset();
        r.readStructBegin();
        byte t = r.readFieldBegin(in);
        r.reset();
        return t == ThriftCodec.STOP || r.fieldId() == 0;
    }
}
