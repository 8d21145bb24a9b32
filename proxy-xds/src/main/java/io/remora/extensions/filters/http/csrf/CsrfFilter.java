package io.remora.extensions.filters.http.csrf;

import io.micrometer.core.instrument.Counter;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.util.AsciiString;
import io.remora.config.StringMatcher;
import io.remora.extensions.filters.http.common.HcmCounters;
import io.remora.http.filter.DecoderFilterCallbacks;
import io.remora.http.filter.FilterStatus;
import io.remora.http.filter.StreamDecoderFilter;
import io.remora.runtime.FractionalPercent;

import java.util.concurrent.ThreadLocalRandom;

/**
 * Envoy's CSRF filter for one request: a mutating request (POST, PUT, DELETE, PATCH) whose source
 * origin (Origin, else Referer, as host[:port]) is neither the request's own host nor one of the
 * additional origins gets 403 "Invalid origin" when the policy is enabled, and is only counted when
 * it is in shadow mode.
 */
final class CsrfFilter implements StreamDecoderFilter {

    static final String MISSING_SOURCE_ORIGIN = "envoy_http_csrf_missing_source_origin";
    static final String REQUEST_INVALID = "envoy_http_csrf_request_invalid";
    static final String REQUEST_VALID = "envoy_http_csrf_request_valid";
    /** Indexes of the counters in {@link HcmCounters#of}, in the order the names are given. */
    private static final int MISSING = 0;
    private static final int INVALID = 1;
    private static final int VALID = 2;

    private static final AsciiString ORIGIN = AsciiString.cached("origin");
    private static final AsciiString REFERER = AsciiString.cached("referer");

    private final CsrfPolicyConfig config;
    private final HcmCounters counters;
    private DecoderFilterCallbacks cb;

    CsrfFilter(CsrfPolicyConfig config, HcmCounters counters) {
        this.config = config;
        this.counters = counters;
    }

    @Override
    public void setDecoderFilterCallbacks(DecoderFilterCallbacks callbacks) {
        this.cb = callbacks;
    }

    @Override
    public FilterStatus decodeHeaders(Http2Headers headers, boolean endStream) {
        CsrfPolicyConfig policy = cb.perFilterConfig() instanceof CsrfPolicyConfig route ? route : config;
        boolean enabled = enabled(policy.enabledKey(), policy.enabled());
        boolean shadow = policy.shadow() != null && enabled(policy.shadowKey(), policy.shadow());
        if (!enabled && !shadow || !mutating(headers.method())) {
            return FilterStatus.CONTINUE;
        }
        Counter[] stats = counters.of(cb.connectionManagerStats().prefix());
        boolean valid = true;
        String source = hostAndPort(headers.get(ORIGIN));
        if (source.isEmpty()) {
            source = hostAndPort(headers.get(REFERER));
        }
        if (source.isEmpty()) {
            valid = false;
            stats[MISSING].increment();
        }
        if (!allowed(policy, source, headers.authority())) {
            valid = false;
            stats[INVALID].increment();
        }
        if (valid) {
            stats[VALID].increment();
            return FilterStatus.CONTINUE;
        }
        if (!enabled) {
            return FilterStatus.CONTINUE; // shadow mode: counted, not enforced
        }
        cb.sendLocalReply(403, "Invalid origin", null, "csrf_origin_mismatch");
        return FilterStatus.STOP_ITERATION;
    }

    private boolean enabled(String key, FractionalPercent dflt) {
        return cb.serverContext().runtime().featureEnabled(key, dflt, ThreadLocalRandom.current().nextLong());
    }

    private static boolean mutating(CharSequence method) {
        return method != null && ("POST".contentEquals(method) || "PUT".contentEquals(method)
                || "DELETE".contentEquals(method) || "PATCH".contentEquals(method));
    }

    /** The source is the request's own host[:port], or an additional origin matches it. */
    private static boolean allowed(CsrfPolicyConfig policy, String source, CharSequence host) {
        String target = host == null || host.length() == 0 ? "" : authority(host.toString(), 0);
        if (source.equals(target)) {
            return true;
        }
        for (StringMatcher m : policy.additionalOrigins()) {
            if (m.matches(source)) {
                return true;
            }
        }
        return false;
    }

    /**
     * The host[:port] of an absolute URL (Envoy's Url::hostAndPort), or the value itself when it is
     * not one (e.g. {@code Origin: null}); "" when absent or empty.
     */
    static String hostAndPort(CharSequence header) {
        if (header == null || header.length() == 0) {
            return "";
        }
        String s = header.toString();
        int sep = s.indexOf("://");
        if (sep <= 0 || !scheme(s, sep)) {
            return s;
        }
        String authority = authority(s, sep + 3);
        return authority == null ? s : authority;
    }

    /** The authority at {@code start}, up to the path, query or fragment, without user info; null if empty or malformed. */
    private static String authority(String s, int start) {
        int end = start;
        while (end < s.length() && "/?#".indexOf(s.charAt(end)) < 0) {
            end++;
        }
        int at = s.lastIndexOf('@', end - 1);
        if (at >= start) {
            start = at + 1;
        }
        for (int i = start; i < end; i++) {
            if (s.charAt(i) <= ' ') {
                return null;
            }
        }
        return start == end ? null : s.substring(start, end);
    }

    /** RFC 3986 scheme: a letter, then letters, digits, '+', '-' or '.'. */
    private static boolean scheme(String s, int end) {
        for (int i = 0; i < end; i++) {
            char c = s.charAt(i);
            boolean letter = (c | 0x20) >= 'a' && (c | 0x20) <= 'z';
            if (!letter && (i == 0 || !(c >= '0' && c <= '9' || c == '+' || c == '-' || c == '.'))) {
                return false;
            }
        }
        return true;
    }
}
