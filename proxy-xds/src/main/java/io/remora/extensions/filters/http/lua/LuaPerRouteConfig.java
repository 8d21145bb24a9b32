package io.remora.extensions.filters.http.lua;

import io.remora.config.RouteFilterConfig;

/**
 * {@code LuaPerRoute}: one of {@code disabled}, {@code name} (a script of the filter's
 * {@code source_codes}) or {@code source_code} (the route's own script).
 */
record LuaPerRouteConfig(boolean disabled, String name, LuaSource source) implements RouteFilterConfig {
}
