package io.remora.route;

import java.util.Map;

/**
 * An open-addressing table keyed by lower-case domains and looked up by a region of a
 * {@link CharSequence}, folding ASCII case: the Host header is matched, its port stripped or a
 * wildcard's suffix taken, without allocating a substring or a lower-cased copy per request.
 */
final class DomainTable<V> {

    private final String[] keys;
    private final Object[] values;
    private final int mask;

    DomainTable(Map<String, V> entries) {
        int cap = Integer.highestOneBit(Math.max(2, entries.size() * 2 - 1)) << 1;
        keys = new String[cap];
        values = new Object[cap];
        mask = cap - 1;
        for (Map.Entry<String, V> e : entries.entrySet()) {
            String key = AsciiCase.lower(e.getKey());
            int i = hash(key, 0, key.length()) & mask;
            while (keys[i] != null) {
                i = (i + 1) & mask;
            }
            keys[i] = key;
            values[i] = e.getValue();
        }
    }

    /** The value for {@code s[from, to)}, or null. */
    @SuppressWarnings("unchecked")
    V get(CharSequence s, int from, int to) {
        int len = to - from;
        int i = hash(s, from, to) & mask;
        String k;
        while ((k = keys[i]) != null) {
            if (k.length() == len && AsciiCase.regionEqualsIgnoreCase(s, from, k)) {
                return (V) values[i];
            }
            i = (i + 1) & mask;
        }
        return null;
    }

    private static int hash(CharSequence s, int from, int to) {
        int h = 0;
        for (int i = from; i < to; i++) {
            h = 31 * h + AsciiCase.lower(s.charAt(i));
        }
        return h ^ (h >>> 16);
    }
}
