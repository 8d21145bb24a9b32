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
 * {@code present_match: true} inverted. A header sent more than once is matched value by value
 * (one matching is a match, then inverted), as Envoy 1.39's {@code match_headers_individually};
 * see {@link io.remora.route.CompiledHeaderMatcher}.
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
            if (!matches(specs[i], headers, names[i])) {
                return false;
            }
        }
        return true;
    }

    private static boolean matches(HeaderMatcher spec, Http2Headers headers, AsciiString name) {
        Iterator<CharSequence> it = headers.valueIterator(name);
        if (!it.hasNext()) {
            if (!spec.treatMissingAsEmpty()) {
                Boolean present = spec.presentMatch();
                return spec.invert() ? present != null && present : present != null && !present;
            }
            return matchesValue(spec, "") != spec.invert();
        }
        CharSequence first = it.next();
        if (!it.hasNext()) {
            return matchesValue(spec, first.toString()) != spec.invert();
        }
        for (CharSequence v : headers.getAll(name)) {
            if (matchesValue(spec, v.toString())) {
                return !spec.invert();
            }
        }
        return spec.invert();
    }

    private static boolean matchesValue(HeaderMatcher spec, String value) {
        StringMatcher sm = spec.stringMatch();
        if (sm != null) {
            return sm.matches(value);
        }
        if (spec.rangeMatch() != null) {
            long v = Numbers.simpleAtoi(value);
            return v != Numbers.INVALID && v >= spec.rangeMatch().start() && v < spec.rangeMatch().end();
        }
        return spec.presentMatch() != null && spec.presentMatch();
    }
}
