package io.remora.extensions.geoip_providers.maxmind;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.math.BigInteger;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Writes MaxMind DB files from the format spec, for tests: networks with their data (maps, lists,
 * String, Integer as uint32, Long as uint64, BigInteger as uint128, Double, Float, Boolean,
 * byte[], {@link Uint16}, {@link Int32}). Repeated strings become pointers to their first copy,
 * as MaxMind's writer does; {@link #longPointers} writes every pointer in the 4-byte form.
 */
public final class MmdbWriter {
    public record Uint16(int value) {
    }

    public record Int32(int value) {
    }

    private static final class Node {
        Object left;
        Object right;
    }

    private record Data(Object value) {
    }

    private final String databaseType;
    private final int ipVersion;
    private final int recordSize;
    private final Node root = new Node();
    private final List<Data> data = new ArrayList<>();
    private boolean longPointers;

    public MmdbWriter(String databaseType, int ipVersion, int recordSize) {
        this.databaseType = databaseType;
        this.ipVersion = ipVersion;
        this.recordSize = recordSize;
    }

    public MmdbWriter longPointers() {
        longPointers = true;
        return this;
    }

    /** {@code cidr}: {@code 192.0.2.0/24} or {@code 2001:db8::/32}; IPv4 in an IPv6 tree goes under ::/96. */
    public MmdbWriter insert(String cidr, Object value) throws IOException {
        int slash = cidr.indexOf('/');
        InetAddress a = InetAddress.getByName(cidr.substring(0, slash));
        int len = Integer.parseInt(cidr.substring(slash + 1));
        byte[] bytes = a.getAddress();
        if (a instanceof Inet4Address && ipVersion == 6) {
            byte[] v6 = new byte[16];
            System.arraycopy(bytes, 0, v6, 12, 4);
            bytes = v6;
            len += 96;
        }
        Data d = new Data(value);
        data.add(d);
        Node n = root;
        for (int i = 0; i < len; i++) {
            int bit = (bytes[i >> 3] >> (7 - (i & 7))) & 1;
            if (i == len - 1) {
                if (bit == 0) {
                    n.left = d;
                } else {
                    n.right = d;
                }
                break;
            }
            Object child = bit == 0 ? n.left : n.right;
            Node next;
            if (child instanceof Node existing) {
                next = existing;
            } else {
                next = new Node();
                next.left = child;
                next.right = child;
                if (bit == 0) {
                    n.left = next;
                } else {
                    n.right = next;
                }
            }
            n = next;
        }
        return this;
    }

    public byte[] build() {
        List<Node> nodes = new ArrayList<>();
        Map<Node, Integer> numbers = new IdentityHashMap<>();
        ArrayDeque<Node> queue = new ArrayDeque<>(List.of(root));
        while (!queue.isEmpty()) {
            Node n = queue.poll();
            numbers.put(n, nodes.size());
            nodes.add(n);
            for (Object c : new Object[]{n.left, n.right}) {
                if (c instanceof Node child && !numbers.containsKey(child)) {
                    numbers.put(child, -1);
                    queue.add(child);
                }
            }
        }
        Encoder enc = new Encoder(longPointers);
        Map<Data, Integer> offsets = new IdentityHashMap<>();
        for (Data d : data) {
            offsets.put(d, enc.out.size());
            enc.write(d.value);
        }
        long count = nodes.size();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (Node n : nodes) {
            writeNode(out, record(n.left, count, numbers, offsets), record(n.right, count, numbers, offsets));
        }
        out.writeBytes(new byte[16]);
        out.writeBytes(enc.out.toByteArray());
        out.writeBytes(new byte[]{(byte) 0xAB, (byte) 0xCD, (byte) 0xEF});
        out.writeBytes("MaxMind.com".getBytes(StandardCharsets.US_ASCII));
        Map<String, Object> meta = new LinkedHashMap<>();
        meta.put("node_count", (int) count);
        meta.put("record_size", new Uint16(recordSize));
        meta.put("ip_version", new Uint16(ipVersion));
        meta.put("database_type", databaseType);
        meta.put("languages", List.of("en"));
        meta.put("binary_format_major_version", new Uint16(2));
        meta.put("binary_format_minor_version", new Uint16(0));
        meta.put("build_epoch", 1_700_000_000L);
        meta.put("description", Map.of("en", "Remora test database"));
        Encoder m = new Encoder(false);
        m.write(meta);
        out.writeBytes(m.out.toByteArray());
        return out.toByteArray();
    }

    public Path write(Path file) throws IOException {
        Files.write(file, build());
        return file;
    }

    private static long record(Object child, long count, Map<Node, Integer> numbers, Map<Data, Integer> offsets) {
        if (child == null) {
            return count;
        }
        if (child instanceof Node n) {
            return numbers.get(n);
        }
        return count + 16 + offsets.get((Data) child);
    }

    private void writeNode(ByteArrayOutputStream out, long left, long right) {
        if (left >= 1L << recordSize || right >= 1L << recordSize) {
            throw new IllegalStateException("record value does not fit " + recordSize + " bits");
        }
        switch (recordSize) {
            case 24 -> {
                be(out, left, 3);
                be(out, right, 3);
            }
            case 28 -> {
                be(out, left & 0xFFFFFF, 3);
                out.write((int) (((left >> 24) & 0xF) << 4 | ((right >> 24) & 0xF)));
                be(out, right & 0xFFFFFF, 3);
            }
            default -> {
                be(out, left, 4);
                be(out, right, 4);
            }
        }
    }

    static void be(ByteArrayOutputStream out, long v, int n) {
        for (int i = n - 1; i >= 0; i--) {
            out.write((int) (v >>> (8 * i)));
        }
    }

    /** The data section encoding; strings seen before are written as pointers. */
    static final class Encoder {
        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        private final Map<String, Integer> strings = new HashMap<>();
        private final boolean longPointers;

        Encoder(boolean longPointers) {
            this.longPointers = longPointers;
        }

        void write(Object v) {
            if (v instanceof String s) {
                Integer seen = strings.get(s);
                if (seen != null) {
                    pointer(seen);
                    return;
                }
                strings.put(s, out.size());
                byte[] b = s.getBytes(StandardCharsets.UTF_8);
                control(2, b.length);
                out.writeBytes(b);
            } else if (v instanceof Map<?, ?> m) {
                control(7, m.size());
                for (Map.Entry<?, ?> e : m.entrySet()) {
                    write(e.getKey());
                    write(e.getValue());
                }
            } else if (v instanceof List<?> l) {
                control(11, l.size());
                for (Object o : l) {
                    write(o);
                }
            } else if (v instanceof Boolean b) {
                control(14, b ? 1 : 0);
            } else if (v instanceof Integer i) {
                integer(6, i & 0xFFFFFFFFL);
            } else if (v instanceof Uint16 u) {
                integer(5, u.value);
            } else if (v instanceof Int32 i) {
                // Negative values take all four bytes; positive ones the fewest.
                if (i.value < 0) {
                    control(8, 4);
                    be(out, i.value, 4);
                } else {
                    integer(8, i.value);
                }
            } else if (v instanceof Long l) {
                integer(9, l);
            } else if (v instanceof BigInteger b) {
                byte[] raw = b.toByteArray();
                int skip = raw.length > 1 && raw[0] == 0 ? 1 : 0;
                control(10, raw.length - skip);
                out.write(raw, skip, raw.length - skip);
            } else if (v instanceof Double d) {
                control(3, 8);
                be(out, Double.doubleToLongBits(d), 8);
            } else if (v instanceof Float f) {
                control(15, 4);
                be(out, Float.floatToIntBits(f), 4);
            } else if (v instanceof byte[] b) {
                control(4, b.length);
                out.writeBytes(b);
            } else {
                throw new IllegalArgumentException("cannot encode " + v);
            }
        }

        private void integer(int type, long v) {
            int n = 0;
            while (n < 8 && (v >>> (8 * n)) != 0) {
                n++;
            }
            control(type, n);
            be(out, v, n);
        }

        void pointer(int offset) {
            if (!longPointers && offset < 2048) {
                out.write(0x20 | (offset >> 8));
                out.write(offset);
            } else if (!longPointers && offset < 2048 + (1 << 19)) {
                int v = offset - 2048;
                out.write(0x28 | (v >> 16));
                be(out, v & 0xFFFF, 2);
            } else if (!longPointers && offset < 526336 + (1 << 27)) {
                int v = offset - 526336;
                out.write(0x30 | (v >> 24));
                be(out, v & 0xFFFFFF, 3);
            } else {
                out.write(0x38);
                be(out, offset, 4);
            }
        }

        private void control(int type, int size) {
            int first = type <= 7 ? type << 5 : 0;
            int sizeBits;
            byte[] extra;
            if (size < 29) {
                sizeBits = size;
                extra = new byte[0];
            } else if (size < 285) {
                sizeBits = 29;
                extra = new byte[]{(byte) (size - 29)};
            } else if (size < 65821) {
                sizeBits = 30;
                int s = size - 285;
                extra = new byte[]{(byte) (s >> 8), (byte) s};
            } else {
                sizeBits = 31;
                int s = size - 65821;
                extra = new byte[]{(byte) (s >> 16), (byte) (s >> 8), (byte) s};
            }
            out.write(first | sizeBits);
            if (type > 7) {
                out.write(type - 7);
            }
            out.writeBytes(extra);
        }
    }
}
