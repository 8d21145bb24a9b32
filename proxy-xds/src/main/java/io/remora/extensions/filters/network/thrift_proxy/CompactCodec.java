package io.remora.extensions.filters.network.thrift_proxy;

import io.netty.buffer.ByteBuf;

import java.nio.charset.StandardCharsets;

/**
 * Thrift's compact protocol: zigzag varints, field ids as deltas from the previous field of the
 * same struct, booleans folded into their field header, doubles little-endian.
 */
final class CompactCodec extends ThriftCodec {

    private static final int PROTOCOL_ID = 0x82;
    private static final int VERSION = 1;
    private static final byte C_TRUE = 1;
    private static final byte C_FALSE = 2;

    private final short[] lastIds = new short[MAX_DEPTH + 1];
    private int depth;
    private short lastId;
    /** A boolean field's value, read from its header ({@link Boolean#TRUE}/FALSE), or null. */
    private Boolean pendingRead;
    /** A boolean field whose header waits for its value: id, or -1 (Integer.MIN_VALUE: none). */
    private int pendingWriteId = Integer.MIN_VALUE;

    @Override
    ThriftProxyConfig.Protocol type() {
        return ThriftProxyConfig.Protocol.COMPACT;
    }

    @Override
    void readMessageBegin(ByteBuf in, ThriftMessage m) {
        int id = in.readUnsignedByte();
        if (id != PROTOCOL_ID) {
            throw new ThriftDecodeException(String.format("invalid compact protocol id 0x%02x != 0x%02x", id, PROTOCOL_ID));
        }
        int vt = in.readUnsignedByte();
        if ((vt & 0x1f) != VERSION) {
            throw new ThriftDecodeException("invalid compact protocol version " + (vt & 0x1f) + " != " + VERSION);
        }
        m.type = (vt >> 5) & 0x07;
        m.seqId = readVarint32(in);
        int len = checkSize(readVarint32(in));
        m.name = in.toString(in.readerIndex(), len, StandardCharsets.UTF_8);
        in.skipBytes(len);
    }

    @Override
    void writeMessageBegin(ByteBuf out, String name, int type, int seqId) {
        out.writeByte(PROTOCOL_ID);
        out.writeByte(VERSION | (type << 5));
        writeVarint32(out, seqId);
        byte[] n = name.getBytes(StandardCharsets.UTF_8);
        writeVarint32(out, n.length);
        out.writeBytes(n);
    }

    @Override
    void readStructBegin() {
        push();
    }

    @Override
    void readStructEnd() {
        pop();
    }

    private void push() {
        if (depth >= MAX_DEPTH) {
            throw new ThriftDecodeException("thrift struct nesting too deep");
        }
        lastIds[depth++] = lastId;
        lastId = 0;
    }

    private void pop() {
        lastId = depth > 0 ? lastIds[--depth] : 0;
    }

    @Override
    byte readFieldBegin(ByteBuf in) {
        int b = in.readUnsignedByte();
        int ct = b & 0x0f;
        if (ct == STOP) {
            return STOP;
        }
        int delta = (b >> 4) & 0x0f;
        fieldId = delta == 0 ? (short) zigzag32(readVarint32(in)) : (short) (lastId + delta);
        lastId = fieldId;
        if (ct == C_TRUE || ct == C_FALSE) {
            pendingRead = ct == C_TRUE;
            return BOOL;
        }
        return fromCompact(ct);
    }

    @Override
    boolean readBool(ByteBuf in) {
        if (pendingRead != null) {
            boolean v = pendingRead;
            pendingRead = null;
            return v;
        }
        return in.readByte() == C_TRUE;
    }

    @Override
    byte readByte(ByteBuf in) {
        return in.readByte();
    }

    @Override
    short readI16(ByteBuf in) {
        return (short) zigzag32(readVarint32(in));
    }

    @Override
    int readI32(ByteBuf in) {
        return zigzag32(readVarint32(in));
    }

    @Override
    long readI64(ByteBuf in) {
        long v = readVarint64(in);
        return (v >>> 1) ^ -(v & 1);
    }

    @Override
    double readDouble(ByteBuf in) {
        return Double.longBitsToDouble(in.readLongLE());
    }

    @Override
    ByteBuf readBinary(ByteBuf in) {
        return in.readSlice(checkSize(readVarint32(in)));
    }

    @Override
    int readMapBegin(ByteBuf in) {
        int size = checkSize(readVarint32(in));
        if (size > 0) {
            int kv = in.readUnsignedByte();
            keyType = fromCompact(kv >> 4);
            elemType = fromCompact(kv & 0x0f);
        }
        return size;
    }

    @Override
    int readListBegin(ByteBuf in) {
        int b = in.readUnsignedByte();
        int size = (b >> 4) & 0x0f;
        if (size == 15) {
            size = checkSize(readVarint32(in));
        }
        elemType = fromCompact(b & 0x0f);
        return size;
    }

    @Override
    void writeStructBegin() {
        push();
    }

    @Override
    void writeStructEnd() {
        pop();
    }

    @Override
    void writeFieldBegin(ByteBuf out, byte type, short id) {
        if (type == BOOL) {
            pendingWriteId = id;
            return;
        }
        writeFieldHeader(out, toCompact(type), id);
    }

    private void writeFieldHeader(ByteBuf out, int ct, short id) {
        int delta = id - lastId;
        if (delta > 0 && delta <= 15) {
            out.writeByte((delta << 4) | ct);
        } else {
            out.writeByte(ct);
            writeVarint32(out, (id << 1) ^ (id >> 31));
        }
        lastId = id;
    }

    @Override
    void writeFieldStop(ByteBuf out) {
        out.writeByte(STOP);
    }

    @Override
    void writeBool(ByteBuf out, boolean v) {
        if (pendingWriteId != Integer.MIN_VALUE) {
            writeFieldHeader(out, v ? C_TRUE : C_FALSE, (short) pendingWriteId);
            pendingWriteId = Integer.MIN_VALUE;
        } else {
            out.writeByte(v ? C_TRUE : C_FALSE);
        }
    }

    @Override
    void writeByte(ByteBuf out, byte v) {
        out.writeByte(v);
    }

    @Override
    void writeI16(ByteBuf out, short v) {
        writeVarint32(out, (v << 1) ^ (v >> 31));
    }

    @Override
    void writeI32(ByteBuf out, int v) {
        writeVarint32(out, (v << 1) ^ (v >> 31));
    }

    @Override
    void writeI64(ByteBuf out, long v) {
        long z = (v << 1) ^ (v >> 63);
        while ((z & ~0x7FL) != 0) {
            out.writeByte((int) ((z & 0x7F) | 0x80));
            z >>>= 7;
        }
        out.writeByte((int) z);
    }

    @Override
    void writeDouble(ByteBuf out, double v) {
        out.writeLongLE(Double.doubleToLongBits(v));
    }

    @Override
    void writeBinary(ByteBuf out, ByteBuf v) {
        writeVarint32(out, v.readableBytes());
        out.writeBytes(v, v.readerIndex(), v.readableBytes());
    }

    @Override
    void writeMapBegin(ByteBuf out, byte keyType, byte valueType, int size) {
        writeVarint32(out, size);
        if (size > 0) {
            out.writeByte((toCompact(keyType) << 4) | toCompact(valueType));
        }
    }

    @Override
    void writeListBegin(ByteBuf out, byte elemType, int size) {
        int ct = elemType == BOOL ? C_TRUE : toCompact(elemType);
        if (size < 15) {
            out.writeByte((size << 4) | ct);
        } else {
            out.writeByte(0xf0 | ct);
            writeVarint32(out, size);
        }
    }

    @Override
    void reset() {
        depth = 0;
        lastId = 0;
        pendingRead = null;
        pendingWriteId = Integer.MIN_VALUE;
    }

    private static byte fromCompact(int ct) {
        return switch (ct) {
            case 0 -> STOP;
            case C_TRUE, C_FALSE -> BOOL;
            case 3 -> BYTE;
            case 4 -> I16;
            case 5 -> I32;
            case 6 -> I64;
            case 7 -> DOUBLE;
            case 8 -> STRING;
            case 9 -> LIST;
            case 10 -> SET;
            case 11 -> MAP;
            case 12 -> STRUCT;
            case 13 -> UUID;
            default -> throw new ThriftDecodeException("unknown compact protocol field type " + ct);
        };
    }

    private static int toCompact(byte t) {
        return switch (t) {
            case STOP -> 0;
            case BOOL -> C_TRUE;
            case BYTE -> 3;
            case I16 -> 4;
            case I32 -> 5;
            case I64 -> 6;
            case DOUBLE -> 7;
            case STRING -> 8;
            case LIST -> 9;
            case SET -> 10;
            case MAP -> 11;
            case STRUCT -> 12;
            case UUID -> 13;
            default -> throw new ThriftDecodeException("unknown field type " + t);
        };
    }

    private static int zigzag32(int n) {
        return (n >>> 1) ^ -(n & 1);
    }

    static int readVarint32(ByteBuf in) {
        int result = 0;
        for (int shift = 0; shift < 35; shift += 7) {
            int b = in.readUnsignedByte();
            result |= (b & 0x7f) << shift;
            if ((b & 0x80) == 0) {
                return result;
            }
        }
        throw new ThriftDecodeException("invalid compact protocol varint");
    }

    private static long readVarint64(ByteBuf in) {
        long result = 0;
        for (int shift = 0; shift < 70; shift += 7) {
            int b = in.readUnsignedByte();
            result |= (long) (b & 0x7f) << shift;
            if ((b & 0x80) == 0) {
                return result;
            }
        }
        throw new ThriftDecodeException("invalid compact protocol varint");
    }

    static void writeVarint32(ByteBuf out, int n) {
        while ((n & ~0x7F) != 0) {
            out.writeByte((n & 0x7F) | 0x80);
            n >>>= 7;
        }
        out.writeByte(n);
    }
}
