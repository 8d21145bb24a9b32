package io.remora.extensions.filters.http.lua;

import io.remora.config.HttpFilterConfig;

import java.util.Map;

/**
 * {@code envoy.extensions.filters.http.lua.v3.Lua}.
 *
 * @param defaultSource   {@code inline_code} or {@code default_source_code}; null when neither
 * @param sources         {@code source_codes}, which routes pick by name
 * @param clearRouteCache whether changing request headers makes the route be looked up again
 *                        ({@code clear_route_cache}, true when unset)
 */
record LuaConfig(String statPrefix, LuaSource defaultSource, Map<String, LuaSource> sources,
                 boolean clearRouteCache) implements HttpFilterConfig {

    static final String NAME = "envoy.filters.http.lua";

    LuaConfig {
        sources = Map.copyOf(sources);
    }

    @Override
    public String filterName() {
        return NAME;
    }
}
