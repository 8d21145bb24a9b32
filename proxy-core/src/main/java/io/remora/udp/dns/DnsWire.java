package io.remora.udp.dns;

/** DNS wire constants (RFC 1035) and the limits Envoy's DNS filter keeps. */
final class DnsWire {
    static final int TYPE_A = 1;
    static final int TYPE_AAAA = 28;
    static final int TYPE_SRV = 33;
    static final int CLASS_IN = 1;

    static final int RCODE_NO_ERROR = 0;
    static final int RCODE_FORMAT_ERROR = 1;
    static final int RCODE_NAME_ERROR = 3;
    static final int RCODE_NOT_IMPLEMENTED = 4;

    static final int HEADER_SIZE = 12;
    static final int MAX_LABEL_LENGTH = 63;
    /** A name's length on the wire, its length bytes and the root's included. */
    static final int MAX_NAME_LENGTH = 255;
    /** Envoy answers with at most this many records (as Route 53 does). */
    static final int MAX_RETURNED_RECORDS = 8;
    /** Responses stay within plain DNS's UDP limit; Envoy speaks no EDNS. */
    static final int MAX_RESPONSE_SIZE = 512;

    static final int FLAG_QR = 0x8000;
    static final int FLAG_OPCODE = 0x7800;
    static final int FLAG_RD = 0x0100;
    static final int FLAG_RA = 0x0080;

    private DnsWire() {
    }
}
