package io.remora.config;

import java.util.List;
import java.util.Map;

/**
 * Envoy's {@code type.matcher.v3.MetadataMatcher}: the value at {@code path} under namespace
 * {@code filter} must match; a path that leaves the structs (a missing key, or a non-struct on
 * the way) reaches no value, which only an inverted matcher accepts.
 */
public record MetadataMatch(String filter, List<String> path, ValueMatch value, boolean invert) {

    public MetadataMatch {
        path = List.copyOf(path);
    }

    public boolean matches(Map<String, Map<String, Object>> metadata) {
        return value.matches(lookup(metadata)) != invert;
    }

    /** The value at the path ({@link ValueMatch#NULL} for a present null), or null when the path reaches none. */
    public Object lookup(Map<String, Map<String, Object>> metadata) {
        return lookup(metadata, filter, path);
    }

    /** The value at path under namespace filter, as {@link #lookup(Map)}. */
    public static Object lookup(Map<String, Map<String, Object>> metadata, String filter, List<String> path) {
        Object current = metadata == null ? null : metadata.get(filter);
        for (String key : path) {
            if (!(current instanceof Map<?, ?> struct) || !struct.containsKey(key)) {
                return null;
            }
            current = struct.get(key);
            if (current == null) {
                current = ValueMatch.NULL;
            }
        }
        return current;
    }
}
