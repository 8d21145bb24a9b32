package io.remora.config;

import java.util.List;
import java.util.Map;

/**
 * {@code scoped_routes} of a connection manager: the request's scope key, built from its headers,
 * picks the route configuration the stream routes by (Envoy's scoped routes, listed inline in
 * {@code scoped_route_configurations_list} or delivered by scoped RDS).
 *
 * @param name       the scoped routes' name (stats and dumps)
 * @param keyBuilder {@code scope_key_builder.fragments}, in order
 * @param scopes     by key: the fragments of {@code key.fragments}, in order (inline scopes)
 * @param srds       the scopes are those scoped RDS delivered ({@link ServerConfig#scopedRoutes}), read
 *                   at each stream's start; {@code scopes} is empty
 */
public record ScopedRoutesConfig(String name, List<KeyFragment> keyBuilder, Map<List<String>, Scope> scopes,
                                 boolean srds) {

    public ScopedRoutesConfig {
        keyBuilder = List.copyOf(keyBuilder);
        scopes = Map.copyOf(scopes);
    }

    /** Inline scopes. */
    public ScopedRoutesConfig(String name, List<KeyFragment> keyBuilder, Map<List<String>, Scope> scopes) {
        this(name, keyBuilder, scopes, false);
    }

    /**
     * A {@code header_value_extractor}: the first value of {@code header}, split by
     * {@code elementSeparator} (empty: the whole value is one element), then the element at
     * {@code index}, or, when {@code kvKey} is set, the value of the element {@code kvKey}
     * {@code kvSeparator} value.
     */
    public record KeyFragment(String header, String elementSeparator, int index, String kvSeparator, String kvKey) {
    }

    /**
     * One {@code ScopedRouteConfiguration}: its route configuration from RDS ({@code rdsName}) or
     * inline ({@code routes}), exactly one set. An {@code on_demand} scope SRDS delivered is not
     * {@code loaded} until a request asks for it (Envoy's on-demand scopes): until then it routes nothing.
     */
    public record Scope(String name, String rdsName, RouteConfiguration routes, boolean loaded) {
        public Scope(String name, String rdsName, RouteConfiguration routes) {
            this(name, rdsName, routes, true);
        }
    }
}
