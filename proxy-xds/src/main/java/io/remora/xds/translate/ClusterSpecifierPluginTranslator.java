package io.remora.xds.translate;

import io.envoyproxy.envoy.config.route.v3.ClusterSpecifierPlugin;
import io.remora.config.ClusterSpecifier;
import io.remora.extensions.ClusterSpecifierExtension;
import io.remora.extensions.ExtensionRegistry;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code config.route.v3.ClusterSpecifierPlugin}: a route configuration's
 * {@code cluster_specifier_plugins} (by name) and a route's {@code inline_cluster_specifier_plugin},
 * each built by the {@link ClusterSpecifierExtension} its config type names. As Envoy, a plugin of a
 * type this build lacks is refused unless {@code is_optional}; an optional one gives its routes no
 * cluster (503 when selected).
 */
final class ClusterSpecifierPluginTranslator {

    /** What an optional plugin of an unknown type stands for: Envoy fails the routes that select it. */
    private static final io.remora.config.ClusterSpecifierPlugin NONE = headers -> null;

    private ClusterSpecifierPluginTranslator() {
    }

    /** {@code cluster_specifier_plugins}, by their extension names, which must be unique. */
    static Map<String, ClusterSpecifier.Plugin> named(List<ClusterSpecifierPlugin> plugins, FieldPath path,
                                                      TranslationContext ctx) {
        Map<String, ClusterSpecifier.Plugin> out = new HashMap<>();
        for (int i = 0; i < plugins.size(); i++) {
            FieldPath pp = path.index(i);
            ClusterSpecifier.Plugin p = translate(plugins.get(i), pp, ctx);
            if (out.putIfAbsent(p.name(), p) != null) {
                throw pp.field("extension").field("name").error("only one cluster specifier plugin of the same"
                        + " name is allowed: '" + p.name() + "'");
            }
        }
        return out;
    }

    /** A route's {@code cluster_specifier_plugin}: one of its route configuration's by name. */
    static ClusterSpecifier.Plugin byName(String name, FieldPath path, TranslationContext ctx) {
        ClusterSpecifier.Plugin p = ctx.clusterSpecifierPlugin(name);
        if (p == null) {
            throw path.error("unknown cluster specifier plugin name: '" + name + "' is used in the route but not"
                    + " defined in the route configuration's cluster_specifier_plugins");
        }
        return p;
    }

    static ClusterSpecifier.Plugin translate(ClusterSpecifierPlugin p, FieldPath path, TranslationContext ctx) {
        if (!p.hasExtension()) {
            throw path.field("extension").error("missing required field");
        }
        FieldPath ep = path.field("extension");
        String name = p.getExtension().getName();
        if (name.isEmpty()) {
            throw ep.field("name").error("must not be empty");
        }
        if (!p.getExtension().hasTypedConfig()) {
            throw ep.field("typed_config").error("missing required field");
        }
        FieldPath tp = ep.field("typed_config");
        TypedConfig typed = TypedConfig.of(p.getExtension().getTypedConfig(), tp);
        ClusterSpecifierExtension ext = ExtensionRegistry.get().clusterSpecifierByConfigType(typed.typeName());
        if (ext != null) {
            return new ClusterSpecifier.Plugin(name, ext.translate(typed, tp, ctx));
        }
        if (!p.getIsOptional()) {
            throw tp.error("didn't find a registered implementation for '" + name + "' with type URL: '"
                    + typed.typeName() + "'");
        }
        ctx.warnOnce("cluster_specifier_plugin:" + typed.typeName(), "optional cluster specifier plugin '" + name
                + "' (" + typed.typeName() + ") is not supported: routes selecting it get no cluster (503), first at "
                + path);
        return new ClusterSpecifier.Plugin(name, NONE);
    }
}
