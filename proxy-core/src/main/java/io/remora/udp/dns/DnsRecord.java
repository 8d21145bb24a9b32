package io.remora.udp.dns;

import io.netty.buffer.ByteBuf;

import java.net.Inet4Address;
import java.net.InetAddress;

/**
 * One resource record of a response: an address (A/AAAA) or a service (SRV) record.
 *
 * @param address the A/AAAA record's address; null for SRV
 * @param target  the SRV record's target name; null for A/AAAA
 */
record DnsRecord(String name, int type, long ttlSeconds, InetAddress address, int priority, int weight, int port,
                 String target) {

    static DnsRecord address(String name, long ttlSeconds, InetAddress address) {
        return new DnsRecord(name, address instanceof Inet4Address ? DnsWire.TYPE_A : DnsWire.TYPE_AAAA, ttlSeconds,
                address, 0, 0, 0, null);
    }

    static DnsRecord service(String name, long ttlSeconds, int priority, int weight, int port, String target) {
        return new DnsRecord(name, DnsWire.TYPE_SRV, ttlSeconds, null, priority, weight, port, target);
    }

    /** The record's size on the wire; -1 when a name cannot be written. */
    int size() {
        int owner = nameSize(name);
        if (owner < 0) {
            return -1;
        }
        if (type == DnsWire.TYPE_SRV) {
            int t = nameSize(target);
            return t < 0 ? -1 : owner + 10 + 6 + t;
        }
        return owner + 10 + address.getAddress().length;
    }

    void write(ByteBuf out) {
        writeName(out, name);
        out.writeShort(type);
        out.writeShort(DnsWire.CLASS_IN);
        out.writeInt((int) ttlSeconds);
        if (type == DnsWire.TYPE_SRV) {
            out.writeShort(6 + nameSize(target));
            out.writeShort(priority);
            out.writeShort(weight);
            out.writeShort(port);
            writeName(out, target);
        } else {
            byte[] a = address.getAddress();
            out.writeShort(a.length);
            out.writeBytes(a);
        }
    }

    /** A dotted name's size on the wire, uncompressed as Envoy writes names; -1: a label or the name is too long. */
    static int nameSize(String name) {
        int size = 1;
        int start = 0;
        while (start <= name.length()) {
            int dot = name.indexOf('.', start);
            int end = dot < 0 ? name.length() : dot;
            int label = end - start;
            if (label > DnsWire.MAX_LABEL_LENGTH || (label == 0 && dot >= 0)) {
                return -1;
            }
            size += label == 0 ? 0 : label + 1;
            if (dot < 0) {
                break;
            }
            start = dot + 1;
        }
        return size > DnsWire.MAX_NAME_LENGTH ? -1 : size;
    }

    /** Writes a name {@link #nameSize} accepted; names are ASCII, as the table's and the parser's are. */
    static void writeName(ByteBuf out, String name) {
        int start = 0;
        while (start < name.length()) {
            int dot = name.indexOf('.', start);
            int end = dot < 0 ? name.length() : dot;
            out.writeByte(end - start);
            for (int i = start; i < end; i++) {
                out.writeByte(name.charAt(i));
            }
            start = end + 1;
        }
        out.writeByte(0);
    }
}
