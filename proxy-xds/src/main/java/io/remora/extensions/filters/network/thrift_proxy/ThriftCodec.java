package io.remora.extensions.filters.network.thrift_proxy;

import io.netty.buffer.ByteBuf;

/**
 * One Thrift protocol (binary, lax binary, compact): reads and writes its values on a buffer.
 * Reads past the buffer's end throw {@link IndexOutOfBoundsException} (more data is needed);
 * malformed input throws {@link ThriftDecodeException}. A codec keeps the compact protocol's field
 * id and boolean state, so each connection direction holds its own and resets it per message.
 */
abstract class ThriftCodec {

    static final byte STOP = 0;
    static final byte BOOL = 2;
    static final byte BYTE = 3;
    static final byte DOUBLE = 4;
    static final byte I16 = 6;
    static final byte I32 = 8;
    static final byte I64 = 10;
    static final byte STRING = 11;
    static final byte STRUCT = 12;
    static final byte MAP = 13;
    static final byte SET = 14;
    static final byte LIST = 15;
    static final byte UUID = 16;

    /** Nesting deeper than this is refused, so a hostile payload cannot exhaust the stack. */
    static final int MAX_DEPTH = 64;

    /** What the last field, map or list header read said. */
    protected short fieldId;
    protected byte keyType;
    protected byte elemType;

    static ThriftCodec of(ThriftProxyConfig.Protocol p) {
        return switch (p) {
            case BINARY -> new BinaryCodec(true);
            case LAX_BINARY -> new BinaryCodec(false);
            case COMPACT -> new CompactCodec();
            case AUTO -> throw new IllegalArgumentException("auto protocol has no codec");
        };
    }

    abstract ThriftProxyConfig.Protocol type();

    /** Fills the message's name, type and sequence id. */
    abstract void readMessageBegin(ByteBuf in, ThriftMessage m);

    abstract void writeMessageBegin(ByteBuf out, String name, int type, int seqId);

    abstract void readStructBegin();

    abstract void readStructEnd();

    /** The next field's type ({@link #STOP} ends the struct); its id is then {@link #fieldId()}. */
    abstract byte readFieldBegin(ByteBuf in);

    final short fieldId() {
        return fieldId;
    }

    abstract boolean readBool(ByteBuf in);

    abstract byte readByte(ByteBuf in);

    abstract short readI16(ByteBuf in);

    abstract int readI32(ByteBuf in);

    abstract long readI64(ByteBuf in);

    abstract double readDouble(ByteBuf in);

    /** A string or binary value's bytes: a slice of {@code in}, valid while it is. */
    abstract ByteBuf readBinary(ByteBuf in);

    /** A map header: its size; key and value types then in {@link #keyType()} / {@link #elemType()}. */
    abstract int readMapBegin(ByteBuf in);

    /** A list or set header: its size; the element type then in {@link #elemType()}. */
    abstract int readListBegin(ByteBuf in);

    final byte keyType() {
        return keyType;
    }

    final byte elemType() {
        return elemType;
    }

    abstract void writeStructBegin();

    abstract void writeStructEnd();

    abstract void writeFieldBegin(ByteBuf out, byte type, short id);

    abstract void writeFieldStop(ByteBuf out);

    abstract void writeBool(ByteBuf out, boolean v);

    abstract void writeByte(ByteBuf out, byte v);

    abstract void writeI16(ByteBuf out, short v);

    abstract void writeI32(ByteBuf out, int v);

    abstract void writeI64(ByteBuf out, long v);

    abstract void writeDouble(ByteBuf out, double v);

    abstract void writeBinary(ByteBuf out, ByteBuf v);

    abstract void writeMapBegin(ByteBuf out, byte keyType, byte valueType, int size);

    abstract void writeListBegin(ByteBuf out, byte elemType, int size);

    /** Forgets per-message state (compact's field id stack, a pending boolean). */
    abstract void reset();

    static int checkSize(int size) {
        if (size < 0) {
            throw new ThriftDecodeException("negative container or string size " + size);
        }
        return size;
    }
}
