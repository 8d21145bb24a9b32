package io.remora.extensions.filters.http.cache;

import io.netty.handler.codec.http2.Http2Headers;

import java.util.List;
import java.util.Map;

/**
 * One stored response: its headers (never changed once stored: a 304 stores a new copy), body,
 * and when it was received; or, for a response that varies, the marker at its URL's key naming the
 * request headers that pick the stored variant ({@code headers} then null).
 *
 * @param responseTime when the response (or the 304 that freshened it) arrived, epoch millis
 * @param vary         lower-case request header names of the response's {@code vary}; empty when none
 */
record CachedResponse(Http2Headers headers, byte[] body, long responseTime, List<String> vary) {

    CachedResponse {
        vary = List.copyOf(vary);
    }

    static CachedResponse varyMarker(List<String> vary) {
        return new CachedResponse(null, new byte[0], 0, vary);
    }

    boolean isVaryMarker() {
        return headers == null;
    }

    /** Roughly what it holds, for the cache's bound. */
    long weight(String key) {
        long w = 64L + key.length() + body.length;
        if (headers != null) {
            for (Map.Entry<CharSequence, CharSequence> e : headers) {
                w += e.getKey().length() + e.getValue().length() + 32;
            }
        }
        for (String v : vary) {
            w += v.length() + 16;
        }
        return w;
    }

    /**
     * RFC 9111 §4.2.3 as Envoy's calculateAge: the larger of the {@code age} received and the
     * apparent age (response time minus {@code date}), plus the time resident here; whole seconds.
     */
    long ageSeconds(long now) {
        long date = HttpDates.parse(headers.get(CacheHeaders.DATE));
        long apparent = date < 0 ? 0 : Math.max(0, responseTime - date);
        CharSequence ageHeader = headers.get(CacheHeaders.AGE);
        long received = ageHeader == null ? 0 : CacheControl.seconds(ageHeader.toString());
        long initial = Math.max(apparent, Math.max(0, received) * 1000);
        return (initial + Math.max(0, now - responseTime)) / 1000;
    }
}
