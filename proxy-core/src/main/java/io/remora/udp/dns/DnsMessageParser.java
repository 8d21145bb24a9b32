package io.remora.udp.dns;

import io.netty.buffer.ByteBuf;

/**
 * Reads a query as Envoy's DnsMessageParser does, never throwing on what a peer sends: a header
 * short of bytes, a response or inverse query (answer or authority records), other than one
 * question, ID 0, a question whose name is truncated, loops through compression pointers or is
 * longer than 255 bytes, or whose class is not IN, leaves the query unparsed (FORMERR). The
 * counters are Envoy's: {@code query_buffer_underflow}, {@code queries_with_ans_or_authority_rrs},
 * {@code query_parsing_failure}, {@code record_name_overflow}, {@code queries_with_additional_rrs}.
 */
final class DnsMessageParser {
    /** A name of at most 255 bytes has at most 127 labels, so more pointers than that is a loop. */
    private static final int MAX_POINTERS = 127;

    private DnsMessageParser() {
    }

    static DnsQuery parse(ByteBuf in, DnsFilterStats stats) {
        DnsQuery q = new DnsQuery();
        int base = in.readerIndex();
        int len = in.readableBytes();
        // Envoy reads the header a 16-bit field at a time and keeps what it read when it runs out.
        if (len < 2) {
            stats.queryBufferUnderflow.increment();
            return q;
        }
        q.id = in.getUnsignedShort(base);
        if (len < 4) {
            stats.queryBufferUnderflow.increment();
            return q;
        }
        q.flags = in.getUnsignedShort(base + 2);
        if (len < DnsWire.HEADER_SIZE) {
            stats.queryBufferUnderflow.increment();
            return q;
        }
        int questions = in.getUnsignedShort(base + 4);
        int answers = in.getUnsignedShort(base + 6);
        int authority = in.getUnsignedShort(base + 8);
        int additional = in.getUnsignedShort(base + 10);
        if ((q.flags & DnsWire.FLAG_QR) != 0 || answers != 0 || authority != 0) {
            stats.queriesWithAnsOrAuthorityRrs.increment();
            return q;
        }
        if (questions != 1 || q.id == 0) {
            return q;
        }
        // Envoy's minimum for a question: a length, one character and the root.
        if (len - DnsWire.HEADER_SIZE < 3) {
            stats.queryParsingFailure.increment();
            return q;
        }
        int[] end = new int[1];
        String name = readName(in, base, len, DnsWire.HEADER_SIZE, end, stats);
        if (name == null || len - end[0] < 4) {
            stats.queryParsingFailure.increment();
            return q;
        }
        int type = in.getUnsignedShort(base + end[0]);
        int cls = in.getUnsignedShort(base + end[0] + 2);
        if (cls != DnsWire.CLASS_IN) {
            stats.queryParsingFailure.increment();
            return q;
        }
        q.name = name;
        q.type = type;
        q.parsed = true;
        if (additional != 0) {
            // EDNS queries carry an OPT record here; Envoy ignores it and counts the query.
            stats.queriesWithAdditionalRrs.increment();
        }
        return q;
    }

    /**
     * The dotted name at {@code offset} (relative to {@code base}), escaped as c-ares' ares_expand_name
     * escapes ('.' and '\' with a backslash, unprintable bytes as \DDD); {@code end[0]} is set to
     * the offset just past it. Null for a malformed name; the root alone is one too, as for Envoy.
     */
    static String readName(ByteBuf in, int base, int len, int offset, int[] end, DnsFilterStats stats) {
        StringBuilder sb = new StringBuilder(64);
        int pos = offset;
        int after = -1;
        int wire = 1;
        int pointers = 0;
        while (true) {
            if (pos >= len) {
                stats.queryBufferUnderflow.increment();
                return null;
            }
            int l = in.getUnsignedByte(base + pos);
            if ((l & 0xC0) == 0xC0) {
                if (pos + 1 >= len) {
                    stats.queryBufferUnderflow.increment();
                    return null;
                }
                int target = ((l & 0x3F) << 8) | in.getUnsignedByte(base + pos + 1);
                if (after < 0) {
                    after = pos + 2;
                }
                if (++pointers > MAX_POINTERS || target >= len) {
                    return null;
                }
                pos = target;
                continue;
            }
            if ((l & 0xC0) != 0) {
                return null; // the extended label types (01, 10) are not names
            }
            if (l == 0) {
                if (after < 0) {
                    after = pos + 1;
                }
                break;
            }
            wire += l + 1;
            if (wire > DnsWire.MAX_NAME_LENGTH) {
                stats.recordNameOverflow.increment();
                return null;
            }
            if (pos + 1 + l > len) {
                stats.queryBufferUnderflow.increment();
                return null;
            }
            if (sb.length() > 0) {
                sb.append('.');
            }
            for (int i = pos + 1; i <= pos + l; i++) {
                int c = in.getUnsignedByte(base + i);
                if (c <= 0x20 || c >= 0x7F) {
                    sb.append('\\').append((char) ('0' + c / 100)).append((char) ('0' + c / 10 % 10))
                            .append((char) ('0' + c % 10));
                } else {
                    if (c == '.' || c == '\\') {
                        sb.append('\\');
                    }
                    sb.append((char) c);
                }
            }
            pos += 1 + l;
        }
        if (sb.length() == 0) {
            return null;
        }
        end[0] = after;
        return sb.toString();
    }
}
