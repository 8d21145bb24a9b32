package io.remora.route;

import io.netty.handler.codec.http2.Http2Headers;
import io.netty.util.AsciiString;
import io.remora.config.HeaderMatcher;
import io.remora.config.StringMatcher;

import java.util.Iterator;
import java.util.List;

/**
 * Envoy's {@code HeaderUtility::matchHeaders} for one {@link HeaderMatcher}. An absent header
 * (unless {@code treat_missing_header_as_empty}) matches only {@code present_match: false}, or
 * {@code present_match: true} inverted; every other kind fails on it, inverted or not.
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

    public boolean matches(Http2Headers headers) {
        String value = joinedValue(headers, name);
        if (value == null) {
            if (!treatMissingAsEmpty) {
                boolean isPresentMatch = present != null;
                return invert ? isPresentMatch && present : isPresentMatch && !present;
            }
            value = "";
        }
        boolean match;
        if (stringMatch != null) {
            match = stringMatch.matches(value);
        } else if (range != null) {
            match = inRange(value);
        } else {
            match = present;
        }
        return match != invert;
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

    /** All values of a header joined by ',', as Envoy's getAllOfHeaderAsString; null when absent. */
    static String joinedValue(Http2Headers headers, CharSequence name) {
        Iterator<CharSequence> it = headers.valueIterator(name);
        if (!it.hasNext()) {
            return null;
        }
        CharSequence first = it.next();
        if (!it.hasNext()) {
            return first.toString();
        }
        // Rare: valueIterator need not keep insertion order, getAll does.
        List<CharSequence> all = headers.getAll(name);
        StringBuilder b = new StringBuilder(64).append(all.get(0));
        for (int i = 1; i < all.size(); i++) {
            b.append(',').append(all.get(i));
        }
        return b.toString();
    }
}
