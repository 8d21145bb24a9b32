package io.remora.http;

import io.netty.handler.codec.Headers;
import io.netty.util.AsciiString;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The operations of Netty's header contract that span several entries of a {@link HeaderBlock}
 * (every value of a name, the distinct names, another map's entries), built on the block's
 * one-entry primitives. Apart from the block so that the block keeps its array and the edits
 * that must know its layout; static so that the block stays one object.
 */
final class HeaderBlockBulk {

    private HeaderBlockBulk() {
    }

    /** The values of {@code name}, in insertion order; an immutable empty list without any. */
    static List<CharSequence> getAll(HeaderBlock b, CharSequence name) {
        int i = b.indexOf(name, 0);
        if (i < 0) {
            return Collections.emptyList();
        }
        List<CharSequence> out = new ArrayList<>(4);
        for (; i >= 0; i = b.indexOf(name, i + 1)) {
            out.add(b.value(i));
        }
        return out;
    }

    static boolean contains(HeaderBlock b, CharSequence name, CharSequence value, boolean caseInsensitive) {
        for (int i = b.indexOf(name, 0); i >= 0; i = b.indexOf(name, i + 1)) {
            if (caseInsensitive ? AsciiString.contentEqualsIgnoreCase(b.value(i), value)
                    : AsciiString.contentEquals(b.value(i), value)) {
                return true;
            }
        }
        return false;
    }

    /** The distinct names, in order of first appearance. */
    static Set<CharSequence> names(HeaderBlock b) {
        int size = b.size();
        Set<CharSequence> out = new LinkedHashSet<>(2 * size);
        for (int i = 0; i < size; i++) {
            if (b.indexOf(b.name(i), 0) == i) {
                out.add(b.name(i));
            }
        }
        return out;
    }

    /** Adds each entry of {@code headers} in its order, as {@link HeaderBlock#add} would one by one. */
    static void addAll(HeaderBlock b, Headers<? extends CharSequence, ? extends CharSequence, ?> headers) {
        if (headers == b) {
            throw new IllegalArgumentException("can't add to itself.");
        }
        if (headers instanceof HeaderBlock from) {
            for (int i = 0; i < from.size(); i++) {
                b.add(from.name(i), from.value(i));
            }
        } else {
            for (Map.Entry<? extends CharSequence, ? extends CharSequence> e : headers) {
                b.add(e.getKey(), e.getValue());
            }
        }
    }
}
