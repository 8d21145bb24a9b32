package io.remora.extensions.filters.http.cache;

import io.netty.handler.codec.http2.Http2Headers;

import java.util.List;
import java.util.Locale;

/**
 * {@code cache-control} directives as Envoy's RequestCacheControl / ResponseCacheControl read them
 * (RFC 9111 §5.2): comma-separated, {@code name[=value]}, quoted values unquoted, a bad
 * delta-seconds ignored. Several header lines count as one list.
 */
final class CacheControl {

    /** Absent duration. */
    static final long NONE = -1;
    /** {@code max-stale} without a value: any staleness. */
    static final long ANY = Long.MAX_VALUE;

    private CacheControl() {
    }

    /**
     * A request's directives.
     *
     * @param mustValidate {@code no-cache} (or, with no cache-control, {@code pragma: no-cache})
     */
    record Request(boolean mustValidate, boolean noStore, long maxAge, long minFresh, long maxStale) {
        static final Request EMPTY = new Request(false, false, NONE, NONE, NONE);
    }

    /**
     * A response's directives.
     *
     * @param noStore {@code no-store} or {@code private} (a shared cache may store neither)
     * @param noStale {@code must-revalidate} or {@code proxy-revalidate}
     * @param maxAge  {@code s-maxage}, else {@code max-age}, in seconds; {@link #NONE} if neither
     */
    record Response(boolean mustValidate, boolean noStore, boolean noStale, long maxAge) {
    }

    static Request request(Http2Headers h) {
        List<CharSequence> values = h.getAll(CacheHeaders.CACHE_CONTROL);
        if (values.isEmpty()) {
            // RFC 9111 §5.4: pragma: no-cache counts only without a cache-control.
            for (CharSequence p : h.getAll(CacheHeaders.PRAGMA)) {
                for (String d : p.toString().split(",")) {
                    if (d.trim().equalsIgnoreCase("no-cache")) {
                        return new Request(true, false, NONE, NONE, NONE);
                    }
                }
            }
            return Request.EMPTY;
        }
        boolean mustValidate = false;
        boolean noStore = false;
        long maxAge = NONE;
        long minFresh = NONE;
        long maxStale = NONE;
        for (CharSequence v : values) {
            for (String full : v.toString().split(",")) {
                String[] d = directive(full);
                switch (d[0]) {
                    case "no-cache" -> mustValidate = true;
                    case "no-store" -> noStore = true;
                    case "max-age" -> maxAge = seconds(d[1]);
                    case "min-fresh" -> minFresh = seconds(d[1]);
                    case "max-stale" -> maxStale = d[1].isEmpty() ? ANY : seconds(d[1]);
                    default -> {
                    }
                }
            }
        }
        return new Request(mustValidate, noStore, maxAge, minFresh, maxStale);
    }

    static Response response(Http2Headers h) {
        boolean mustValidate = false;
        boolean noStore = false;
        boolean noStale = false;
        long sMaxAge = NONE;
        long maxAge = NONE;
        for (CharSequence v : h.getAll(CacheHeaders.CACHE_CONTROL)) {
            for (String full : v.toString().split(",")) {
                String[] d = directive(full);
                switch (d[0]) {
                    case "no-cache" -> mustValidate = true;
                    case "must-revalidate", "proxy-revalidate" -> noStale = true;
                    case "no-store", "private" -> noStore = true;
                    case "s-maxage" -> sMaxAge = seconds(d[1]);
                    case "max-age" -> maxAge = maxAge == NONE ? seconds(d[1]) : maxAge;
                    default -> {
                    }
                }
            }
        }
        return new Response(mustValidate, noStore, noStale, sMaxAge != NONE ? sMaxAge : maxAge);
    }

    /** {name, argument}: the name lower-cased, the argument unquoted ("" when none). */
    private static String[] directive(String full) {
        String s = full.trim();
        int eq = s.indexOf('=');
        String name = (eq < 0 ? s : s.substring(0, eq)).trim().toLowerCase(Locale.ROOT);
        String arg = eq < 0 ? "" : s.substring(eq + 1).trim();
        if (arg.length() > 1 && arg.charAt(0) == '"' && arg.charAt(arg.length() - 1) == '"') {
            arg = arg.substring(1, arg.length() - 1);
        }
        return new String[] {name, arg};
    }

    /** A delta-seconds, {@link #NONE} when not one; past 2^31 taken as 2^31 (RFC 9111 §1.2.2). */
    static long seconds(String s) {
        if (s.isEmpty()) {
            return NONE;
        }
        for (int i = 0; i < s.length(); i++) {
            if (s.charAt(i) < '0' || s.charAt(i) > '9') {
                return NONE;
            }
        }
        return s.length() > 10 ? 1L << 31 : Math.min(Long.parseLong(s), 1L << 31);
    }
}
