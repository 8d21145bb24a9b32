package io.remora.extensions.filters.http.cache;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.Http2Headers;
import io.remora.http.filter.DecoderFilterCallbacks;
import io.remora.http.filter.EncoderFilterCallbacks;
import io.remora.http.filter.FilterStatus;
import io.remora.http.filter.StreamFilter;

import java.io.ByteArrayOutputStream;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Envoy's CacheFilter over the in-memory {@link SimpleHttpCache}. A request the cache may answer
 * is looked up by its key: a fresh entry is answered here (with {@code age}) and never goes
 * upstream; a stale one goes upstream with {@code if-none-match} / {@code if-modified-since} from
 * the entry, and a 304 answers with the stored body under the 304's headers (the stored ones filling
 * the gaps), which also freshen the entry. A storable response on its way down is copied into the
 * cache as it passes (never held back).
 */
final class CacheFilter implements StreamFilter {

    private enum State { PASS, LOOKED_UP, VALIDATING, SERVING, REPLACING_BODY }

    private final CacheFilterConfig config;
    private final SimpleHttpCache cache;
    private final CacheStats stats;
    private DecoderFilterCallbacks decoder;
    private EncoderFilterCallbacks encoder;
    private State state = State.PASS;
    private String baseKey;
    /** The entry being validated and the key it is stored at. */
    private CachedResponse validating;
    private String validatingKey;
    private boolean allowInsert;
    private boolean head;
    private boolean rangeRequested;
    /** A response being stored: its headers and, until it ends, its body so far. */
    private Http2Headers inserting;
    private List<String> insertingVary;
    private ByteArrayOutputStream insertingBody;

    CacheFilter(CacheFilterConfig config, SimpleHttpCache cache, CacheStats stats) {
        this.config = config;
        this.cache = cache;
        this.stats = stats;
    }

    @Override
    public void setDecoderFilterCallbacks(DecoderFilterCallbacks callbacks) {
        this.decoder = callbacks;
    }

    @Override
    public void setEncoderFilterCallbacks(EncoderFilterCallbacks callbacks) {
        this.encoder = callbacks;
    }

    @Override
    public FilterStatus decodeHeaders(Http2Headers headers, boolean endStream) {
        // As Envoy: a request with a body or trailers is not the cache's.
        if (config.disabled() || !endStream || !Cacheability.canServe(headers)) {
            return FilterStatus.CONTINUE;
        }
        long now = System.currentTimeMillis();
        CacheControl.Request cc = config.ignoreRequestCacheControl() ? CacheControl.Request.EMPTY
                : CacheControl.request(headers);
        allowInsert = !cc.noStore();
        head = "HEAD".contentEquals(headers.method());
        rangeRequested = headers.contains(CacheHeaders.RANGE);
        baseKey = CacheKey.of(headers, config.key());
        state = State.LOOKED_UP;
        String key = baseKey;
        CachedResponse entry = cache.get(key);
        if (entry != null && entry.isVaryMarker()) {
            key = CacheKey.variant(baseKey, entry.vary(), headers);
            entry = cache.get(key);
        }
        if (entry == null || entry.isVaryMarker()) {
            stats.miss.increment();
            return FilterStatus.CONTINUE;
        }
        long age = entry.ageSeconds(now);
        if (Cacheability.requiresValidation(entry.headers(), cc, age)) {
            stats.validate.increment();
            state = State.VALIDATING;
            validating = entry;
            validatingKey = key;
            addValidators(headers, entry.headers());
            return FilterStatus.CONTINUE;
        }
        stats.hit.increment();
        state = State.SERVING;
        serve(entry, headers.get(CacheHeaders.RANGE), age);
        return FilterStatus.STOP_ITERATION;
    }

    /** Envoy's injectValidationHeaders: the entry's etag, and its last-modified (else its date). */
    private static void addValidators(Http2Headers request, Http2Headers stored) {
        CharSequence etag = stored.get(CacheHeaders.ETAG);
        if (etag != null) {
            request.set(CacheHeaders.IF_NONE_MATCH, etag);
        }
        CharSequence lastModified = stored.get(CacheHeaders.LAST_MODIFIED);
        CharSequence since = lastModified != null && HttpDates.parse(lastModified) >= 0 ? lastModified
                : stored.get(CacheHeaders.DATE);
        if (since != null) {
            request.set(CacheHeaders.IF_MODIFIED_SINCE, since);
        }
    }

    private void serve(CachedResponse entry, CharSequence range, long age) {
        Http2Headers h = new DefaultHttp2Headers(false);
        h.set(entry.headers());
        h.setLong(CacheHeaders.AGE, age);
        byte[] body = entry.body();
        int from = 0;
        int length = body.length;
        if (range != null && "200".contentEquals(h.status())) {
            ByteRange r = ByteRange.of(range, body.length);
            if (r == ByteRange.UNSATISFIABLE) {
                h.status("416");
                h.set(CacheHeaders.CONTENT_RANGE, "bytes */" + body.length);
                length = 0;
            } else if (r != ByteRange.WHOLE) {
                h.status("206");
                h.set(CacheHeaders.CONTENT_RANGE, "bytes " + r.start() + "-" + (r.end() - 1) + "/" + body.length);
                from = (int) r.start();
                length = (int) (r.end() - r.start());
            }
            h.setLong(CacheHeaders.CONTENT_LENGTH, length);
        }
        boolean noBody = head || length == 0;
        decoder.streamInfo().responseCodeDetails = "cache.response_from_cache_filter";
        decoder.encodeHeaders(h, noBody);
        if (!noBody) {
            decoder.encodeData(Unpooled.copiedBuffer(body, from, length), true);
        }
    }

    @Override
    public FilterStatus encodeHeaders(Http2Headers headers, boolean endStream) {
        if (state == State.PASS || state == State.SERVING) {
            return FilterStatus.CONTINUE;
        }
        if (state == State.VALIDATING && "304".contentEquals(headers.status())) {
            stats.hit.increment();
            freshen(headers);
            if (!endStream) {
                // A 304 has no body, but its framing may still send an empty end: the stored body replaces it.
                state = State.REPLACING_BODY;
                return FilterStatus.CONTINUE;
            }
            state = State.SERVING;
            if (!head && validating.body().length > 0) {
                encoder.addEncodedData(Unpooled.copiedBuffer(validating.body()));
            }
            return FilterStatus.CONTINUE;
        }
        if (state == State.VALIDATING) {
            stats.failedValidation.increment();
        }
        state = State.PASS;
        if (!allowInsert || head || rangeRequested || !Cacheability.storable(headers, config)) {
            if (allowInsert && !head && !rangeRequested) {
                stats.uncacheable.increment();
            }
            return FilterStatus.CONTINUE;
        }
        inserting = new DefaultHttp2Headers(false);
        inserting.set(headers);
        if (!inserting.contains(CacheHeaders.DATE)) {
            // RFC 9110 §6.6.1: a recipient with a clock adds the date a response lacks, so its age
            // counts from now (Envoy would take a missing date as the epoch: always stale).
            inserting.set(CacheHeaders.DATE, HttpDates.format(System.currentTimeMillis()));
        }
        insertingVary = Cacheability.vary(headers, config);
        if (!endStream && declaredLength(headers) > bodyLimit()) {
            abandonInsert();
            return FilterStatus.CONTINUE;
        }
        if (endStream) {
            store(new byte[0]);
        } else {
            insertingBody = new ByteArrayOutputStream();
        }
        return FilterStatus.CONTINUE;
    }

    /**
     * The 304 becomes the stored response: the stored status, its own headers first, the stored
     * ones it lacks (but {@code age}: a validated response is as fresh as the origin's), no
     * content-length of its own. The entry takes these headers unless the 304 names another etag.
     */
    private void freshen(Http2Headers headers) {
        Http2Headers stored = validating.headers();
        CharSequence etag = headers.get(CacheHeaders.ETAG);
        CharSequence storedEtag = stored.get(CacheHeaders.ETAG);
        boolean update = etag == null || storedEtag != null && storedEtag.toString().contentEquals(etag);
        headers.status(stored.status());
        headers.remove(CacheHeaders.CONTENT_LENGTH);
        if (!headers.contains(CacheHeaders.DATE)) {
            // As when storing: the freshened entry's age counts from now, not from the stored date.
            headers.set(CacheHeaders.DATE, HttpDates.format(System.currentTimeMillis()));
        }
        // Names as strings: the maps may hold a name as an AsciiString on one side, a String on the other.
        Set<String> own = new HashSet<>();
        for (Map.Entry<CharSequence, CharSequence> e : headers) {
            own.add(e.getKey().toString());
        }
        for (Map.Entry<CharSequence, CharSequence> e : stored) {
            if (!own.contains(e.getKey().toString()) && !CacheHeaders.AGE.contentEqualsIgnoreCase(e.getKey())) {
                headers.add(e.getKey(), e.getValue());
            }
        }
        if (update) {
            Http2Headers copy = new DefaultHttp2Headers(false);
            copy.set(headers);
            cache.replace(validatingKey, validating, new CachedResponse(copy, validating.body(),
                    System.currentTimeMillis(), validating.vary()));
        }
    }

    @Override
    public FilterStatus encodeData(ByteBuf data, boolean endStream) {
        if (state == State.REPLACING_BODY) {
            data.release();
            if (endStream) {
                state = State.SERVING;
                encoder.injectEncodedDataToFilterChain(head ? Unpooled.EMPTY_BUFFER
                        : Unpooled.copiedBuffer(validating.body()), true);
            }
            return FilterStatus.STOP_ITERATION;
        }
        if (insertingBody != null) {
            if (insertingBody.size() + (long) data.readableBytes() > bodyLimit()) {
                abandonInsert();
            } else {
                try {
                    data.getBytes(data.readerIndex(), insertingBody, data.readableBytes());
                } catch (java.io.IOException e) {
                    throw new java.io.UncheckedIOException(e); // a ByteArrayOutputStream does not throw
                }
                if (endStream) {
                    store(insertingBody.toByteArray());
                }
            }
        }
        return FilterStatus.CONTINUE;
    }

    @Override
    public FilterStatus encodeTrailers(Http2Headers trailers) {
        // Responses with trailers are not stored: the cache keeps headers and body only.
        abandonInsert();
        return FilterStatus.CONTINUE;
    }

    private long bodyLimit() {
        return config.maxBodyBytes() > 0 ? Math.min(config.maxBodyBytes(), SimpleHttpCache.MAX_ENTRY_BYTES)
                : SimpleHttpCache.MAX_ENTRY_BYTES;
    }

    /** The response's content-length, or -1. */
    private static long declaredLength(Http2Headers headers) {
        CharSequence v = headers.get(CacheHeaders.CONTENT_LENGTH);
        return v == null ? -1 : CacheControl.seconds(v.toString());
    }

    private void store(byte[] body) {
        CachedResponse response = new CachedResponse(inserting, body, System.currentTimeMillis(), insertingVary);
        if (insertingVary.isEmpty()) {
            cache.put(baseKey, response);
        } else if (cache.put(CacheKey.variant(baseKey, insertingVary, decoder.requestHeaders()), response)) {
            cache.put(baseKey, CachedResponse.varyMarker(insertingVary));
        }
        abandonInsert();
    }

    private void abandonInsert() {
        inserting = null;
        insertingBody = null;
        insertingVary = null;
    }

    @Override
    public void onDestroy() {
        abandonInsert();
        validating = null;
    }
}
