package io.remora.extensions;

import io.remora.config.ClusterSpecifierPlugin;
import io.remora.xds.translate.FieldPath;
import io.remora.xds.translate.TranslationContext;
import io.remora.xds.translate.TypedConfig;

/**
 * A cluster specifier plugin (Envoy's {@code envoy.router.cluster_specifier_plugin} category): a
 * route's {@code inline_cluster_specifier_plugin}, or one of the route configuration's
 * {@code cluster_specifier_plugins} that routes name. Indexed apart from filters: its config types
 * never name a filter.
 */
public interface ClusterSpecifierExtension extends Extension {

    /**
     * Validates and builds the plugin from its {@code typed_config}; the plugin is shared by every
     * route naming it and every event loop.
     *
     * @throws io.remora.xds.translate.TranslationException naming the field at fault
     */
    ClusterSpecifierPlugin translate(TypedConfig config, FieldPath path, TranslationContext ctx);
}
