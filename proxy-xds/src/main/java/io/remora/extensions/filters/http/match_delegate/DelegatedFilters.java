package io.remora.extensions.filters.http.match_delegate;

import io.envoyproxy.envoy.config.core.v3.TypedExtensionConfig;
import io.remora.config.HttpFilterConfig;
import io.remora.config.RouterFilterConfig;
import io.remora.extensions.Extension;
import io.remora.extensions.ExtensionRegistry;
import io.remora.extensions.HttpFilterExtension;
import io.remora.http.filter.HttpFilterFactory;
import io.remora.server.ServerContext;
import io.remora.xds.translate.FieldPath;
import io.remora.xds.translate.HttpFilterTranslator;
import io.remora.xds.translate.TranslationContext;
import io.remora.xds.translate.TypedConfig;

/**
 * A filter configured inside another (an {@code ExtensionWithMatcher}'s {@code extension_config},
 * a composite action's {@code typed_config}): translated by its own extension, and built by its own
 * runtime, as a filter of the connection manager would be.
 */
public final class DelegatedFilters {

    private DelegatedFilters() {
    }

    /**
     * The filter's config; null (after one warning) for a filter Remora does not have and that
     * may not deny requests, which is skipped as it would be in {@code http_filters}.
     */
    public static HttpFilterConfig translate(TypedExtensionConfig c, FieldPath path, TranslationContext ctx) {
        if (c.getName().isEmpty()) {
            throw path.field("name").error("missing required field");
        }
        FieldPath tp = path.field("typed_config");
        TypedConfig typed = TypedConfig.named(c.hasTypedConfig(), c.getTypedConfig(), tp);
        String type = typed == null ? "" : typed.typeName();
        ExtensionRegistry registry = ExtensionRegistry.get();
        Extension ext = typed != null ? registry.byConfigType(type) : registry.byName(c.getName());
        if (ext instanceof HttpFilterExtension<?> http) {
            HttpFilterConfig config = http.translate(typed, tp, ctx);
            if (config instanceof RouterFilterConfig) {
                throw path.error("the router cannot run inside another filter");
            }
            return config;
        }
        if (ext != null) {
            throw tp.error("'" + type + "' is a " + ext.names().get(0) + " config, not an HTTP filter's");
        }
        String neverSkipped = HttpFilterTranslator.whyNeverSkipped(type, c.getName());
        if (neverSkipped != null) {
            throw path.error("HTTP filter '" + c.getName() + "' (" + type + ") " + neverSkipped + " and is not"
                    + " supported by Remora; refusing to run without it");
        }
        ctx.warnOnce("http_filter:" + c.getName() + "|" + type, "skipping unsupported HTTP filter '" + c.getName()
                + "'" + (type.isEmpty() ? "" : " (" + type + ")") + ", first at " + path);
        return null;
    }

    /**
     * False for a filter Remora does not have and may not skip (translating it fails),
     * so that an {@code is_optional} filter around it can be skipped instead.
     */
    static boolean runnable(TypedExtensionConfig c) {
        boolean typed = c.hasTypedConfig() && !c.getTypedConfig().getTypeUrl().isEmpty();
        String type = typed ? io.remora.xds.translate.Protos.typeName(c.getTypedConfig()) : "";
        ExtensionRegistry registry = ExtensionRegistry.get();
        Extension ext = typed ? registry.byConfigType(type) : registry.byName(c.getName());
        return ext != null || HttpFilterTranslator.whyNeverSkipped(type, c.getName()) == null;
    }

    /** The per-stream factory of a translated filter, from the runtime its extension registered. */
    @SuppressWarnings({"unchecked", "rawtypes"})
    public static HttpFilterFactory factory(HttpFilterConfig config, ServerContext context, String statPrefix) {
        for (HttpFilterFactory.Provider p : ExtensionRegistry.get().httpFilterRuntimes()) {
            if (p.configType().isInstance(config)) {
                return p.create(config, context, statPrefix);
            }
        }
        throw new IllegalArgumentException("http filter " + config.filterName() + " has no runtime in this build");
    }
}
