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

    /**
     * True when the response may go on: its regular headers within {@code max_headers_count} and,
     * under REJECT_REQUEST, no name with '_' (DROP_HEADER removes those names here). False is an
     * upstream protocol error.
     */
    static boolean accept(ResponseHeaderLimits limits, Http2Headers headers) {
        int regular = 0;
        List<CharSequence> underscored = null;
        for (Map.Entry<CharSequence, CharSequence> e : headers) {
            CharSequence name = e.getKey();
            if (name.length() > 0 && name.charAt(0) == ':') {
                continue;
            }
            regular++;
            if (limits.underscores() != HeadersWithUnderscoresAction.ALLOW && contains(name, '_')) {
                if (limits.underscores() == HeadersWithUnderscoresAction.REJECT_REQUEST) {
                    return false;
                }
                if (underscored == null) {
                    underscored = new ArrayList<>(2);
                }
                // Copied: the entry's name may be a view the removal below invalidates.
                underscored.add(name.toString());
            }
        }
        if (regular > limits.maxCount()) {
            return false;
        }
        if (underscored != null) {
            for (CharSequence name : underscored) {
                headers.remove(name);
            }
        }
        return true;
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
