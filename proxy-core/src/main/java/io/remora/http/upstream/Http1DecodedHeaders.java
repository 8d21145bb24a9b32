package io.remora.http.upstream;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.util.AsciiString;

import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * The header block {@link Http1Parser} fills, stored directly in the internal (HTTP/2-style)
 * form: names lower-cased as they arrive, in a {@link DefaultHttp2Headers} that becomes the
 * message's header block, with no second map to copy from. The parser checks names and values;
 * the block notes which names the internal form must drop or rewrite, so heads without them need
 * no lookups. Seen as Netty's {@link HttpHeaders} where HTTP/1.1 header code expects one.
 *
 * <p>Reads ignore case, as HTTP/1.1's do. Single-threaded, like the message it belongs to.
 */
public final class Http1DecodedHeaders extends CharSequenceHttpHeaders {

    /** An empty block for {@link Http1Parser}, which checks names and values itself. */
    static Http1DecodedHeaders create() {
        return new Http1DecodedHeaders();
    }

    /** An entry the parser checked: a lower-case name (a shared constant when known) and its value. */
    void addDecoded(AsciiString lowerName, AsciiString value) {
        special |= specialBit(lowerName);
        if (lowerName == HttpHeaderNames.HOST) {
            hosts++;
        }
        block().add(lowerName, value);
    }

    /** Made on the first entry. */
    private DefaultHttp2Headers block;
    /** Which names the internal form must drop or rewrite (hop-by-hop, host, te, expect) arrived: bits. */
    private int special;
    /** How many host headers arrived (more than one is refused): counted, not looked up per request. */
    private int hosts;

    private Http1DecodedHeaders() {
    }

    /**
     * The decoded block itself, for the message's internal form: pseudo-headers set on it go
     * first. The caller takes it over; this map is not used afterwards.
     */
    public Http2Headers block() {
        if (block == null) {
            // Eight buckets: a typical head has about as many headers.
            block = new DefaultHttp2Headers(false, 8);
        }
        return block;
    }

    /** How many host headers were decoded. */
    public int hostCount() {
        return hosts;
    }

    /** Whether any of the names {@link #specialBit} knows was decoded: only then is there something to strip. */
    public boolean hasSpecial() {
        return special != 0;
    }

    /**
     * Whether the head had a header of one of the names {@link #specialBit} knows (given as that
     * constant): a head without it needs no lookup to remove it.
     */
    public boolean had(AsciiString specialName) {
        return (special & specialBit(specialName)) != 0;
    }

    /** The names that never travel as decoded (connection-specific, and the ones a proxy rewrites): a bit each. */
    private static int specialBit(AsciiString lower) {
        if (lower == HttpHeaderNames.CONNECTION) {
            return 1;
        } else if (lower == HttpHeaderNames.KEEP_ALIVE) {
            return 1 << 1;
        } else if (lower == HttpHeaderNames.PROXY_CONNECTION) {
            return 1 << 2;
        } else if (lower == HttpHeaderNames.TRANSFER_ENCODING) {
            return 1 << 3;
        } else if (lower == HttpHeaderNames.UPGRADE) {
            return 1 << 4;
        } else if (lower == HttpHeaderNames.HOST) {
            return 1 << 5;
        } else if (lower == HttpHeaderNames.TE) {
            return 1 << 6;
        } else if (lower == HttpHeaderNames.EXPECT) {
            return 1 << 7;
        } else if (HTTP2_SETTINGS.contentEquals(lower)) {
            return 1 << 8;
        }
        return 0;
    }

    private static final AsciiString HTTP2_SETTINGS = AsciiString.cached("http2-settings");

    private static AsciiString lower(CharSequence name) {
        return LowerCaseNames.of(name);
    }

    @Override
    public String get(CharSequence name) {
        CharSequence v = block == null ? null : block.get(lower(name));
        return v == null ? null : v.toString();
    }

    @Override
    public List<String> getAll(CharSequence name) {
        // The decoder asks for every head's content-length: no list for none or one.
        AsciiString n = lower(name);
        if (block == null || !block.contains(n)) {
            return Collections.emptyList();
        }
        Iterator<CharSequence> it = block.valueIterator(n);
        String first = it.next().toString();
        if (!it.hasNext()) {
            return Collections.singletonList(first);
        }
        List<String> out = new ArrayList<>(4);
        out.add(first);
        it.forEachRemaining(v -> out.add(v.toString()));
        return out;
    }

    @Override
    public Iterator<CharSequence> valueCharSequenceIterator(CharSequence name) {
        // Asked for transfer-encoding of every message; most have none, so no iterator for them.
        AsciiString n = lower(name);
        return block == null || !block.contains(n) ? Collections.emptyIterator() : block.valueIterator(n);
    }

    @Override
    public boolean contains(CharSequence name) {
        return block != null && block.contains(lower(name));
    }

    @Override
    public boolean contains(CharSequence name, CharSequence value, boolean ignoreCase) {
        for (Iterator<CharSequence> it = valueCharSequenceIterator(name); it.hasNext(); ) {
            CharSequence v = it.next();
            if (ignoreCase ? AsciiString.contentEqualsIgnoreCase(v, value) : AsciiString.contentEquals(v, value)) {
                return true;
            }
        }
        return false;
    }

    @Override
    public boolean contains(String name, String value, boolean ignoreCase) {
        return contains((CharSequence) name, value, ignoreCase);
    }

    @Override
    public Iterator<Map.Entry<CharSequence, CharSequence>> iteratorCharSequence() {
        return block == null ? Collections.emptyIterator() : block.iterator();
    }

    @Override
    public boolean isEmpty() {
        return block == null || block.isEmpty();
    }

    @Override
    public int size() {
        return block == null ? 0 : block.size();
    }

    @Override
    public HttpHeaders add(CharSequence name, Object value) {
        java.util.Objects.requireNonNull(name, "name");
        CharSequence v = text(value);
        AsciiString n = lower(name);
        special |= specialBit(n);
        if (n == HttpHeaderNames.HOST) {
            hosts++;
        }
        block().add(n, v);
        return this;
    }

    @Override
    public HttpHeaders remove(CharSequence name) {
        if (block != null) {
            block.remove(lower(name));
        }
        return this;
    }

    @Override
    public HttpHeaders clear() {
        if (block != null) {
            block.clear();
        }
        special = 0;
        hosts = 0;
        return this;
    }
}
