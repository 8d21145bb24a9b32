package io.remora.http.upstream;

import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.util.AsciiString;

import java.util.AbstractMap;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Objects;
import java.util.Set;
import java.util.function.Predicate;

/**
 * The regular headers of an internal (HTTP/2-style) header block, seen as HTTP/1.1 headers by
 * Netty's encoder, without copying them into a second map: copying cost a map and an entry per
 * header on every proxied message. Pseudo-headers and the names {@code hidden} rejects (the
 * connection-specific ones) are skipped. What the codec adds or sets (content-length,
 * transfer-encoding, connection) goes to a small overlay, written after the block's own headers;
 * a removal hides the block's entries of that name. A lead entry (a request's {@code host}, made from
 * {@code :authority}) may be written before them. The block itself is never modified.
 *
 * <p>Names compare case-insensitively, as HTTP/1.1's do; the block's names are lower case.
 * Single-threaded, like the message it belongs to; built once, written once.
 */
public final class Http1HeaderView extends HttpHeaders {

    private final Http2Headers source;
    private final Predicate<CharSequence> hidden;
    private final ArrayList<Map.Entry<CharSequence, CharSequence>> overlay = new ArrayList<>(2);
    private Map.Entry<CharSequence, CharSequence> lead;
    private List<AsciiString> removed;
    private boolean cleared;

    /** A view of {@code source} without pseudo-headers and the lower-case names {@code hidden} accepts. */
    public Http1HeaderView(Http2Headers source, Predicate<CharSequence> hidden) {
        this.source = source;
        this.hidden = hidden;
    }

    /** Writes {@code name: value} before the block's own headers (null value: none); returns this view. */
    public Http1HeaderView lead(CharSequence name, CharSequence value) {
        this.lead = value == null ? null : new AbstractMap.SimpleImmutableEntry<>(name, value);
        return this;
    }

    private boolean isLead(CharSequence n) {
        return lead != null && AsciiString.contentEqualsIgnoreCase(lead.getKey(), n);
    }

    private static AsciiString lower(CharSequence name) {
        return AsciiString.of(name).toLowerCase();
    }

    /** Whether the block's own entries of this name are visible. */
    private boolean fromSource(CharSequence n) {
        if (cleared || n.length() == 0 || n.charAt(0) == ':' || hidden.test(n)) {
            return false;
        }
        if (removed != null) {
            for (AsciiString r : removed) {
                if (AsciiString.contentEqualsIgnoreCase(r, n)) {
                    return false;
                }
            }
        }
        return true;
    }

    // ------------------------------------------------------------------ reads

    @Override
    public String get(String name) {
        return get((CharSequence) name);
    }

    @Override
    public String get(CharSequence name) {
        AsciiString n = lower(name);
        if (isLead(n)) {
            return lead.getValue().toString();
        }
        for (Map.Entry<CharSequence, CharSequence> e : overlay) {
            if (AsciiString.contentEqualsIgnoreCase(e.getKey(), n)) {
                return e.getValue().toString();
            }
        }
        if (fromSource(n)) {
            CharSequence v = source.get(n);
            return v == null ? null : v.toString();
        }
        return null;
    }

    @Override
    public List<String> getAll(String name) {
        return getAll((CharSequence) name);
    }

    @Override
    public List<String> getAll(CharSequence name) {
        AsciiString n = lower(name);
        List<String> out = new ArrayList<>(2);
        if (isLead(n)) {
            out.add(lead.getValue().toString());
        }
        if (fromSource(n)) {
            for (CharSequence v : source.getAll(n)) {
                out.add(v.toString());
            }
        }
        for (Map.Entry<CharSequence, CharSequence> e : overlay) {
            if (AsciiString.contentEqualsIgnoreCase(e.getKey(), n)) {
                out.add(e.getValue().toString());
            }
        }
        return out;
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
    public boolean contains(String name) {
        return contains((CharSequence) name);
    }

    @Override
    public boolean contains(CharSequence name) {
        AsciiString n = lower(name);
        if (isLead(n)) {
            return true;
        }
        for (Map.Entry<CharSequence, CharSequence> e : overlay) {
            if (AsciiString.contentEqualsIgnoreCase(e.getKey(), n)) {
                return true;
            }
        }
        return fromSource(n) && source.contains(n);
    }

    @Override
    public Iterator<Map.Entry<CharSequence, CharSequence>> iteratorCharSequence() {
        return new Iterator<>() {
            private final Iterator<Map.Entry<CharSequence, CharSequence>> src = cleared ? null : source.iterator();
            private boolean leadDone = lead == null;
            private int overlayIndex;
            private Map.Entry<CharSequence, CharSequence> next = advance();

            private Map.Entry<CharSequence, CharSequence> advance() {
                if (!leadDone) {
                    leadDone = true;
                    return lead;
                }
                if (src != null) {
                    while (src.hasNext()) {
                        Map.Entry<CharSequence, CharSequence> e = src.next();
                        if (fromSource(e.getKey())) {
                            return e;
                        }
                    }
                }
                return overlayIndex < overlay.size() ? overlay.get(overlayIndex++) : null;
            }

            @Override
            public boolean hasNext() {
                return next != null;
            }

            @Override
            public Map.Entry<CharSequence, CharSequence> next() {
                Map.Entry<CharSequence, CharSequence> e = next;
                if (e == null) {
                    throw new NoSuchElementException();
                }
                next = advance();
                return e;
            }
        };
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

    // ------------------------------------------------------------------ writes (the overlay)

    @Override
    public HttpHeaders add(String name, Object value) {
        return add((CharSequence) name, value);
    }

    @Override
    public HttpHeaders add(CharSequence name, Object value) {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(value, "value");
        CharSequence v = value instanceof CharSequence cs ? cs : value.toString();
        overlay.add(new AbstractMap.SimpleImmutableEntry<>(name, v));
        return this;
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
        Objects.requireNonNull(value, "value");
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

    @Override
    public HttpHeaders remove(CharSequence name) {
        AsciiString n = lower(name);
        if (isLead(n)) {
            lead = null;
        }
        overlay.removeIf(e -> AsciiString.contentEqualsIgnoreCase(e.getKey(), n));
        if (fromSource(n) && source.contains(n)) {
            if (removed == null) {
                removed = new ArrayList<>(2);
            }
            removed.add(n);
        }
        return this;
    }

    @Override
    public HttpHeaders clear() {
        lead = null;
        overlay.clear();
        cleared = true;
        return this;
    }
}
