package io.remora.extensions.geoip_providers.maxmind;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Map;

/**
 * A MaxMind DB (MMDB format 2.x) file, read-only: a binary search tree over the address bits
 * (24, 28 or 32-bit records) whose leaves point into a data section, then the metadata.
 * Opening checks the metadata and the section bounds; a lookup checks every record it follows,
 * so a corrupt file gives {@link MmdbException}, never a read outside the file.
 */
public final class MmdbReader {
    private static final byte[] METADATA_MARKER = {(byte) 0xAB, (byte) 0xCD, (byte) 0xEF,
        'M', 'a', 'x', 'M', 'i', 'n', 'd', '.', 'c', 'o', 'm'};
    /** The format puts the metadata in the file's last 128 KiB. */
    private static final int METADATA_MAX_SIZE = 128 * 1024;
    /** Sixteen zero bytes separate the search tree from the data section. */
    private static final int DATA_SEPARATOR = 16;

    private final ByteBuffer buf;
    private final long nodeCount;
    private final int recordSize;
    private final int ipVersion;
    private final String databaseType;
    private final long buildEpoch;
    private final MmdbDecoder data;
    private final Map<String, Object> metadata;
    /** Where IPv4 lookups start in an IPv6 tree: the node 96 zero bits down (::a.b.c.d). */
    private final long ipv4Start;
    private final int ipv4StartDepth;

    private MmdbReader(ByteBuffer buf) throws MmdbException {
        this.buf = buf;
        int marker = lastIndexOf(buf, METADATA_MARKER);
        if (marker < 0) {
            throw new MmdbException("no MaxMind DB metadata marker in the file's last 128 KiB");
        }
        int metadataStart = marker + METADATA_MARKER.length;
        Object meta = new MmdbDecoder(buf, metadataStart, buf.limit()).decode(metadataStart);
        if (!(meta instanceof Map<?, ?> m)) {
            throw new MmdbException("metadata is not a map");
        }
        @SuppressWarnings("unchecked")
        Map<String, Object> md = (Map<String, Object>) m;
        metadata = md;
        long major = number(md, "binary_format_major_version");
        if (major != 2) {
            throw new MmdbException("binary_format_major_version " + major + " (only 2 is supported)");
        }
        nodeCount = number(md, "node_count");
        recordSize = (int) number(md, "record_size");
        ipVersion = (int) number(md, "ip_version");
        buildEpoch = number(md, "build_epoch");
        if (!(md.get("database_type") instanceof String type)) {
            throw new MmdbException("metadata has no database_type string");
        }
        databaseType = type;
        if (recordSize != 24 && recordSize != 28 && recordSize != 32) {
            throw new MmdbException("record_size " + recordSize + " (must be 24, 28 or 32)");
        }
        if (ipVersion != 4 && ipVersion != 6) {
            throw new MmdbException("ip_version " + ipVersion + " (must be 4 or 6)");
        }
        long treeSize = nodeCount * recordSize * 2 / 8;
        if (nodeCount <= 0 || treeSize + DATA_SEPARATOR > marker) {
            throw new MmdbException("search tree of " + nodeCount + " nodes does not fit before the metadata");
        }
        int dataStart = (int) treeSize + DATA_SEPARATOR;
        data = new MmdbDecoder(buf, dataStart, marker);
        long node = 0;
        int depth = 0;
        if (ipVersion == 6) {
            for (; depth < 96 && node < nodeCount; depth++) {
                node = record(node, 0);
            }
        }
        ipv4Start = node;
        ipv4StartDepth = depth;
    }

    /** Maps {@code path} read-only and checks it. */
    public static MmdbReader open(Path path) throws IOException, MmdbException {
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
            long size = ch.size();
            if (size > Integer.MAX_VALUE) {
                throw new MmdbException("file of " + size + " bytes is larger than 2 GiB");
            }
            return new MmdbReader(ch.map(FileChannel.MapMode.READ_ONLY, 0, size));
        }
    }

    /** A database already in memory (tests, or a file read whole). */
    public static MmdbReader of(ByteBuffer bytes) throws MmdbException {
        return new MmdbReader(bytes.asReadOnlyBuffer());
    }

    private static long number(Map<String, Object> md, String key) throws MmdbException {
        Object v = md.get(key);
        if (v instanceof Integer i) {
            return i;
        }
        if (v instanceof Long l) {
            return l;
        }
        throw new MmdbException("metadata has no " + key + " number");
    }

    private static int lastIndexOf(ByteBuffer buf, byte[] marker) {
        int stop = Math.max(0, buf.limit() - METADATA_MAX_SIZE - marker.length);
        outer:
        for (int i = buf.limit() - marker.length; i >= stop; i--) {
            for (int j = 0; j < marker.length; j++) {
                if (buf.get(i + j) != marker[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }

    public String databaseType() {
        return databaseType;
    }

    public int ipVersion() {
        return ipVersion;
    }

    public int recordSize() {
        return recordSize;
    }

    public long nodeCount() {
        return nodeCount;
    }

    public long buildEpoch() {
        return buildEpoch;
    }

    /** The metadata map as decoded (languages, description, and the fields above). */
    public Map<String, Object> metadata() {
        return metadata;
    }

    MmdbDecoder data() {
        return data;
    }

    /** The left (0) or right (1) record of {@code node}. */
    private long record(long node, int bit) throws MmdbException {
        int bytes = recordSize / 4;
        long off = node * bytes;
        if (node >= nodeCount || off + bytes > data.base() - DATA_SEPARATOR) {
            throw new MmdbException("search tree node " + node + " out of bounds");
        }
        int o = (int) off;
        return switch (recordSize) {
            case 24 -> bit == 0 ? u(o, 3) : u(o + 3, 3);
            case 28 -> bit == 0 ? ((long) (buf.get(o + 3) & 0xF0) << 20) | u(o, 3)
                    : ((long) (buf.get(o + 3) & 0x0F) << 24) | u(o + 4, 3);
            default -> bit == 0 ? u(o, 4) : u(o + 4, 4);
        };
    }

    private long u(int at, int n) {
        long v = 0;
        for (int i = 0; i < n; i++) {
            v = (v << 8) | (buf.get(at + i) & 0xFF);
        }
        return v;
    }

    /**
     * The data section offset of the record for {@code address}, or -1 when the tree has none.
     * An IPv6 address in an IPv4 database is an error, as libmaxminddb's.
     */
    public int lookup(InetAddress address) throws MmdbException {
        return lookup(address.getAddress());
    }

    /** As {@link #lookup(InetAddress)}, for the 4 or 16 bytes of an address. */
    public int lookup(byte[] a) throws MmdbException {
        if (a.length != 4 && a.length != 16) {
            throw new MmdbException("an address of " + a.length + " bytes");
        }
        long node = 0;
        int bits = a.length * 8;
        if (a.length == 16 && ipVersion == 4) {
            throw new MmdbException("IPv6 address in an IPv4-only database");
        }
        if (a.length == 4 && ipVersion == 6) {
            node = ipv4Start;
            // A tree that ends above ::/96 gives every IPv4 address that one record.
            bits = ipv4StartDepth < 96 ? 0 : 32;
        }
        for (int i = 0; i < bits && node < nodeCount; i++) {
            int bit = (a[i >> 3] >> (7 - (i & 7))) & 1;
            node = record(node, bit);
        }
        if (node == nodeCount) {
            return -1;
        }
        if (node < nodeCount) {
            throw new MmdbException("search tree deeper than the address");
        }
        long off = (long) data.base() + (node - nodeCount) - DATA_SEPARATOR;
        if (off < data.base() || off >= data.limit()) {
            throw new MmdbException("search tree record " + node + " points outside the data section");
        }
        return (int) off;
    }

    /** The header value (see {@link MmdbDecoder#headerValue}) at {@code path} in the record at {@code record}; null if absent. */
    String value(int record, MmdbPath path) throws MmdbException {
        int at = data.find(record, path);
        return at < 0 ? null : data.headerValue(at);
    }

    /** The whole record at {@code record} as Java objects. */
    public Object decode(int record) throws MmdbException {
        return data.decode(record);
    }

    @Override
    public String toString() {
        return databaseType + " (IPv" + ipVersion + ", " + recordSize + "-bit records, " + nodeCount + " nodes)";
    }
}
