package io.remora.extensions.filters.http.cache;

import io.netty.handler.codec.http2.Http2Headers;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/** Envoy's CacheabilityUtils: which requests may be answered from the cache, which responses stored. */
final class Cacheability {

    /** RFC 9110 §15.1's heuristically cacheable codes, as Envoy lists them (206 aside: ranges are not stored). */
    private static final Set<String> CACHEABLE_STATUS = Set.of("200", "203", "204", "300", "301", "308", "404",
            "405", "410", "414", "451", "501");

    private Cacheability() {
    }

    /**
     * A GET or HEAD with a path and host, http or https, without {@code authorization} and without
     * the conditional headers a client validates its own copy with (passed through, as Envoy).
     */
    static boolean canServe(Http2Headers request) {
        if (request.contains(CacheHeaders.IF_NONE_MATCH) || request.contains(CacheHeaders.IF_MODIFIED_SINCE)
                || request.contains(CacheHeaders.IF_RANGE) || request.contains(CacheHeaders.AUTHORIZATION)
                || request.path() == null || request.authority() == null) {
            return false;
        }
        CharSequence method = request.method();
        if (method == null || !("GET".contentEquals(method) || "HEAD".contentEquals(method))) {
            return false;
        }
        String scheme = CacheKey.scheme(request);
        return scheme.equals("http") || scheme.equals("https");
    }

    /**
     * A status Envoy stores, not {@code no-store}/{@code private}, enough to tell its freshness
     * ({@code no-cache}, {@code max-age}/{@code s-maxage}, or {@code expires} with {@code date}),
     * and a {@code vary} naming only allowed headers.
     */
    static boolean storable(Http2Headers response, CacheFilterConfig config) {
        CharSequence status = response.status();
        if (status == null || !CACHEABLE_STATUS.contains(status.toString())) {
            return false;
        }
        CacheControl.Response cc = CacheControl.response(response);
        boolean freshnessKnown = cc.mustValidate() || cc.maxAge() != CacheControl.NONE
                || response.contains(CacheHeaders.DATE) && response.contains(CacheHeaders.EXPIRES);
        return !cc.noStore() && freshnessKnown && vary(response, config) != null;
    }

    /**
     * The lower-case header names the response varies on (empty when none); null when it varies
     * on {@code *} or on a header {@code allowed_vary_headers} does not allow.
     */
    static List<String> vary(Http2Headers response, CacheFilterConfig config) {
        List<String> out = new ArrayList<>(0);
        for (CharSequence v : response.getAll(CacheHeaders.VARY)) {
            for (String name : v.toString().split(",")) {
                String n = name.trim().toLowerCase(Locale.ROOT);
                if (n.isEmpty()) {
                    continue;
                }
                if (n.equals("*") || !config.allowsVary(n)) {
                    return null;
                }
                out.add(n);
            }
        }
        return out;
    }

    /** Envoy's requiresValidation: whether a stored response of this age must be validated first. */
    static boolean requiresValidation(Http2Headers stored, CacheControl.Request request, long ageSeconds) {
        CacheControl.Response cc = CacheControl.response(stored);
        if (cc.mustValidate() || request.mustValidate()
                || request.maxAge() != CacheControl.NONE && request.maxAge() < ageSeconds) {
            return true;
        }
        long lifetime = cc.maxAge() != CacheControl.NONE ? cc.maxAge()
                : (HttpDates.parse(stored.get(CacheHeaders.EXPIRES)) - HttpDates.parse(stored.get(CacheHeaders.DATE)))
                / 1000;
        if (ageSeconds < lifetime) {
            long minFresh = request.minFresh() == CacheControl.NONE ? 0 : request.minFresh();
            return lifetime - ageSeconds < minFresh;
        }
        boolean allowedStale = request.maxStale() != CacheControl.NONE && request.maxStale() > ageSeconds - lifetime;
        return cc.noStale() || !allowedStale;
    }
}
