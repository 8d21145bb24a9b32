package io.remora.tracing;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/**
 * The few MessagePack forms the Datadog agent's {@code /v0.4/traces} body needs: arrays, maps,
 * UTF-8 strings, unsigned and signed integers and doubles, each in its smallest encoding.
 */
final class MsgPackWriter {

    private final ByteArrayOutputStream out;

    MsgPackWriter(int sizeHint) {
        this.out = new ByteArrayOutputStream(sizeHint);
    }

    MsgPackWriter array(int size) {
        return header(size, 0x90, 0xdc, 0xdd);
    }

    MsgPackWriter map(int size) {
        return header(size, 0x80, 0xde, 0xdf);
    }

    /** fixarray/fixmap below 16 entries, else the 16- or 32-bit form. */
    private MsgPackWriter header(int size, int fix, int sixteen, int thirtyTwo) {
        if (size < 16) {
            out.write(fix | size);
        } else if (size <= 0xffff) {
            out.write(sixteen);
            be(size, 2);
        } else {
            out.write(thirtyTwo);
            be(size, 4);
        }
        return this;
    }

    MsgPackWriter string(String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        if (b.length < 32) {
            out.write(0xa0 | b.length);
        } else if (b.length <= 0xff) {
            out.write(0xd9);
            out.write(b.length);
        } else if (b.length <= 0xffff) {
            out.write(0xda);
            be(b.length, 2);
        } else {
            out.write(0xdb);
            be(b.length, 4);
        }
        out.write(b, 0, b.length);
        return this;
    }

    /** {@code v} read as an unsigned 64-bit number (Datadog's ids). */
    MsgPackWriter unsigned(long v) {
        if (v >= 0 && v < 128) {
            out.write((int) v);
        } else if (v >= 0 && v <= 0xff) {
            out.write(0xcc);
            out.write((int) v);
        } else if (v >= 0 && v <= 0xffff) {
            out.write(0xcd);
            be(v, 2);
        } else if (v >= 0 && v <= 0xffffffffL) {
            out.write(0xce);
            be(v, 4);
        } else {
            out.write(0xcf);
            be(v, 8);
        }
        return this;
    }

    MsgPackWriter signed(long v) {
        if (v >= 0) {
            return unsigned(v);
        }
        if (v >= -32) {
            out.write((int) v & 0xff);
        } else if (v >= Byte.MIN_VALUE) {
            out.write(0xd0);
            out.write((int) v & 0xff);
        } else if (v >= Short.MIN_VALUE) {
            out.write(0xd1);
            be(v, 2);
        } else if (v >= Integer.MIN_VALUE) {
            out.write(0xd2);
            be(v, 4);
        } else {
            out.write(0xd3);
            be(v, 8);
        }
        return this;
    }

    MsgPackWriter float64(double v) {
        out.write(0xcb);
        be(Double.doubleToLongBits(v), 8);
        return this;
    }

    private void be(long v, int bytes) {
        for (int i = bytes - 1; i >= 0; i--) {
            out.write((int) (v >>> (8 * i)) & 0xff);
        }
    }

    byte[] toByteArray() {
        return out.toByteArray();
    }
}
