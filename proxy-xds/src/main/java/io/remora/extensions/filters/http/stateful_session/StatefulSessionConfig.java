package io.remora.extensions.filters.http.stateful_session;

import io.remora.config.HttpFilterConfig;
import io.remora.config.RouteFilterConfig;

import java.time.Duration;

/**
 * {@code envoy.filters.http.stateful_session}'s {@code StatefulSession}, the filter's or a route's
 * (the most specific replaces it whole); a route's {@code disabled} is a config without state.
 *
 * @param cookieName  the cookie naming the host ({@code envoy.http.stateful_session.cookie}), or null
 * @param cookiePath  the cookie's Path ("" for none)
 * @param cookieTtl   the cookie's Max-Age (zero: a session cookie)
 * @param headerName  the header naming the host ({@code envoy.http.stateful_session.header}), or null
 * @param strict      no other host when the session's is not available: 503
 */
record StatefulSessionConfig(String cookieName, String cookiePath, Duration cookieTtl, String headerName,
                             boolean strict) implements HttpFilterConfig, RouteFilterConfig {

    static final String NAME = "envoy.filters.http.stateful_session";
    static final StatefulSessionConfig DISABLED = new StatefulSessionConfig(null, "", Duration.ZERO, null, false);

    boolean disabled() {
        return cookieName == null && headerName == null;
    }

    /**
     * Envoy's cookie state applies only to requests under the cookie's path: all without one (or
     * "/"), a prefix ending in '/', else the path itself or it followed by '/', '?' or '#'.
     */
    boolean pathMatches(CharSequence requestPath) {
        String p = cookiePath;
        if (p.isEmpty() || p.equals("/")) {
            return true;
        }
        if (requestPath == null || requestPath.length() < p.length()
                || !p.contentEquals(requestPath.subSequence(0, p.length()))) {
            return false;
        }
        if (p.endsWith("/") || requestPath.length() == p.length()) {
            return true;
        }
        char next = requestPath.charAt(p.length());
        return next == '/' || next == '?' || next == '#';
    }

    @Override
    public String filterName() {
        return NAME;
    }
}
