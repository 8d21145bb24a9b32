package io.remora.e2e;

import java.io.ByteArrayInputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A test peer's MessagePack decoder (the Datadog agent's and Fluentd's wire): nil, booleans,
 * integers (as Long), doubles, strings, arrays and maps; anything else fails the read.
 */
final class MsgPackReader {
    private final DataInputStream in;

    MsgPackReader(byte[] body) {
        this(new ByteArrayInputStream(body));
    }

    /** Reads objects one after the other from a stream (a TCP connection); a read at its end throws EOFException. */
    MsgPackReader(InputStream in) {
        this.in = new DataInputStream(in);
    }

    Object read() throws IOException {
        int b = in.readUnsignedByte();
        if (b <= 0x7f) {
            return (long) b;
        }
        if (b >= 0xe0) {
            return (long) (byte) b;
        }
        if ((b & 0xf0) == 0x80) {
            return map(b & 0x0f);
        }
        if ((b & 0xf0) == 0x90) {
            return array(b & 0x0f);
        }
        if ((b & 0xe0) == 0xa0) {
            return string(b & 0x1f);
        }
        return switch (b) {
            case 0xc0 -> null;
            case 0xc2 -> false;
            case 0xc3 -> true;
            case 0xcb -> in.readDouble();
            case 0xcc -> (long) in.readUnsignedByte();
            case 0xcd -> (long) in.readUnsignedShort();
            case 0xce -> in.readInt() & 0xffffffffL;
            case 0xcf, 0xd3 -> in.readLong();
            case 0xd0 -> (long) in.readByte();
            case 0xd1 -> (long) in.readShort();
            case 0xd2 -> (long) in.readInt();
            case 0xd9 -> string(in.readUnsignedByte());
            case 0xda -> string(in.readUnsignedShort());
            case 0xdb -> string(in.readInt());
            case 0xdc -> array(in.readUnsignedShort());
            case 0xdd -> array(in.readInt());
            case 0xde -> map(in.readUnsignedShort());
            case 0xdf -> map(in.readInt());
            default -> throw new IOException("unexpected MessagePack type 0x" + Integer.toHexString(b));
        };
    }

    private String string(int n) throws IOException {
        byte[] b = new byte[n];
        in.readFully(b);
        return new String(b, StandardCharsets.UTF_8);
    }

    private List<Object> array(int n) throws IOException {
        List<Object> l = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            l.add(read());
        }
        return l;
    }

    private Map<String, Object> map(int n) throws IOException {
        Map<String, Object> m = new LinkedHashMap<>();
        for (int i = 0; i < n; i++) {
            m.put((String) read(), read());
        }
        return m;
    }
}
