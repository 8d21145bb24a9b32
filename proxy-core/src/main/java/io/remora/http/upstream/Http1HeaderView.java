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
public final class Http1HeaderView extends CharSequenceHttpHeaders {

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
    public String get(CharSequence name) {
        AsciiString n = lower(name);
        if (isLead(n)) {
            return lead.getValue().toString();
        }
        for (int i = 0; i < overlay.size(); i++) {
            if (AsciiString.contentEqualsIgnoreCase(overlay.get(i).getKey(), n)) {
                return overlay.get(i).getValue().toString();
            }
        }
        if (fromSource(n)) {
            CharSequence v = source.get(n);
            return v == null ? null : v.toString();
        }
        return null;
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
    public Iterator<CharSequence> valueCharSequenceIterator(CharSequence name) {
        // The encoder asks every message for transfer-encoding; most have none: no list for them.
        if (!contains(name)) {
            return java.util.Collections.emptyIterator();
        }
        @SuppressWarnings("unchecked") // a String iterator read as CharSequences
        Iterator<CharSequence> values = (Iterator<CharSequence>) (Iterator<?>) getAll(name).iterator();
        return values;
    }

    @Override
    public boolean contains(CharSequence name) {
        AsciiString n = lower(name);
        if (isLead(n)) {
            return true;
        }
        for (int i = 0; i < overlay.size(); i++) { // indexed: no iterator per lookup
            if (AsciiString.contentEqualsIgnoreCase(overlay.get(i).getKey(), n)) {
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

    // ------------------------------------------------------------------ writes (the overlay)

    @Override
    public HttpHeaders add(CharSequence name, Object value) {
        Objects.requireNonNull(name, "name");
        overlay.add(new AbstractMap.SimpleImmutableEntry<>(name, text(value)));
        return this;
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
