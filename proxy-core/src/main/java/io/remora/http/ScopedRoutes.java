package io.remora.http;

import io.netty.handler.codec.http2.Http2Headers;
import io.remora.config.ScopedRoutesConfig;
import io.remora.server.ServerContext;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Scoped routes, as Envoy's {@code ScopedConfigImpl}: a stream's scope key is computed from its
 * request headers when it starts, and the scope with that key gives the route configuration
 * (RDS or inline) the stream routes by. No key (a header or an element missing) or no such scope:
 * no route, a 404 NR from the router. Scopes from scoped RDS are those of the server's current
 * config at the stream's start: a stream keeps the routes it started with while scopes change.
 * An on-demand scope not yet loaded routes nothing; the on_demand filter loads it
 * ({@link RouteConfigUpdates}).
 */
final class ScopedRoutes implements Routes.Provider {
    /** An on-demand scope not loaded yet: no route, as Envoy's scope without its route configuration. */
    private static final Routes.Provider UNLOADED = () -> Routes.NONE;

    private final ScopedRoutesConfig config;
    private final ServerContext context;
    /** Inline scopes, or SRDS's for the scope map they were made for (its identity). */
    private volatile Scopes scopes;

    private record Scopes(Map<List<String>, ScopedRoutesConfig.Scope> of, Map<List<String>, Routes.Provider> providers) {
    }

    ScopedRoutes(ScopedRoutesConfig config, ServerContext context) {
        this.config = config;
        this.context = context;
        this.scopes = providers(config.scopes());
    }

    private Scopes providers(Map<List<String>, ScopedRoutesConfig.Scope> of) {
        Map<List<String>, Routes.Provider> providers = new HashMap<>();
        of.forEach((key, scope) -> providers.put(key, !scope.loaded() ? UNLOADED : scope.routes() != null
                ? Routes.inline(scope.routes(), context) : Routes.rds(context, scope.rdsName())));
        return new Scopes(of, providers);
    }

    @Override
    public Routes current() {
        return Routes.NONE;
    }

    @Override
    public Routes current(Http2Headers headers) {
        List<String> key = key(config.keyBuilder(), headers);
        if (key == null) {
            return Routes.NONE;
        }
        Scopes s = scopes;
        if (config.srds()) {
            Map<List<String>, ScopedRoutesConfig.Scope> now = context.scopedRoutes();
            if (s.of() != now) {
                s = providers(now);
                scopes = s;
            }
        }
        Routes.Provider p = s.providers().get(key);
        return p == null ? Routes.NONE : p.current();
    }

    /** The scope key of a request, or null when a fragment cannot be computed. */
    static List<String> key(List<ScopedRoutesConfig.KeyFragment> builder, Http2Headers headers) {
        List<String> key = new ArrayList<>(builder.size());
        for (ScopedRoutesConfig.KeyFragment f : builder) {
            String fragment = fragment(f, headers);
            if (fragment == null) {
                return null;
            }
            key.add(fragment);
        }
        return key;
    }

    private static String fragment(ScopedRoutesConfig.KeyFragment f, Http2Headers headers) {
        // An untrusted header: only its first value counts, as in Envoy.
        CharSequence v = headers == null ? null : headers.get(f.header());
        if (v == null) {
            return null;
        }
        String value = v.toString();
        String[] elements = f.elementSeparator().isEmpty() ? new String[] {value}
                : value.split(java.util.regex.Pattern.quote(f.elementSeparator()), -1);
        if (f.kvKey() == null) {
            return f.index() < elements.length ? elements[f.index()] : null;
        }
        for (String e : elements) {
            // Split at the first separator; an element without one is a key with an empty value.
            int at = e.indexOf(f.kvSeparator());
            String k = at < 0 ? e : e.substring(0, at);
            if (k.equals(f.kvKey())) {
                return at < 0 ? "" : e.substring(at + f.kvSeparator().length());
            }
        }
        return null;
    }
}
