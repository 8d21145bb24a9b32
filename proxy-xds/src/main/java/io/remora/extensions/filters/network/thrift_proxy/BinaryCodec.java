package io.remora.extensions.filters.network.thrift_proxy;

import io.netty.buffer.ByteBuf;

import java.nio.charset.StandardCharsets;

/**
 * Thrift's binary protocol: strict (a versioned message begin, Envoy's {@code BINARY}) or lax (the
 * name first, {@code LAX_BINARY}); each reads only its own form, as Envoy's.
 */
final class BinaryCodec extends ThriftCodec {

    private static final int VERSION_MASK = 0xffff0000;
    private static final int VERSION_1 = 0x80010000;

    private final boolean strict;

    BinaryCodec(boolean strict) {
        this.strict = strict;
    }

    @Override
    ThriftProxyConfig.Protocol type() {
        return strict ? ThriftProxyConfig.Protocol.BINARY : ThriftProxyConfig.Protocol.LAX_BINARY;
    }

    @Override
    void readMessageBegin(ByteBuf in, ThriftMessage m) {
        if (strict) {
            int version = in.readInt();
            if ((version & VERSION_MASK) != VERSION_1) {
                throw new ThriftDecodeException(String.format("invalid binary protocol version 0x%08x != 0x%08x",
                        version & VERSION_MASK, VERSION_1));
            }
            m.name = readString(in);
            m.type = version & 0xff;
        } else {
            m.name = readString(in);
            m.type = in.readByte();
        }
        m.seqId = in.readInt();
    }

    private String readString(ByteBuf in) {
        int len = checkSize(in.readInt());
        String s = in.toString(in.readerIndex(), len, StandardCharsets.UTF_8);
        in.skipBytes(len);
        return s;
    }

    @Override
    void writeMessageBegin(ByteBuf out, String name, int type, int seqId) {
        byte[] n = name.getBytes(StandardCharsets.UTF_8);
        if (strict) {
            out.writeInt(VERSION_1 | type);
            out.writeInt(n.length).writeBytes(n);
        } else {
            out.writeInt(n.length).writeBytes(n);
            out.writeByte(type);
        }
        out.writeInt(seqId);
    }

    @Override
    void readStructBegin() {
    }

    @Override
    void readStructEnd() {
    }

    @Override
    byte readFieldBegin(ByteBuf in) {
        byte t = in.readByte();
        if (t != STOP) {
            fieldId = in.readShort();
        }
        return t;
    }

    @Override
    boolean readBool(ByteBuf in) {
        return in.readByte() != 0;
    }

    @Override
    byte readByte(ByteBuf in) {
        return in.readByte();
    }

    @Override
    short readI16(ByteBuf in) {
        return in.readShort();
    }

    @Override
    int readI32(ByteBuf in) {
        return in.readInt();
    }

    @Override
    long readI64(ByteBuf in) {
        return in.readLong();
    }

    @Override
    double readDouble(ByteBuf in) {
        return Double.longBitsToDouble(in.readLong());
    }

    @Override
    ByteBuf readBinary(ByteBuf in) {
        return in.readSlice(checkSize(in.readInt()));
    }

    @Override
    int readMapBegin(ByteBuf in) {
        keyType = in.readByte();
        elemType = in.readByte();
        return checkSize(in.readInt());
    }

    @Override
    int readListBegin(ByteBuf in) {
        elemType = in.readByte();
        return checkSize(in.readInt());
    }

    @Override
    void writeStructBegin() {
    }

    @Override
    void writeStructEnd() {
    }

    @Override
    void writeFieldBegin(ByteBuf out, byte type, short id) {
        out.writeByte(type).writeShort(id);
    }

    @Override
    void writeFieldStop(ByteBuf out) {
        out.writeByte(STOP);
    }

    @Override
    void writeBool(ByteBuf out, boolean v) {
        out.writeByte(v ? 1 : 0);
    }

    @Override
    void writeByte(ByteBuf out, byte v) {
        out.writeByte(v);
    }

    @Override
    void writeI16(ByteBuf out, short v) {
        out.writeShort(v);
    }

    @Override
    void writeI32(ByteBuf out, int v) {
        out.writeInt(v);
    }

    @Override
    void writeI64(ByteBuf out, long v) {
        out.writeLong(v);
    }

    @Override
    void writeDouble(ByteBuf out, double v) {
        out.writeLong(Double.doubleToLongBits(v));
    }

    @Override
    void writeBinary(ByteBuf out, ByteBuf v) {
        out.writeInt(v.readableBytes()).writeBytes(v, v.readerIndex(), v.readableBytes());
    }

    @Override
    void writeMapBegin(ByteBuf out, byte keyType, byte valueType, int size) {
        out.writeByte(keyType).writeByte(valueType).writeInt(size);
    }

    @Override
    void writeListBegin(ByteBuf out, byte elemType, int size) {
        out.writeByte(elemType).writeInt(size);
    }

    @Override
    void reset() {
    }
}
