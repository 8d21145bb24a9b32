package io.remora.extensions.filters.http.cache;

import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.Http2Headers;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Freshness, cache-control and range rules as Envoy's cache applies them (RFC 9111, RFC 9110 §14). */
class CacheabilityTest {

    private static Http2Headers request(String... kv) {
        Http2Headers h = new DefaultHttp2Headers();
        for (int i = 0; i < kv.length; i += 2) {
            h.add(kv[i], kv[i + 1]);
        }
        return h;
    }

    private static boolean validate(String responseCacheControl, String requestCacheControl, long age) {
        return Cacheability.requiresValidation(request("cache-control", responseCacheControl),
                CacheControl.request(requestCacheControl == null ? request() : request("cache-control", requestCacheControl)),
                age);
    }

    @Test
    void freshnessFollowsBothSidesDirectives() {
        assertFalse(validate("max-age=10", null, 9));
        assertTrue(validate("max-age=10", null, 10), "stale at its lifetime");
        assertTrue(validate("s-maxage=5, max-age=100", null, 6), "s-maxage wins for a shared cache");
        assertTrue(validate("max-age=10, no-cache", null, 0));
        assertTrue(validate("max-age=10", "no-cache", 0));
        assertTrue(validate("max-age=10", "max-age=3", 4));
        assertTrue(validate("max-age=10", "min-fresh=5", 6), "only 4 seconds left");
        assertFalse(validate("max-age=10", "max-stale=5", 12));
        assertFalse(validate("max-age=10", "max-stale", 1000));
        assertTrue(validate("max-age=10, must-revalidate", "max-stale", 12));
        assertTrue(validate("max-age=\"x\"", null, 0), "a bad max-age gives no lifetime");
        assertTrue(CacheControl.request(request("pragma", "no-cache")).mustValidate());
        assertFalse(CacheControl.request(request("pragma", "no-cache", "cache-control", "max-age=1")).mustValidate(),
                "pragma counts only without cache-control");
        assertTrue(CacheControl.response(request("cache-control", "private")).noStore());
    }

    @Test
    void expiresAndDateGiveTheLifetime() {
        Http2Headers stored = request("date", HttpDates.format(0), "expires", HttpDates.format(60_000));
        assertFalse(Cacheability.requiresValidation(stored, CacheControl.Request.EMPTY, 59));
        assertTrue(Cacheability.requiresValidation(stored, CacheControl.Request.EMPTY, 60));
        assertEquals(784111777000L, HttpDates.parse("Sun, 06 Nov 1994 08:49:37 GMT"));
        assertEquals(784111777000L, HttpDates.parse("Sunday, 06-Nov-94 08:49:37 GMT"));
        assertEquals(784111777000L, HttpDates.parse("Sun Nov  6 08:49:37 1994"));
        assertEquals(-1, HttpDates.parse("yesterday"));
    }

    @Test
    void rangesAgainstAStoredBody() {
        assertEquals(new ByteRange(2, 5), ByteRange.of("bytes=2-4", 10));
        assertEquals(new ByteRange(7, 10), ByteRange.of("bytes=-3", 10));
        assertEquals(new ByteRange(4, 10), ByteRange.of("bytes=4-", 10));
        assertEquals(ByteRange.WHOLE, ByteRange.of("bytes=0-", 10), "the whole body is a 200");
        assertEquals(ByteRange.WHOLE, ByteRange.of("bytes=0-1,3-4", 10), "several ranges: the whole body");
        assertEquals(ByteRange.WHOLE, ByteRange.of("items=0-1", 10));
        assertEquals(ByteRange.WHOLE, ByteRange.of("bytes=4-2", 10));
        assertEquals(ByteRange.UNSATISFIABLE, ByteRange.of("bytes=10-", 10));
        assertEquals(ByteRange.UNSATISFIABLE, ByteRange.of("bytes=-0", 10));
    }

    @Test
    void agesCountTheReceivedAgeAndTheTimeStored() {
        CachedResponse r = new CachedResponse(request("date", HttpDates.format(10_000), "age", "30"), new byte[0],
                15_000, java.util.List.of());
        assertEquals(30 + 5, r.ageSeconds(20_000), "the larger of age and apparent age, plus resident time");
    }
}
