package io.remora.http.upstream;

import io.netty.handler.codec.DefaultHeaders;
import io.netty.handler.codec.http.DefaultHttpHeadersFactory;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpHeadersFactory;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.util.AsciiString;

import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * The header map Netty's HTTP/1.1 decoders fill, stored directly in the internal (HTTP/2-style)
 * form: names lower-cased as they arrive, in a {@link DefaultHttp2Headers} that becomes the
 * message's header block. Decoding into Netty's own map and then copying every entry into a
 * second one cost two maps and an entry per header per proxied message. Names and values are
 * validated as Netty's default factory validates them, so a malformed head still fails decoding.
 *
 * <p>Reads ignore case, as HTTP/1.1's do. Single-threaded, like the message it belongs to.
 */
public final class Http1DecodedHeaders extends CharSequenceHttpHeaders {

    /** Validating as Netty's default header and trailer factories do, or trusting (an upstream's). */
    private static final HttpHeadersFactory HEADERS = factoryLike(DefaultHttpHeadersFactory.headersFactory());
    private static final HttpHeadersFactory TRAILERS = factoryLike(DefaultHttpHeadersFactory.trailersFactory());
    private static final HttpHeadersFactory TRUSTING = factoryLike(null);

    /**
     * For {@link io.netty.handler.codec.http.HttpDecoderConfig#setHeadersFactory}: with
     * {@code validate}, names and values are checked as Netty's default factory checks them.
     */
    public static HttpHeadersFactory headers(boolean validate) {
        return validate ? HEADERS : TRUSTING;
    }

    /** For {@link io.netty.handler.codec.http.HttpDecoderConfig#setTrailersFactory}, as {@link #headers}. */
    public static HttpHeadersFactory trailers(boolean validate) {
        return validate ? TRAILERS : TRUSTING;
    }

    private static HttpHeadersFactory factoryLike(DefaultHttpHeadersFactory validation) {
        DefaultHeaders.NameValidator<CharSequence> names = validation == null ? null : validation.getNameValidator();
        DefaultHeaders.ValueValidator<CharSequence> values = validation == null ? null : validation.getValueValidator();
        return new HttpHeadersFactory() {
            @Override
            public HttpHeaders newHeaders() {
                return new Http1DecodedHeaders(names, values);
            }

            @Override
            public HttpHeaders newEmptyHeaders() {
                return new Http1DecodedHeaders(names, values);
            }
        };
    }

    /** Made on the first entry: trailer maps, made for every message end, are almost always empty. */
    private DefaultHttp2Headers block;
    /** Which names the internal form must drop or rewrite (hop-by-hop, host, te, expect) arrived: bits. */
    private int special;
    /** How many host headers arrived (more than one is refused): counted, not looked up per request. */
    private int hosts;
    private final DefaultHeaders.NameValidator<CharSequence> names;
    private final DefaultHeaders.ValueValidator<CharSequence> values;

    private Http1DecodedHeaders(DefaultHeaders.NameValidator<CharSequence> names,
                                DefaultHeaders.ValueValidator<CharSequence> values) {
        this.names = names;
        this.values = values;
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
        if (names != null) {
            names.validateName(name);
            values.validate(v);
        }
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
