package io.remora.http.upstream;

import io.netty.handler.codec.http2.Http2Headers;
import io.remora.config.HttpConnectionManagerConfig.HeadersWithUnderscoresAction;
import io.remora.config.ResponseHeaderLimits;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** A response head from an upstream checked against its cluster's {@link ResponseHeaderLimits}, either codec. */
final class ResponseHeaderChecks {

    private ResponseHeaderChecks() {
    }

    /** What {@link #check} found: the response may go on, or which limit it broke. */
    enum Verdict { ACCEPT, TOO_MANY_HEADERS, UNDERSCORE }

    /** HTTP/1.1: {@link #check} with the header lines counted (Envoy's HTTP/1 codec). */
    static boolean accept(ResponseHeaderLimits limits, Http2Headers headers) {
        return check(limits, headers, false) == Verdict.ACCEPT;
    }

    /**
     * Whether the response may go on: its headers within {@code max_headers_count} (with
     * {@code pseudoCounted}, :status too, as Envoy's HTTP/2 codec counts every field of the map)
     * and, under REJECT_REQUEST, no name with '_' (DROP_HEADER removes those names here).
     */
    static Verdict check(ResponseHeaderLimits limits, Http2Headers headers, boolean pseudoCounted) {
        int counted = 0;
        List<CharSequence> underscored = null;
        for (Map.Entry<CharSequence, CharSequence> e : headers) {
            CharSequence name = e.getKey();
            if (name.length() > 0 && name.charAt(0) == ':') {
                counted += pseudoCounted ? 1 : 0;
                continue;
            }
            counted++;
            if (limits.underscores() != HeadersWithUnderscoresAction.ALLOW && contains(name, '_')) {
                if (limits.underscores() == HeadersWithUnderscoresAction.REJECT_REQUEST) {
                    return Verdict.UNDERSCORE;
                }
                if (underscored == null) {
                    underscored = new ArrayList<>(2);
                }
                // Copied: the entry's name may be a view the removal below invalidates.
                underscored.add(name.toString());
            }
        }
        if (counted > limits.maxCount()) {
            return Verdict.TOO_MANY_HEADERS;
        }
        if (underscored != null) {
            for (CharSequence name : underscored) {
                headers.remove(name);
            }
        }
        return Verdict.ACCEPT;
    }

    /**
     * Trailers past {@code max_headers_count}: Envoy's codecs count a trailer section on its own
     * against the same limit as the head (HTTP/1 completeCurrentHeader, HTTP/2 saveHeader), a codec
     * error of the connection (HTTP/1) or a reset of the stream (HTTP/2).
     */
    static boolean tooManyTrailers(ResponseHeaderLimits limits, Http2Headers trailers) {
        return trailers.size() > limits.maxCount();
    }

    private static boolean contains(CharSequence s, char c) {
        for (int i = 0; i < s.length(); i++) {
            if (s.charAt(i) == c) {
                return true;
            }
        }
        return false;
    }
}
