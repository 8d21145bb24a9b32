package io.remora.extensions.filters.http.lua;

import io.envoyproxy.envoy.config.core.v3.DataSource;
import io.envoyproxy.envoy.extensions.filters.http.lua.v3.Lua;
import io.envoyproxy.envoy.extensions.filters.http.lua.v3.LuaPerRoute;
import io.remora.config.RouteFilterConfig;
import io.remora.extensions.HttpFilterExtension;
import io.remora.http.filter.HttpFilterFactory;
import io.remora.xds.translate.FieldPath;
import io.remora.xds.translate.Protos;
import io.remora.xds.translate.TranslationContext;
import io.remora.xds.translate.TypedConfig;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code envoy.filters.http.lua} ({@code envoy.extensions.filters.http.lua.v3.Lua}, per route
 * {@code LuaPerRoute}). As Envoy, a script that does not load (syntax error, error in its top
 * level, unreadable file) refuses the config with the field that holds it. A script may answer
 * requests itself, so the filter counts as access control: never skipped when unsupported.
 */
public final class LuaExtension implements HttpFilterExtension<LuaConfig> {

    @Override
    public List<String> names() {
        return List.of(LuaConfig.NAME, "envoy.lua");
    }

    @Override
    public List<String> configTypes() {
        return List.of("envoy.extensions.filters.http.lua.v3.Lua");
    }

    @Override
    public List<String> perRouteConfigTypes() {
        return List.of("envoy.extensions.filters.http.lua.v3.LuaPerRoute");
    }

    @Override
    public boolean enforcesAccess() {
        return true;
    }

    @Override
    @SuppressWarnings("deprecation") // inline_code is deprecated for default_source_code; Envoy still runs it
    public LuaConfig translate(TypedConfig config, FieldPath path, TranslationContext ctx) {
        if (config == null) {
            throw path.error("missing required field: the Lua filter needs a typed_config");
        }
        Lua lua = config.unpack(Lua.class, path);
        LuaSource defaultSource = null;
        if (lua.hasDefaultSourceCode()) {
            if (!lua.getInlineCode().isEmpty()) {
                throw path.error("only one of inline_code or default_source_code can be set for the Lua filter");
            }
            defaultSource = source(lua.getDefaultSourceCode(), path.field("default_source_code"));
        } else if (!lua.getInlineCode().isEmpty()) {
            defaultSource = checked(LuaSource.of("inline_code", lua.getInlineCode()), path.field("inline_code"));
        }
        Map<String, LuaSource> sources = new LinkedHashMap<>();
        for (Map.Entry<String, DataSource> e : lua.getSourceCodesMap().entrySet()) {
            sources.put(e.getKey(), source(e.getValue(), path.field("source_codes").key(e.getKey())));
        }
        boolean clearRouteCache = !lua.hasClearRouteCache() || lua.getClearRouteCache().getValue();
        return new LuaConfig(lua.getStatPrefix(), defaultSource, sources, clearRouteCache);
    }

    @Override
    public RouteFilterConfig translatePerRoute(TypedConfig config, FieldPath path, TranslationContext ctx) {
        LuaPerRoute p = config.unpack(LuaPerRoute.class, path);
        return switch (p.getOverrideCase()) {
            case DISABLED -> {
                if (!p.getDisabled()) {
                    throw path.field("disabled").error("must be true");
                }
                yield new LuaPerRouteConfig(true, null, null);
            }
            case NAME -> {
                if (p.getName().isEmpty()) {
                    throw path.field("name").error("must not be empty");
                }
                yield new LuaPerRouteConfig(false, p.getName(), null);
            }
            case SOURCE_CODE -> new LuaPerRouteConfig(false, null, source(p.getSourceCode(), path.field("source_code")));
            case OVERRIDE_NOT_SET -> throw path.error("missing required field: one of disabled, name, source_code");
        };
    }

    private static LuaSource source(DataSource ds, FieldPath path) {
        String code = Protos.dataSource(ds, path);
        if (code == null) {
            throw path.error("missing required field: one of inline_string, inline_bytes, filename, environment_variable");
        }
        String name = ds.getSpecifierCase() == DataSource.SpecifierCase.FILENAME ? ds.getFilename() : path.toString();
        return checked(LuaSource.of(name, code), path);
    }

    private static LuaSource checked(LuaSource s, FieldPath path) {
        String error = LuaVm.loadError(s);
        if (error != null) {
            throw path.error("script load error: " + error);
        }
        return s;
    }

    @Override
    public HttpFilterFactory.Provider<LuaConfig> runtime() {
        return new LuaFilterProvider();
    }
}
