package io.remora.extensions.filters.common;

import io.netty.handler.codec.http2.Http2Headers;
import io.netty.util.AsciiString;
import io.remora.config.HeaderMatcher;
import io.remora.config.StringMatcher;

import java.util.Iterator;
import java.util.List;
import java.util.Locale;

/**
 * Envoy's {@code HeaderUtility::matchHeaders} over a list of {@link HeaderMatcher}s (all must
 * match; an empty list matches), for filters that match request headers. An absent header (unless
 * {@code treat_missing_header_as_empty}) matches only {@code present_match: false}, or
 * {@code present_match: true} inverted. A multi-valued header is matched joined by ','.
 */
public final class RequestHeaderMatch {

    public static final RequestHeaderMatch ANY = new RequestHeaderMatch(List.of());

    private final AsciiString[] names;
    private final HeaderMatcher[] specs;

    private RequestHeaderMatch(List<HeaderMatcher> matchers) {
        names = new AsciiString[matchers.size()];
        specs = matchers.toArray(new HeaderMatcher[0]);
        for (int i = 0; i < specs.length; i++) {
            names[i] = AsciiString.of(specs[i].name().toLowerCase(Locale.ROOT));
        }
    }

    public static RequestHeaderMatch of(List<HeaderMatcher> matchers) {
        return matchers == null || matchers.isEmpty() ? ANY : new RequestHeaderMatch(matchers);
    }

    public boolean isEmpty() {
        return specs.length == 0;
    }

    public boolean matches(Http2Headers headers) {
        for (int i = 0; i < specs.length; i++) {
            if (!matches(specs[i], joinedValue(headers, names[i]))) {
                return false;
            }
        }
        return true;
    }

    private static boolean matches(HeaderMatcher spec, String value) {
        if (value == null) {
            if (!spec.treatMissingAsEmpty()) {
                Boolean present = spec.presentMatch();
                return spec.invert() ? present != null && present : present != null && !present;
            }
            value = "";
        }
        boolean match;
        StringMatcher sm = spec.stringMatch();
        if (sm != null) {
            match = sm.matches(value);
        } else if (spec.rangeMatch() != null) {
            long v = Numbers.simpleAtoi(value);
            match = v != Numbers.INVALID && v >= spec.rangeMatch().start() && v < spec.rangeMatch().end();
        } else {
            match = spec.presentMatch() != null && spec.presentMatch();
        }
        return match != spec.invert();
    }

    /** All values of a header joined by ',' (Envoy's getAllOfHeaderAsString); null when absent. */
    public static String joinedValue(Http2Headers headers, CharSequence name) {
        Iterator<CharSequence> it = headers.valueIterator(name);
        if (!it.hasNext()) {
            return null;
        }
        CharSequence first = it.next();
        if (!it.hasNext()) {
            return first.toString();
        }
        List<CharSequence> all = headers.getAll(name);
        StringBuilder b = new StringBuilder(64).append(all.get(0));
        for (int i = 1; i < all.size(); i++) {
            b.append(',').append(all.get(i));
        }
        return b.toString();
    }
}
