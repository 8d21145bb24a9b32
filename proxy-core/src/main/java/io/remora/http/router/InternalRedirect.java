package io.remora.http.router;

import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.util.AsciiString;
import io.remora.config.InternalRedirectPolicy;
import io.remora.network.ConnectionInfo;
import io.remora.network.FilterState;
import io.remora.route.RouteEntry;
import io.remora.stats.HttpConnManagerStats;

import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * A route's internal redirect policy at work (Envoy's router {@code setupRedirect} and
 * {@code convertRequestHeadersForInternalRedirect}): an upstream redirect the policy follows
 * does not go downstream; the request's headers are pointed at the Location and the connection
 * manager runs the request again. Its per-request state lives in the stream's filter state, so a
 * stream that never redirects carries none.
 */
public final class InternalRedirect {
    private static final Logger LOG = io.remora.log.Logging.logger("router");

    /** Envoy's names: redirects taken so far, and a previous_routes predicate's targets per route. */
    static final String COUNT_STATE = "num_internal_redirects";
    static final String PREVIOUS_ROUTES_STATE = "envoy.internal_redirect.previous_routes_predicate_state";

    private static final AsciiString LOCATION = AsciiString.cached("location");
    private static final AsciiString X_FORWARDED_PROTO = AsciiString.cached("x-forwarded-proto");
    private static final AsciiString ORIGINAL_URL = AsciiString.cached("x-envoy-original-url");
    private static final AsciiString CONTENT_LENGTH = AsciiString.cached("content-length");
    private static final AsciiString GET = AsciiString.cached("GET");

    private InternalRedirect() {
    }

    /**
     * Follows the redirect in {@code response} when the request and the policy allow it: true when
     * the request is running again (this router is finished), false when the response should go
     * downstream as it is.
     */
    static boolean follow(RouterFilter r, UpstreamRequest a, Http2Headers response, int status, boolean endStream) {
        CharSequence location = response.get(LOCATION);
        // Only a request that arrived whole and is still held whole can be sent again.
        if (r.tunnel == null && r.downstreamEnded && (r.replayable() || r.body.count() == 0)
                && location != null && retarget(r, response, location.toString(), status)) {
            ByteBuf body = r.body.takeAll(io.netty.buffer.ByteBufAllocator.DEFAULT);
            if (endStream) {
                // The redirect's response is whole: its connection can serve the next request.
                a.complete();
            }
            if (r.cb.recreateStream(body, response)) {
                r.stats.upstreamInternalRedirectSucceededTotal.increment();
                return true;
            }
        } else if (LOG.isLoggable(Level.FINE)) {
            RetryLog.log(r.cb, "internal redirect failed: " + (!r.downstreamEnded ? "request incomplete"
                    : location == null ? "missing location header" : "request body not replayable"));
        }
        r.stats.upstreamInternalRedirectFailedTotal.increment();
        return false;
    }

    /**
     * Envoy's convertRequestHeadersForInternalRedirect: checks the Location, the scheme, the count
     * and the target route's predicates, and rewrites the request headers for the next run; leaves
     * them as they were (but for the route cache) when it refuses.
     */
    private static boolean retarget(RouterFilter r, Http2Headers response, String location, int status) {
        InternalRedirectPolicy policy = r.action.internalRedirectPolicy();
        HttpConnManagerStats hs = r.cb.connectionManagerStats();
        Http2Headers request = r.requestHeaders;
        CharSequence path = request.path();
        if (path == null) {
            return refused(r, "no path in the request");
        }
        Url url = Url.parse(location);
        if (url == null) {
            hs.passthroughInternalRedirectBadLocation.increment();
            return refused(r, "invalid location " + location);
        }
        boolean schemeIsHttp = schemeIsHttp(request, r.cb.connection());
        boolean targetIsHttp = url.scheme.equalsIgnoreCase("http");
        if (!policy.allowCrossSchemeRedirect() && schemeIsHttp != targetIsHttp) {
            hs.passthroughInternalRedirectUnsafeScheme.increment();
            return refused(r, "incorrect scheme for " + location);
        }
        FilterState state = r.cb.filterState();
        int taken = state.get(COUNT_STATE) instanceof Integer n ? n : 0;
        if (taken >= policy.maxInternalRedirects()) {
            hs.passthroughInternalRedirectTooManyRedirects.increment();
            return refused(r, "redirect limits exceeded");
        }
        Saved saved = new Saved(request, policy.responseHeadersToCopy());
        for (String name : policy.responseHeadersToCopy()) {
            List<CharSequence> values = response.getAll(name);
            request.remove(name);
            for (CharSequence v : values) {
                request.add(name, v);
            }
        }
        request.scheme(url.scheme);
        request.authority(url.hostAndPort);
        request.path(url.pathAndQuery);
        r.cb.clearRouteCache();
        RouteEntry target = r.cb.route();
        if (target == null) {
            saved.restore(r);
            hs.passthroughInternalRedirectNoRoute.increment();
            return refused(r, "no route found");
        }
        String targetName = nameOf(target);
        for (InternalRedirectPolicy.Predicate p : policy.predicates()) {
            if (!accepts(p, state, nameOf(r.route), targetName, !schemeIsHttp, !targetIsHttp)) {
                saved.restore(r);
                hs.passthroughInternalRedirectPredicate.increment();
                return refused(r, "rejecting redirect targeting " + targetName + ", by " + p);
            }
        }
        if (status == 303 && !isGetOrHead(request.method())) {
            // RFC 9110 15.4.4: the redirected request is a GET, without the body.
            request.method(GET);
            request.remove(CONTENT_LENGTH);
            r.body.release();
        }
        // Request scoped, so the next run's router (and its routes' policies) sees the count.
        state.set(COUNT_STATE, taken + 1, FilterState.Mutability.MUTABLE);
        request.set(ORIGINAL_URL, (schemeIsHttp ? "http" : "https") + "://" + saved.authority + saved.path);
        return true;
    }

    private static boolean refused(RouterFilter r, String why) {
        if (LOG.isLoggable(Level.FINE)) {
            RetryLog.log(r.cb, "internal redirect failed: " + why);
        }
        return false;
    }

    /** Envoy's: http when x-forwarded-proto says so, or when the downstream connection has no TLS. */
    static boolean schemeIsHttp(Http2Headers request, ConnectionInfo connection) {
        CharSequence proto = request.get(X_FORWARDED_PROTO);
        if (proto != null && AsciiString.contentEqualsIgnoreCase(proto, "http")) {
            return true;
        }
        return connection == null || connection.tls() == null;
    }

    private static boolean isGetOrHead(CharSequence method) {
        return method != null && (AsciiString.contentEquals("GET", method) || AsciiString.contentEquals("HEAD", method));
    }

    private static String nameOf(RouteEntry route) {
        String n = route == null ? null : route.route().name();
        return n == null ? "" : n;
    }

    /** Envoy's predicates' acceptTargetRoute. */
    @SuppressWarnings("unchecked")
    static boolean accepts(InternalRedirectPolicy.Predicate p, FilterState state, String currentRoute,
                           String targetRoute, boolean downstreamIsHttps, boolean targetIsHttps) {
        if (p instanceof InternalRedirectPolicy.AllowListedRoutes a) {
            return a.routeNames().contains(targetRoute);
        }
        if (p instanceof InternalRedirectPolicy.SafeCrossScheme) {
            return !downstreamIsHttps || targetIsHttps;
        }
        // previous_routes, kept per redirecting route as Envoy's: the targets it already sent the request to.
        String key = PREVIOUS_ROUTES_STATE + "." + currentRoute;
        Set<String> seen = state.get(key) instanceof Set<?> s ? (Set<String>) s : null;
        if (seen == null) {
            seen = new HashSet<>(4);
            state.set(key, seen, FilterState.Mutability.MUTABLE);
        }
        return seen.add(targetRoute);
    }

    /** What retargeting changes, to put back when a later check refuses the redirect. */
    private static final class Saved {
        final CharSequence scheme;
        final CharSequence authority;
        final CharSequence path;
        final List<String> copied;
        final List<List<CharSequence>> copiedValues;

        Saved(Http2Headers h, List<String> copied) {
            scheme = h.scheme();
            authority = h.authority();
            path = h.path();
            this.copied = copied;
            copiedValues = new java.util.ArrayList<>(copied.size());
            for (String name : copied) {
                copiedValues.add(List.copyOf(h.getAll(name)));
            }
        }

        void restore(RouterFilter r) {
            Http2Headers h = r.requestHeaders;
            if (scheme == null) {
                h.remove(Http2Headers.PseudoHeaderName.SCHEME.value());
            } else {
                h.scheme(scheme);
            }
            if (authority == null) {
                h.remove(Http2Headers.PseudoHeaderName.AUTHORITY.value());
            } else {
                h.authority(authority);
            }
            h.path(path);
            for (int i = 0; i < copied.size(); i++) {
                h.remove(copied.get(i));
                for (CharSequence v : copiedValues.get(i)) {
                    h.add(copied.get(i), v);
                }
            }
            r.cb.clearRouteCache();
        }
    }

    /** An absolute Location: scheme, host[:port], and path with query (no fragment; "/" when empty). */
    public record Url(String scheme, String hostAndPort, String pathAndQuery) {
        public static Url parse(String s) {
            int sep = s.indexOf("://");
            if (sep <= 0) {
                return null;
            }
            String scheme = s.substring(0, sep);
            if (!scheme.equalsIgnoreCase("http") && !scheme.equalsIgnoreCase("https")) {
                return null;
            }
            int start = sep + 3;
            int end = start;
            while (end < s.length() && "/?#".indexOf(s.charAt(end)) < 0) {
                end++;
            }
            String authority = s.substring(start, end);
            if (authority.isEmpty() || authority.indexOf('@') >= 0 || authority.indexOf(' ') >= 0) {
                return null;
            }
            String rest = s.substring(end);
            int hash = rest.indexOf('#');
            if (hash >= 0) {
                // A Location may carry a fragment; a request path may not.
                rest = rest.substring(0, hash);
            }
            if (rest.isEmpty() || rest.charAt(0) == '?') {
                rest = "/" + rest;
            }
            if (rest.indexOf(' ') >= 0) {
                return null;
            }
            return new Url(scheme.toLowerCase(java.util.Locale.ROOT), authority, rest);
        }
    }
}
