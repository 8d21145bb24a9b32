package io.remora.util;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;

import java.nio.charset.StandardCharsets;

/**
 * The MessagePack forms the Datadog agent's {@code /v0.4/traces} body and Fluentd's Forward
 * protocol need: arrays, maps, UTF-8 strings, unsigned and signed integers, doubles, booleans
 * and nil, each in its smallest encoding, appended to a buffer.
 */
public final class MsgPackWriter {

    private final ByteBuf out;

    /** A writer into a heap buffer of its own, read with {@link #toByteArray()}. */
    public MsgPackWriter(int sizeHint) {
        this(Unpooled.buffer(sizeHint));
    }

    /** A writer appending to {@code out}, which stays the caller's. */
    public MsgPackWriter(ByteBuf out) {
        this.out = out;
    }

    public MsgPackWriter array(int size) {
        return header(size, 0x90, 0xdc, 0xdd);
    }

    public MsgPackWriter map(int size) {
        return header(size, 0x80, 0xde, 0xdf);
    }

    /** fixarray/fixmap below 16 entries, else the 16- or 32-bit form. */
    private MsgPackWriter header(int size, int fix, int sixteen, int thirtyTwo) {
        if (size < 16) {
            out.writeByte(fix | size);
        } else if (size <= 0xffff) {
            out.writeByte(sixteen);
            out.writeShort(size);
        } else {
            out.writeByte(thirtyTwo);
            out.writeInt(size);
        }
        return this;
    }

    public MsgPackWriter string(String s) {
        int length = io.netty.buffer.ByteBufUtil.utf8Bytes(s);
        if (length < 32) {
            out.writeByte(0xa0 | length);
        } else if (length <= 0xff) {
            out.writeByte(0xd9);
            out.writeByte(length);
        } else if (length <= 0xffff) {
            out.writeByte(0xda);
            out.writeShort(length);
        } else {
            out.writeByte(0xdb);
            out.writeInt(length);
        }
        out.writeCharSequence(s, StandardCharsets.UTF_8);
        return this;
    }

    /** {@code v} read as an unsigned 64-bit number (Datadog's ids). */
    public MsgPackWriter unsigned(long v) {
        if (v >= 0 && v < 128) {
            out.writeByte((int) v);
        } else if (v >= 0 && v <= 0xff) {
            out.writeByte(0xcc);
            out.writeByte((int) v);
        } else if (v >= 0 && v <= 0xffff) {
            out.writeByte(0xcd);
            out.writeShort((int) v);
        } else if (v >= 0 && v <= 0xffffffffL) {
            out.writeByte(0xce);
            out.writeInt((int) v);
        } else {
            out.writeByte(0xcf);
            out.writeLong(v);
        }
        return this;
    }

    public MsgPackWriter signed(long v) {
        if (v >= 0) {
            return unsigned(v);
        }
        if (v >= -32) {
            out.writeByte((int) v & 0xff);
        } else if (v >= Byte.MIN_VALUE) {
            out.writeByte(0xd0);
            out.writeByte((int) v & 0xff);
        } else if (v >= Short.MIN_VALUE) {
            out.writeByte(0xd1);
            out.writeShort((int) v);
        } else if (v >= Integer.MIN_VALUE) {
            out.writeByte(0xd2);
            out.writeInt((int) v);
        } else {
            out.writeByte(0xd3);
            out.writeLong(v);
        }
        return this;
    }

    public MsgPackWriter float64(double v) {
        out.writeByte(0xcb);
        out.writeLong(Double.doubleToLongBits(v));
        return this;
    }

    public MsgPackWriter bool(boolean v) {
        out.writeByte(v ? 0xc3 : 0xc2);
        return this;
    }

    public MsgPackWriter nil() {
        out.writeByte(0xc0);
        return this;
    }

    public byte[] toByteArray() {
        return io.netty.buffer.ByteBufUtil.getBytes(out);
    }
}
