package io.remora.extensions.filters.http.cors;

import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.Http2Headers;
import io.remora.config.ForwardAction;
import io.remora.config.RouteFilterConfig;
import io.remora.config.StringMatcher;
import io.remora.http.filter.DecoderFilterCallbacks;
import io.remora.http.filter.EncoderFilterCallbacks;
import io.remora.http.filter.FilterStatus;
import io.remora.http.filter.StreamFilter;
import io.remora.route.RouteEntry;
import io.remora.runtime.FractionalPercent;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Envoy's CORS filter for one stream. The policies are the route's: the typed per-filter configs
 * (route before virtual host), or else the deprecated {@code cors} fields (route action, then
 * virtual host); each setting is taken from the most specific policy that sets it. A preflight
 * (OPTIONS with Origin and Access-Control-Request-Method) from an allowed origin is answered here
 * with 200; other requests from an allowed origin get the Access-Control-* headers on their
 * response; a request whose origin does not match is left alone (a non-matching preflight goes
 * upstream unless {@code forward_not_matching_preflights} is false).
 */
final class CorsFilter implements StreamFilter {

    private static final String DETAILS = "cors_response";

    private final CorsFilterFactory factory;
    private DecoderFilterCallbacks decoder;
    /** Most specific first. */
    private List<CorsPolicyConfig> policies = List.of();
    private boolean isCorsRequest;
    private String latchedOrigin;

    CorsFilter(CorsFilterFactory factory) {
        this.factory = factory;
    }

    @Override
    public void setDecoderFilterCallbacks(DecoderFilterCallbacks callbacks) {
        this.decoder = callbacks;
    }

    @Override
    public void setEncoderFilterCallbacks(EncoderFilterCallbacks callbacks) {
    }

    @Override
    public FilterStatus decodeHeaders(Http2Headers headers, boolean endStream) {
        RouteEntry route = decoder.route();
        // Envoy's CORS acts on forwarding routes only (redirects and direct responses have no route entry).
        if (route == null || !(route.route().action() instanceof ForwardAction)) {
            return FilterStatus.CONTINUE;
        }
        policies = policies(route);
        if (policies.isEmpty()) {
            return FilterStatus.CONTINUE;
        }
        CorsPolicyConfig first = policies.get(0);
        boolean enabled = fraction(first.filterEnabled(), first.filterEnabledKey(), true);
        boolean shadow = fraction(first.shadowEnabled(), first.shadowEnabledKey(), false);
        if (!enabled && !shadow) {
            return FilterStatus.CONTINUE;
        }
        CharSequence originHeader = headers.get("origin");
        if (originHeader == null || originHeader.length() == 0) {
            return FilterStatus.CONTINUE;
        }
        String origin = originHeader.toString();
        CorsStats stats = factory.stats(decoder.connectionManagerStats().prefix());
        boolean allowed = originAllowed(origin);
        if (allowed) {
            stats.originValid.increment();
            latchedOrigin = origin;
        } else {
            stats.originInvalid.increment();
        }
        if (!enabled) {
            return FilterStatus.CONTINUE; // shadow mode: counted, not enforced
        }
        isCorsRequest = true;
        CharSequence method = headers.method();
        if (method == null || !"OPTIONS".contentEquals(method)) {
            return FilterStatus.CONTINUE;
        }
        CharSequence requestMethod = headers.get("access-control-request-method");
        if (requestMethod == null || requestMethod.length() == 0) {
            return FilterStatus.CONTINUE;
        }
        if (!allowed && forwardNotMatchingPreflights()) {
            return FilterStatus.CONTINUE;
        }
        Http2Headers reply = new DefaultHttp2Headers().status("200");
        if (allowed) {
            reply.set("access-control-allow-origin", origin);
        }
        if (allowCredentials()) {
            reply.set("access-control-allow-credentials", "true");
        }
        String methods = first(CorsPolicyConfig::allowMethods);
        if (!methods.isEmpty()) {
            reply.set("access-control-allow-methods", methods.equals("*") ? requestMethod : methods);
        }
        String allowHeaders = first(CorsPolicyConfig::allowHeaders);
        if (!allowHeaders.isEmpty()) {
            if (!allowHeaders.equals("*")) {
                reply.set("access-control-allow-headers", allowHeaders);
            } else {
                // Envoy echoes the request's list, an empty value when the preflight named none.
                CharSequence requested = headers.get("access-control-request-headers");
                reply.set("access-control-allow-headers", requested == null ? "" : requested);
            }
        }
        String maxAge = first(CorsPolicyConfig::maxAge);
        if (!maxAge.isEmpty()) {
            reply.set("access-control-max-age", maxAge);
        }
        CharSequence pna = headers.get("access-control-request-private-network");
        if (allowPrivateNetworkAccess() && pna != null && "true".contentEquals(pna)) {
            reply.set("access-control-allow-private-network", "true");
        }
        decoder.streamInfo().responseCodeDetails = DETAILS;
        decoder.encodeHeaders(reply, true);
        return FilterStatus.STOP_ITERATION;
    }

    @Override
    public FilterStatus encodeHeaders(Http2Headers headers, boolean endStream) {
        if (!isCorsRequest || latchedOrigin == null) {
            return FilterStatus.CONTINUE;
        }
        headers.set("access-control-allow-origin", latchedOrigin);
        if (allowCredentials()) {
            headers.set("access-control-allow-credentials", "true");
        }
        String expose = first(CorsPolicyConfig::exposeHeaders);
        if (!expose.isEmpty()) {
            headers.set("access-control-expose-headers", expose);
        }
        return FilterStatus.CONTINUE;
    }

    private List<CorsPolicyConfig> policies(RouteEntry route) {
        String cluster = decoder.clusterName();
        List<RouteFilterConfig> typed = decoder.perFilterConfigs();
        List<CorsPolicyConfig> out = new ArrayList<>(2);
        for (int i = typed.size() - 1; i >= 0; i--) {
            if (typed.get(i) instanceof CorsPolicyConfig p) {
                out.add(p);
            }
        }
        if (out.isEmpty()) {
            // Envoy reads the deprecated route and virtual host fields only when no typed policy applies.
            List<RouteFilterConfig> legacy = route.perFilterConfigs(CorsPolicyConfig.LEGACY_KEY, cluster);
            for (int i = legacy.size() - 1; i >= 0; i--) {
                if (legacy.get(i) instanceof CorsPolicyConfig p) {
                    out.add(p);
                }
            }
        }
        return out;
    }

    /** Envoy's {@code featureEnabled(runtime_key, default_value)}; {@code unset} when the policy has none. */
    private boolean fraction(FractionalPercent dflt, String runtimeKey, boolean unset) {
        if (dflt == null) {
            return unset;
        }
        if (runtimeKey.isEmpty()) {
            return dflt.evaluate(ThreadLocalRandom.current().nextLong());
        }
        return decoder.serverContext().runtime().featureEnabled(runtimeKey, dflt);
    }

    private boolean originAllowed(String origin) {
        for (CorsPolicyConfig p : policies) {
            if (!p.allowOrigins().isEmpty()) {
                for (StringMatcher m : p.allowOrigins()) {
                    if (m.matches("*") || m.matches(origin)) {
                        return true;
                    }
                }
                return false;
            }
        }
        return false;
    }

    private String first(java.util.function.Function<CorsPolicyConfig, String> field) {
        for (CorsPolicyConfig p : policies) {
            String v = field.apply(p);
            if (!v.isEmpty()) {
                return v;
            }
        }
        return "";
    }

    private boolean flag(java.util.function.Function<CorsPolicyConfig, Boolean> field, boolean dflt) {
        for (CorsPolicyConfig p : policies) {
            Boolean v = field.apply(p);
            if (v != null) {
                return v;
            }
        }
        return dflt;
    }

    private boolean allowCredentials() {
        return flag(CorsPolicyConfig::allowCredentials, false);
    }

    private boolean allowPrivateNetworkAccess() {
        return flag(CorsPolicyConfig::allowPrivateNetworkAccess, false);
    }

    private boolean forwardNotMatchingPreflights() {
        return flag(CorsPolicyConfig::forwardNotMatchingPreflights, true);
    }
}
