package io.remora.extensions.filters.http.jwt_authn;

import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.util.AsciiString;
import io.remora.config.RouteFilterConfig;
import io.remora.extensions.filters.http.common.OriginalUri;
import io.remora.http.filter.DecoderFilterCallbacks;
import io.remora.http.filter.FilterStatus;
import io.remora.http.filter.StreamDecoderFilter;

import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Envoy's jwt_authn filter on one request: the request continues, or is answered 401 (403 for a
 * disallowed audience or an unknown per-route requirement) with the failure as body and a
 * {@code www-authenticate: Bearer realm="<uri>"} challenge. With local or cached keys that happens
 * within {@code decodeHeaders}; when a token needs remote keys not at hand the request is held
 * while they are fetched and verified again once they (or the failure) are back on its loop.
 */
final class JwtAuthnFilter implements StreamDecoderFilter {

    private static final AsciiString WWW_AUTHENTICATE = AsciiString.cached("www-authenticate");
    private static final AsciiString ORIGIN = AsciiString.cached("origin");
    private static final AsciiString ACCESS_CONTROL_REQUEST_METHOD =
            AsciiString.cached("access-control-request-method");
    private static final String DETAILS_PREFIX = "jwt_authn_access_denied";

    private final JwtAuthnFilterProvider.Factory factory;
    private DecoderFilterCallbacks cb;
    private JwtAuthnStats stats;
    private JwtRequirement requirement;
    private String uri;
    private JwtVerification verification;
    /** Key fetches this request waits for; while above zero, the request is held. */
    private int fetches;
    private boolean destroyed;

    JwtAuthnFilter(JwtAuthnFilterProvider.Factory factory) {
        this.factory = factory;
    }

    @Override
    public void setDecoderFilterCallbacks(DecoderFilterCallbacks callbacks) {
        this.cb = callbacks;
    }

    @Override
    public FilterStatus decodeHeaders(Http2Headers headers, boolean endStream) {
        JwtAuthnConfig config = factory.config;
        stats = factory.stats(cb.connectionManagerStats().prefix());
        if (config.bypassCorsPreflight() && isCorsPreflight(headers)) {
            // A preflight carries no credentials, whatever the requirement.
            stats.corsPreflightBypassed.increment();
            stats.allowed.increment();
            return FilterStatus.CONTINUE;
        }
        RouteFilterConfig perRoute = cb.perFilterConfig();
        if (perRoute instanceof JwtAuthnPerRouteConfig r) {
            requirement = r.disabled() ? null : config.requirementMap().get(r.requirementName());
            if (!r.disabled() && requirement == null) {
                String error = "Wrong requirement_name: " + r.requirementName() + ". It should be one of ["
                        + String.join(",", new TreeSet<>(config.requirementMap().keySet())) + "]";
                stats.denied.increment();
                cb.sendLocalReply(403, config.stripFailureResponse() ? "" : "Failed JWT authentication: " + error,
                        null, details(error));
                return FilterStatus.STOP_ITERATION;
            }
        } else {
            requirement = find(config, headers);
        }
        if (requirement == null) {
            stats.allowed.increment();
            return FilterStatus.CONTINUE;
        }
        uri = OriginalUri.of(headers);
        verification = new JwtVerification(headers, config.providers(), System.currentTimeMillis() / 1000,
                factory.freshRemoteKeys(), factory.jwtCaches, stats);
        return verify();
    }

    @Override
    public FilterStatus decodeData(ByteBuf data, boolean endStream) {
        return fetches > 0 ? FilterStatus.STOP_ITERATION_AND_BUFFER : FilterStatus.CONTINUE;
    }

    @Override
    public FilterStatus decodeTrailers(Http2Headers trailers) {
        return fetches > 0 ? FilterStatus.STOP_ITERATION : FilterStatus.CONTINUE;
    }

    @Override
    public void onDestroy() {
        destroyed = true;
    }

    /** Verifies, unless remote keys are needed first: then fetches them and holds the request. */
    private FilterStatus verify() {
        Set<String> needed = missingKeys();
        if (!needed.isEmpty()) {
            fetches = needed.size();
            for (String provider : needed) {
                factory.jwks(provider).fetch(cb.eventLoop(), keys -> onKeys(provider, keys));
            }
            return FilterStatus.STOP_ITERATION;
        }
        return decide();
    }

    /**
     * The remote key sets a trial run reaches without having them. Found by trying rather than from
     * the requirement, since Envoy fetches only for a token that names the provider and passes its
     * claims: a request without one never waits.
     */
    private Set<String> missingKeys() {
        if (factory.allRemoteKeysIn(verification.remoteKeys)) {
            return Set.of();
        }
        JwtVerification trial = verification.trial();
        trial.evaluate(requirement);
        return trial.unresolved;
    }

    private void onKeys(String provider, JwksKeys keys) {
        if (destroyed) {
            return;
        }
        verification.remoteKeys.put(provider, keys == null ? JwtVerification.FETCH_FAILED : keys);
        if (--fetches == 0 && verify() == FilterStatus.CONTINUE) {
            cb.continueDecoding();
        }
    }

    private FilterStatus decide() {
        JwtAuthnConfig config = factory.config;
        JwtVerification v = verification;
        JwtStatus status = v.evaluate(requirement);
        // Envoy's root verifier sets the extracted data before it reports the outcome, a failure too.
        for (Map.Entry<String, Object> e : v.extracted.entrySet()) {
            cb.streamInfo().setDynamicMetadata(JwtAuthnConfig.NAME, e.getKey(), e.getValue());
        }
        if (status != JwtStatus.OK) {
            stats.denied.increment();
            int code = status == JwtStatus.AUDIENCE_NOT_ALLOWED ? 403 : 401;
            if (config.stripFailureResponse()) {
                cb.sendLocalReply(code, "", null, details(status.message));
            } else {
                String challenge = "Bearer realm=\"" + uri + "\""
                        + (status == JwtStatus.MISSING ? "" : ", error=\"invalid_token\"");
                cb.sendLocalReply(code, status.message, null, details(status.message),
                        h -> h.set(WWW_AUTHENTICATE, challenge), -1);
            }
            return FilterStatus.STOP_ITERATION;
        }
        if (v.clearRouteCache) {
            cb.clearRouteCache();
        }
        stats.allowed.increment();
        return FilterStatus.CONTINUE;
    }

    /** The rules first (first match wins), then the filter state rules (Envoy's findVerifier). */
    private JwtRequirement find(JwtAuthnConfig config, Http2Headers headers) {
        for (JwtAuthnConfig.Rule rule : config.rules()) {
            if (rule.match().matches(headers)) {
                return rule.requirement();
            }
        }
        if (!config.filterStateName().isEmpty()) {
            Object state = cb.filterState().get(config.filterStateName());
            if (state != null) {
                return config.filterStateRequires().get(state.toString());
            }
        }
        return null;
    }

    private static boolean isCorsPreflight(Http2Headers h) {
        return "OPTIONS".contentEquals(h.method() == null ? "" : h.method())
                && notEmpty(h.get(ORIGIN)) && notEmpty(h.get(ACCESS_CONTROL_REQUEST_METHOD));
    }

    private static boolean notEmpty(CharSequence s) {
        return s != null && s.length() > 0;
    }

    /** Response details without spaces, since access log processors split on them. */
    private static String details(String message) {
        return DETAILS_PREFIX + "{" + message.replaceAll("\\s", "_") + "}";
    }
}
