package io.remora.udp.dns;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

/**
 * A query's response as Envoy's buildResponseBuffer makes it: the header echoes the ID, opcode
 * and RD, sets RA when the filter forwards queries, never AA or TC; the question follows, then up
 * to 8 answers (from a random one on when there are more), each SRV answer's target address as an
 * additional record, and no more records than keep the datagram within 512 bytes. The response
 * code is FORMERR for a malformed query, NOTIMP for types other than A, AAAA and SRV, NXDOMAIN
 * without answers.
 */
final class DnsResponseWriter {

    private DnsResponseWriter() {
    }

    static ByteBuf write(DnsQuery q, boolean recursionAvailable, ByteBufAllocator alloc) {
        ByteBuf out = alloc.ioBuffer(DnsWire.MAX_RESPONSE_SIZE);
        out.writerIndex(DnsWire.HEADER_SIZE);
        int questions = 0;
        int answers = 0;
        List<DnsRecord> extra = null;
        if (q.parsed && DnsRecord.nameSize(q.name) > 0) {
            DnsRecord.writeName(out, q.name);
            out.writeShort(q.type);
            out.writeShort(DnsWire.CLASS_IN);
            questions = 1;
            int n = q.answers.size();
            int index = n > DnsWire.MAX_RETURNED_RECORDS ? ThreadLocalRandom.current().nextInt(n) : 0;
            int total = out.writerIndex();
            for (int i = 0; i < n && answers < DnsWire.MAX_RETURNED_RECORDS; i++) {
                DnsRecord a = q.answers.get((index + i) % n);
                DnsRecord target = a.type() == DnsWire.TYPE_SRV ? additionalFor(q, a.target()) : null;
                int size = a.size();
                int targetSize = target == null ? 0 : target.size();
                if (size < 0 || targetSize < 0) {
                    continue;
                }
                if (total + size + targetSize > DnsWire.MAX_RESPONSE_SIZE) {
                    break;
                }
                a.write(out);
                total += size + targetSize;
                answers++;
                if (target != null) {
                    if (extra == null) {
                        extra = new ArrayList<>(4);
                    }
                    extra.add(target);
                }
            }
        }
        if (extra != null) {
            for (DnsRecord r : extra) {
                r.write(out);
            }
        }
        int flags = DnsWire.FLAG_QR | (q.flags & (DnsWire.FLAG_OPCODE | DnsWire.FLAG_RD))
                | (recursionAvailable ? DnsWire.FLAG_RA : 0) | rcode(q, questions, answers);
        out.setShort(0, q.id);
        out.setShort(2, flags);
        out.setShort(4, questions);
        out.setShort(6, answers);
        out.setShort(8, 0);
        out.setShort(10, extra == null ? 0 : extra.size());
        return out;
    }

    static int rcode(DnsQuery q, int questions, int answers) {
        if (!q.parsed) {
            return DnsWire.RCODE_FORMAT_ERROR;
        }
        if (q.type != DnsWire.TYPE_A && q.type != DnsWire.TYPE_AAAA && q.type != DnsWire.TYPE_SRV) {
            return DnsWire.RCODE_NOT_IMPLEMENTED;
        }
        if (questions == 0) {
            return DnsWire.RCODE_FORMAT_ERROR;
        }
        return answers == 0 ? DnsWire.RCODE_NAME_ERROR : DnsWire.RCODE_NO_ERROR;
    }

    /** The first additional record of the SRV target's name, as Envoy pairs them. */
    private static DnsRecord additionalFor(DnsQuery q, String target) {
        for (DnsRecord r : q.additional) {
            if (r.name().equals(target)) {
                return r;
            }
        }
        return null;
    }
}
