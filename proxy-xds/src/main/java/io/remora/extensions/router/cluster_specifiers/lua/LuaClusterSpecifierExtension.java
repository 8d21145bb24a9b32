package io.remora.extensions.router.cluster_specifiers.lua;

import io.envoyproxy.envoy.config.core.v3.DataSource;
import io.envoyproxy.envoy.extensions.router.cluster_specifiers.lua.v3.LuaConfig;
import io.remora.config.ClusterSpecifierPlugin;
import io.remora.extensions.ClusterSpecifierExtension;
import io.remora.xds.translate.FieldPath;
import io.remora.xds.translate.Protos;
import io.remora.xds.translate.TranslationContext;
import io.remora.xds.translate.TypedConfig;

import java.util.List;

/**
 * {@code envoy.router.cluster_specifier_plugin.lua}
 * ({@code envoy.extensions.router.cluster_specifiers.lua.v3.LuaConfig}). As Envoy, a script that
 * does not load or defines no {@code envoy_on_route} refuses the config, naming
 * {@code source_code}.
 */
public final class LuaClusterSpecifierExtension implements ClusterSpecifierExtension {

    @Override
    public List<String> names() {
        return List.of("envoy.router.cluster_specifier_plugin.lua");
    }

    @Override
    public List<String> configTypes() {
        return List.of("envoy.extensions.router.cluster_specifiers.lua.v3.LuaConfig");
    }

    @Override
    public ClusterSpecifierPlugin translate(TypedConfig config, FieldPath path, TranslationContext ctx) {
        LuaConfig lua = config.unpack(LuaConfig.class, path);
        FieldPath sp = path.field("source_code");
        if (!lua.hasSourceCode()) {
            throw sp.error("missing required field");
        }
        String code = Protos.dataSource(lua.getSourceCode(), sp);
        if (code == null) {
            throw sp.error("missing required field: one of inline_string, inline_bytes, filename,"
                    + " environment_variable");
        }
        DataSource ds = lua.getSourceCode();
        String chunk = ds.getSpecifierCase() == DataSource.SpecifierCase.FILENAME ? ds.getFilename() : sp.toString();
        String error = RouteScript.loadError(chunk, code);
        if (error != null) {
            throw sp.error(error);
        }
        return new LuaClusterSpecifier(chunk, code, lua.getDefaultCluster());
    }
}
