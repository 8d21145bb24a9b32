package io.remora.xds.translate;

import com.google.protobuf.Any;
import com.google.protobuf.InvalidProtocolBufferException;
import io.envoyproxy.envoy.config.route.v3.FilterConfig;
import io.remora.config.PerFilterConfig;
import io.remora.config.RouteFilterConfig;
import io.remora.extensions.ExtensionRegistry;
import io.remora.extensions.HttpFilterExtension;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * {@code typed_per_filter_config} of a route configuration, virtual host, route or weighted
 * cluster, with Envoy's rules: the config's type picks the extension; an
 * {@code envoy.config.route.v3.FilterConfig} wrapper may disable the filter ({@code disabled}),
 * enable it with no config (an empty {@code config}), or mark its config {@code is_optional}
 * (skipped when unknown). Any entry that does not disable enables the filter on that route.
 */
public final class PerFilterConfigTranslator {

    private static final String FILTER_CONFIG = "envoy.config.route.v3.FilterConfig";

    private PerFilterConfigTranslator() {
    }

    public static Map<String, PerFilterConfig> translate(Map<String, Any> configs, FieldPath path,
                                                         TranslationContext ctx) {
        if (configs.isEmpty()) {
            return PerFilterConfig.NONE;
        }
        Map<String, PerFilterConfig> out = new LinkedHashMap<>();
        // Sorted so that the first error reported does not depend on map order.
        for (Map.Entry<String, Any> e : new TreeMap<>(configs).entrySet()) {
            FieldPath ep = path.key(e.getKey());
            out.put(e.getKey(), entry(e.getKey(), e.getValue(), ep, ctx));
        }
        return out;
    }

    private static PerFilterConfig entry(String filter, Any any, FieldPath path, TranslationContext ctx) {
        if (Protos.typeName(any).equals(FILTER_CONFIG) && !Protos.isTypedStruct(any)) {
            FilterConfig fc;
            try {
                fc = GeneratedMessages.unpack(any, FilterConfig.class);
            } catch (InvalidProtocolBufferException e) {
                throw path.error("malformed FilterConfig: " + e.getMessage());
            }
            if (fc.getDisabled()) {
                return PerFilterConfig.DISABLED;
            }
            if (!fc.hasConfig()) {
                throw path.field("config").error("empty per-route configuration for filter '" + filter + "'");
            }
            if (fc.getConfig().getTypeUrl().isEmpty()) {
                return PerFilterConfig.ENABLED;
            }
            return new PerFilterConfig(config(filter, fc.getConfig(), fc.getIsOptional(), path.field("config"), ctx),
                    false);
        }
        return new PerFilterConfig(config(filter, any, false, path, ctx), false);
    }

    private static RouteFilterConfig config(String filter, Any any, boolean optional, FieldPath path,
                                            TranslationContext ctx) {
        TypedConfig typed = TypedConfig.of(any, path);
        HttpFilterExtension<?> ext = ExtensionRegistry.get().byPerRouteConfigType(typed.typeName());
        if (ext == null) {
            if (optional) {
                ctx.warnOnce("per_filter:" + typed.typeName(), "skipping optional per-route config of unknown type '"
                        + typed.typeName() + "' for filter '" + filter + "', first at " + path);
                return null;
            }
            // Envoy refuses an unknown per-route config; Remora lacks some of Envoy's filters, which
            // it skips with a warning, and their per-route configs go with them.
            ctx.warnOnce("per_filter:" + typed.typeName(), "ignoring per-route config of unsupported type '"
                    + typed.typeName() + "' for filter '" + filter + "', first at " + path);
            return null;
        }
        return ext.translatePerRoute(typed, path, ctx);
    }
}
