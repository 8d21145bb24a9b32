package io.remora.config;

import java.time.Duration;

/**
 * {@code config.route.v3.RouteAction.HashPolicy}: what of a request the consistent-hash load
 * balancers hash. {@code terminal}: once this policy produced a hash, later ones are skipped.
 */
public sealed interface HashPolicy {

    boolean terminal();

    /** A request header's value, each value first rewritten by {@code regexRewrite} when not null. */
    record Header(String name, ForwardAction.RegexRewrite regexRewrite, boolean terminal) implements HashPolicy {
        public Header(String name, boolean terminal) {
            this(name, null, terminal);
        }
    }

    /**
     * A cookie's value; with a ttl, a missing cookie is generated and set on the response
     * (Istio's {@code httpCookie}). ttl null: never generated; ZERO: a session cookie.
     * {@code attributes} are appended to a generated cookie, in order, before HttpOnly.
     */
    record Cookie(String name, Duration ttl, String path, boolean terminal,
                  java.util.List<CookieAttribute> attributes) implements HashPolicy {
        public Cookie(String name, Duration ttl, String path, boolean terminal) {
            this(name, ttl, path, terminal, java.util.List.of());
        }
    }

    /** A generated cookie's attribute: {@code ; name=value}, or {@code ; name} when value is empty. */
    record CookieAttribute(String name, String value) {
    }

    /** {@code connection_properties.source_ip}. */
    record SourceIp(boolean terminal) implements HashPolicy {
    }

    /** A query parameter's value. */
    record QueryParameter(String name, boolean terminal) implements HashPolicy {
    }

    /** A filter state object's hash: a string object hashes its value; other objects yield none. */
    record FilterState(String key, boolean terminal) implements HashPolicy {
    }
}
