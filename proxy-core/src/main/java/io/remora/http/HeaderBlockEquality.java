package io.remora.http;

import io.netty.handler.codec.http2.Http2Headers;
import io.netty.util.AsciiString;

import java.util.List;

/**
 * A {@link HeaderBlock}'s Object contract, as Netty's header maps have it: equal to any
 * {@link Http2Headers} with the same names and, per name, the same values in the same order,
 * whatever the order across names; a hash that agrees; and a readable form for logs.
 */
final class HeaderBlockEquality {

    private HeaderBlockEquality() {
    }

    static boolean sameHeaders(HeaderBlock b, Http2Headers h) {
        int size = b.size();
        if (h.size() != size) {
            return false;
        }
        for (int i = 0; i < size; i++) {
            CharSequence name = b.name(i);
            if (b.indexOf(name, 0) != i) {
                continue; // compared with the name's first entry
            }
            List<CharSequence> theirs = h.getAll(name);
            int n = 0;
            for (int j = i; j >= 0; j = b.indexOf(name, j + 1), n++) {
                if (n >= theirs.size() || !AsciiString.contentEquals(b.value(j), theirs.get(n))) {
                    return false;
                }
            }
            if (n != theirs.size()) {
                return false;
            }
        }
        return true;
    }

    static int hash(HeaderBlock b) {
        int h = 0;
        for (int i = 0; i < b.size(); i++) {
            // Order-free across names, as equals is; names hash case-insensitively, as they compare.
            h += 31 * AsciiString.hashCode(b.name(i)) + AsciiString.hashCode(b.value(i));
        }
        return h;
    }

    static String describe(HeaderBlock b) {
        StringBuilder out = new StringBuilder("HeaderBlock[");
        for (int i = 0; i < b.size(); i++) {
            if (i > 0) {
                out.append(", ");
            }
            out.append(b.name(i)).append(": ").append(b.value(i));
        }
        return out.append(']').toString();
    }
}
