package io.remora.route;

import io.netty.handler.codec.http2.Http2Headers;
import io.netty.util.AsciiString;
import io.remora.config.HeaderMatcher;
import io.remora.config.StringMatcher;

import java.util.Iterator;

/**
 * Envoy's {@code HeaderUtility::matchHeaders} for one {@link HeaderMatcher}. An absent header
 * (unless {@code treat_missing_header_as_empty}) matches only {@code present_match: false}, or
 * {@code present_match: true} inverted; every other kind fails on it, inverted or not. A header
 * sent more than once is matched value by value, as Envoy 1.39 does
 * ({@code match_headers_individually}; RBAC since 1.37.1): one value matching is a match, and
 * {@code invert_match} turns that whole answer. Joining the values first let a rule for "admin"
 * miss {@code x-role: user} + {@code x-role: admin} (a deny bypassed).
 */
public final class CompiledHeaderMatcher {

    private final AsciiString name;
    private final StringMatcher stringMatch;
    private final Boolean present;
    private final HeaderMatcher.Range range;
    private final boolean invert;
    private final boolean treatMissingAsEmpty;

    public CompiledHeaderMatcher(HeaderMatcher spec) {
        this.name = AsciiString.of(AsciiCase.lower(spec.name()));
        this.stringMatch = spec.stringMatch();
        this.present = spec.presentMatch();
        this.range = spec.rangeMatch();
        this.invert = spec.invert();
        this.treatMissingAsEmpty = spec.treatMissingAsEmpty();
        if (stringMatch == null && present == null && range == null) {
            throw new IllegalArgumentException("header matcher '" + spec.name() + "' has no match kind");
        }
    }

    /**
     * A matcher of request headers: Envoy's request header map answers the legacy name {@code host} with
     * {@code :authority} (its static lookup table maps one to the other), so a {@code host} matcher sees the authority
     * of an HTTP/2 request as of an HTTP/1.1 one.
     */
    public static CompiledHeaderMatcher forRequest(HeaderMatcher spec) {
        if (!spec.name().equalsIgnoreCase("host")) {
            return new CompiledHeaderMatcher(spec);
        }
        return new CompiledHeaderMatcher(new HeaderMatcher(":authority", spec.stringMatch(), spec.presentMatch(),
                spec.rangeMatch(), spec.invert(), spec.treatMissingAsEmpty()));
    }

    public boolean matches(Http2Headers headers) {
        Iterator<CharSequence> it = headers.valueIterator(name);
        if (!it.hasNext()) {
            if (!treatMissingAsEmpty) {
                boolean isPresentMatch = present != null;
                return invert ? isPresentMatch && present : isPresentMatch && !present;
            }
            return matchesValue("") != invert;
        }
        CharSequence first = it.next();
        if (!it.hasNext()) {
            return matchesValue(first.toString()) != invert;
        }
        for (CharSequence v : headers.getAll(name)) {
            if (matchesValue(v.toString())) {
                return !invert;
            }
        }
        return invert;
    }

    private boolean matchesValue(String value) {
        if (stringMatch != null) {
            return stringMatch.matches(value);
        }
        if (range != null) {
            return inRange(value);
        }
        return present;
    }

    private boolean inRange(String value) {
        long v;
        try {
            v = simpleAtoi(value);
        } catch (NumberFormatException e) {
            return false;
        }
        return v >= range.start() && v < range.end();
    }

    /** absl::SimpleAtoi: optional surrounding ASCII whitespace and sign, decimal digits, no overflow. */
    static long simpleAtoi(CharSequence s) {
        int from = 0;
        int to = s.length();
        while (from < to && isSpace(s.charAt(from))) {
            from++;
        }
        while (to > from && isSpace(s.charAt(to - 1))) {
            to--;
        }
        if (from < to && s.charAt(from) == '+') {
            // Long.parseLong accepts a leading '+' too, but not "+-1"; keep its rules.
            if (to - from > 1 && s.charAt(from + 1) == '-') {
                throw new NumberFormatException(s.toString());
            }
        }
        return Long.parseLong(s, from, to, 10);
    }

    private static boolean isSpace(char c) {
        return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == 0x0b;
    }
}
