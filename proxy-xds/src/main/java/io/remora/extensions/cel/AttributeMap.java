package io.remora.extensions.cel;

import java.util.AbstractMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * A CEL map whose values are computed when an expression selects them: attributes cost nothing
 * until touched. A key whose value is absent (null) is not in the map, so selecting it is CEL's
 * "no such key" error and {@code has()} is false, as with Envoy's attributes.
 */
final class AttributeMap extends AbstractMap<String, Object> {

    private final List<String> keys;
    private final Function<String, Object> lookup;

    /** {@code keys}: what iteration and {@code size()} see (empty when the keys cannot be listed). */
    AttributeMap(List<String> keys, Function<String, Object> lookup) {
        this.keys = keys;
        this.lookup = lookup;
    }

    @Override
    public Object get(Object key) {
        return key instanceof String k ? lookup.apply(k) : null;
    }

    @Override
    public boolean containsKey(Object key) {
        return get(key) != null;
    }

    @Override
    public Set<Entry<String, Object>> entrySet() {
        Map<String, Object> all = new LinkedHashMap<>();
        for (String k : keys) {
            Object v = lookup.apply(k);
            if (v != null) {
                all.put(k, v);
            }
        }
        return all.entrySet();
    }
}
