package io.remora.http.upstream;

import io.netty.handler.codec.http.HttpHeaders;

import java.util.AbstractMap;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Netty's {@link HttpHeaders} over a handful of CharSequence primitives: the String overloads,
 * the typed getters and setters, the String iterators and the bulk views all reduce to
 * {@code get/getAll/contains/iteratorCharSequence/add/remove/clear} of a subclass. Netty's codec
 * calls many of them; the header blocks its decoders fill
 * ({@link Http1DecodedHeaders}) only need to say how their entries are stored.
 */
public abstract class CharSequenceHttpHeaders extends HttpHeaders {

    @Override
    public abstract String get(CharSequence name);

    @Override
    public abstract List<String> getAll(CharSequence name);

    @Override
    public abstract boolean contains(CharSequence name);

    @Override
    public abstract Iterator<Map.Entry<CharSequence, CharSequence>> iteratorCharSequence();

    @Override
    public abstract HttpHeaders add(CharSequence name, Object value);

    @Override
    public abstract HttpHeaders remove(CharSequence name);

    @Override
    public abstract HttpHeaders clear();

    /** A value as the CharSequence the block stores. */
    protected static CharSequence text(Object value) {
        java.util.Objects.requireNonNull(value, "value");
        return value instanceof CharSequence cs ? cs : value.toString();
    }

    // ------------------------------------------------------------------ reads

    @Override
    public String get(String name) {
        return get((CharSequence) name);
    }

    @Override
    public List<String> getAll(String name) {
        return getAll((CharSequence) name);
    }

    @Override
    public boolean contains(String name) {
        return contains((CharSequence) name);
    }

    @Override
    public Integer getInt(CharSequence name) {
        String v = get(name);
        try {
            return v == null ? null : Integer.valueOf(v.trim());
        } catch (NumberFormatException e) {
            return null;
        }
    }

    @Override
    public int getInt(CharSequence name, int defaultValue) {
        Integer v = getInt(name);
        return v == null ? defaultValue : v;
    }

    @Override
    public Short getShort(CharSequence name) {
        String v = get(name);
        try {
            return v == null ? null : Short.valueOf(v.trim());
        } catch (NumberFormatException e) {
            return null;
        }
    }

    @Override
    public short getShort(CharSequence name, short defaultValue) {
        Short v = getShort(name);
        return v == null ? defaultValue : v;
    }

    @Override
    public Long getTimeMillis(CharSequence name) {
        String v = get(name);
        if (v == null) {
            return null;
        }
        java.util.Date d = io.netty.handler.codec.DateFormatter.parseHttpDate(v);
        return d == null ? null : d.getTime();
    }

    @Override
    public long getTimeMillis(CharSequence name, long defaultValue) {
        Long v = getTimeMillis(name);
        return v == null ? defaultValue : v;
    }

    @Override
    public Iterator<Map.Entry<String, String>> iterator() {
        Iterator<Map.Entry<CharSequence, CharSequence>> it = iteratorCharSequence();
        return new Iterator<>() {
            @Override
            public boolean hasNext() {
                return it.hasNext();
            }

            @Override
            public Map.Entry<String, String> next() {
                Map.Entry<CharSequence, CharSequence> e = it.next();
                return new AbstractMap.SimpleImmutableEntry<>(e.getKey().toString(), e.getValue().toString());
            }
        };
    }

    @Override
    public List<Map.Entry<String, String>> entries() {
        List<Map.Entry<String, String>> out = new ArrayList<>();
        iterator().forEachRemaining(out::add);
        return out;
    }

    @Override
    public boolean isEmpty() {
        return !iteratorCharSequence().hasNext();
    }

    @Override
    public int size() {
        int n = 0;
        for (Iterator<Map.Entry<CharSequence, CharSequence>> it = iteratorCharSequence(); it.hasNext(); it.next()) {
            n++;
        }
        return n;
    }

    @Override
    public Set<String> names() {
        Set<String> out = new LinkedHashSet<>();
        iteratorCharSequence().forEachRemaining(e -> out.add(e.getKey().toString()));
        return out;
    }

    // ------------------------------------------------------------------ writes

    @Override
    public HttpHeaders add(String name, Object value) {
        return add((CharSequence) name, value);
    }

    @Override
    public HttpHeaders add(String name, Iterable<?> values) {
        return add((CharSequence) name, values);
    }

    @Override
    public HttpHeaders add(CharSequence name, Iterable<?> values) {
        for (Object v : values) {
            add(name, v);
        }
        return this;
    }

    @Override
    public HttpHeaders addInt(CharSequence name, int value) {
        return add(name, Integer.toString(value));
    }

    @Override
    public HttpHeaders addShort(CharSequence name, short value) {
        return add(name, Short.toString(value));
    }

    @Override
    public HttpHeaders set(String name, Object value) {
        return set((CharSequence) name, value);
    }

    @Override
    public HttpHeaders set(CharSequence name, Object value) {
        java.util.Objects.requireNonNull(value, "value");
        remove(name);
        return add(name, value);
    }

    @Override
    public HttpHeaders set(String name, Iterable<?> values) {
        return set((CharSequence) name, values);
    }

    @Override
    public HttpHeaders set(CharSequence name, Iterable<?> values) {
        remove(name);
        return add(name, values);
    }

    @Override
    public HttpHeaders setInt(CharSequence name, int value) {
        return set(name, Integer.toString(value));
    }

    @Override
    public HttpHeaders setShort(CharSequence name, short value) {
        return set(name, Short.toString(value));
    }

    @Override
    public HttpHeaders remove(String name) {
        return remove((CharSequence) name);
    }
}
