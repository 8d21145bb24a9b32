package io.remora.tls;

import java.util.Arrays;

/** A forward reader of DER elements in one byte range (BoringSSL's CBS, as Envoy's OCSP parser walks it). */
final class DerCursor {
    static final int INTEGER = 0x02;
    static final int OCTET_STRING = 0x04;
    static final int OID = 0x06;
    static final int ENUMERATED = 0x0a;
    static final int SEQUENCE = 0x30;
    static final int GENERALIZED_TIME = 0x18;
    static final int CONTEXT = 0x80;
    static final int CONSTRUCTED = 0x20;

    /** Bytes that are not the DER expected. */
    static final class Malformed extends IllegalArgumentException {
        Malformed(String message) {
            super(message);
        }
    }

    private final byte[] d;
    private int p;
    private final int end;

    DerCursor(byte[] d) {
        this(d, 0, d.length);
    }

    private DerCursor(byte[] d, int from, int end) {
        this.d = d;
        this.p = from;
        this.end = end;
    }

    boolean empty() {
        return p >= end;
    }

    /** The tag of the next element, or -1 at the end. */
    int peekTag() {
        return p < end ? d[p] & 0xff : -1;
    }

    /** The next element's content if its tag is {@code tag}, else null (nothing consumed). */
    DerCursor optional(int tag) {
        return peekTag() == tag ? next(tag) : null;
    }

    /** The next element's content; it must have the tag. */
    DerCursor next(int tag) {
        if (peekTag() != tag) {
            throw new Malformed("expected tag " + tag);
        }
        return any();
    }

    /** The next element's content, whatever its tag. */
    DerCursor any() {
        if (end - p < 2) {
            throw new Malformed("truncated");
        }
        int len = d[p + 1] & 0xff;
        int content = p + 2;
        if (len > 0x7f) {
            int n = len & 0x7f;
            if (n == 0 || n > 3 || content + n > end) {
                throw new Malformed("bad length");
            }
            len = 0;
            for (int k = 0; k < n; k++) {
                len = (len << 8) | (d[content + k] & 0xff);
            }
            content += n;
        }
        if (len < 0 || content + len > end) {
            throw new Malformed("truncated");
        }
        p = content + len;
        return new DerCursor(d, content, content + len);
    }

    byte[] bytes() {
        return Arrays.copyOfRange(d, p, end);
    }
}
