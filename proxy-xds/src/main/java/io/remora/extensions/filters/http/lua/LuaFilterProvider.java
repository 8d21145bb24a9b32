package io.remora.extensions.filters.http.lua;

import io.remora.http.filter.HttpFilterFactory;
import io.remora.server.ServerContext;

import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** Builds the per-stream {@link LuaFilter}s of one configured Lua filter. */
public final class LuaFilterProvider implements HttpFilterFactory.Provider<LuaConfig> {

    @Override
    public Class<LuaConfig> configType() {
        return LuaConfig.class;
    }

    @Override
    public HttpFilterFactory create(LuaConfig config, ServerContext context) {
        return create(config, context, "");
    }

    @Override
    public HttpFilterFactory create(LuaConfig config, ServerContext context, String statPrefix) {
        return new Factory(config, new LuaStats(context.stats().meterRegistry(), statPrefix, config.statPrefix()));
    }

    static final class Factory implements HttpFilterFactory {
        final LuaConfig config;
        final LuaStats stats;
        final LuaScript defaultScript;
        private final Map<String, LuaScript> named = new HashMap<>();
        /** Routes' own scripts ({@code LuaPerRoute.source_code}), loaded once per loop however many streams take them. */
        private final Map<LuaSource, LuaScript> routeScripts = new ConcurrentHashMap<>();

        Factory(LuaConfig config, LuaStats stats) {
            this.config = config;
            this.stats = stats;
            this.defaultScript = config.defaultSource() == null ? null : new LuaScript(config.defaultSource());
            config.sources().forEach((name, source) -> named.put(name, new LuaScript(source)));
        }

        LuaScript named(String name) {
            return named.get(name);
        }

        LuaScript routeScript(LuaSource source) {
            return routeScripts.computeIfAbsent(source, LuaScript::new);
        }

        @Override
        public LuaFilter newFilter() {
            return new LuaFilter(this);
        }
    }
}
