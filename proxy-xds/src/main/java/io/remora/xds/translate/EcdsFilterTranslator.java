package io.remora.xds.translate;

import com.google.protobuf.Any;
import io.envoyproxy.envoy.config.core.v3.ConfigSource;
import io.envoyproxy.envoy.config.core.v3.ExtensionConfigSource;
import io.remora.config.DiscoveredHttpFilterConfig;
import io.remora.config.DiscoveredNetworkFilterConfig;
import io.remora.config.HttpFilterConfig;
import io.remora.config.NetworkFilterConfig;
import io.remora.config.RouterFilterConfig;
import io.remora.extensions.Extension;
import io.remora.extensions.ExtensionRegistry;
import io.remora.extensions.HttpFilterExtension;
import io.remora.extensions.NetworkFilterExtension;
import io.remora.extensions.TerminalFilterExtension;

import java.util.LinkedHashSet;
import java.util.Set;

/**
 * A filter's {@code config_discovery} (Envoy's extension config discovery, ECDS): checked as Envoy's
 * filter chain helper checks it, its {@code default_config} translated, and the filter bound to the
 * slot the delivered config will be published in. Also translates a delivered TypedExtensionConfig.
 */
public final class EcdsFilterTranslator {

    private EcdsFilterTranslator() {
    }

    public static DiscoveredHttpFilterConfig http(String name, ExtensionConfigSource d, FieldPath dp, TranslationContext ctx) {
        Set<String> types = check(name, d, dp, true, ctx);
        HttpFilterConfig def = d.hasDefaultConfig() ? http(d.getDefaultConfig(), types, dp.field("default_config"), ctx) : null;
        return new DiscoveredHttpFilterConfig(name, ctx.ecdsSlots().http(name, types, ctx.trafficDirection()), def);
    }

    public static DiscoveredNetworkFilterConfig network(String name, ExtensionConfigSource d, FieldPath dp, TranslationContext ctx) {
        Set<String> types = check(name, d, dp, false, ctx);
        NetworkFilterConfig def = d.hasDefaultConfig() ? network(d.getDefaultConfig(), types, dp.field("default_config"), ctx) : null;
        return new DiscoveredNetworkFilterConfig(name, ctx.ecdsSlots().network(name, types, ctx.trafficDirection()), def);
    }

    /** A delivered (or default) HTTP filter config, which must be of one of {@code types}. */
    public static HttpFilterConfig http(Any any, Set<String> types, FieldPath path, TranslationContext ctx) {
        TypedConfig typed = TypedConfig.of(any, path);
        requireListed(typed, types, path);
        if (!(ExtensionRegistry.get().byConfigType(typed.typeName()) instanceof HttpFilterExtension<?> ext)) {
            throw path.error("'" + typed.typeName() + "' is not an HTTP filter's config");
        }
        HttpFilterConfig config = ext.translate(typed, path, ctx);
        if (config instanceof RouterFilterConfig) {
            throw path.error("the router (a terminal filter) cannot be a discovered filter");
        }
        return config;
    }

    /** A delivered (or default) network filter config, which must be of one of {@code types}. */
    public static NetworkFilterConfig network(Any any, Set<String> types, FieldPath path, TranslationContext ctx) {
        TypedConfig typed = TypedConfig.of(any, path);
        requireListed(typed, types, path);
        Extension ext = ExtensionRegistry.get().networkByConfigType(typed.typeName());
        if (!(ext instanceof NetworkFilterExtension<?> n) || ext instanceof TerminalFilterExtension<?>) {
            throw path.error("'" + typed.typeName() + "' is not a non-terminal network filter's config");
        }
        return n.translate(typed, path, ctx);
    }

    private static void requireListed(TypedConfig typed, Set<String> types, FieldPath path) {
        if (!types.contains(typed.typeName())) {
            // Envoy's words
            throw path.error("Error: filter config has type URL " + typed.typeName() + " but expect "
                    + String.join(", ", types) + ".");
        }
    }

    /** The accepted config types, each one an extension of this kind takes. */
    private static Set<String> check(String name, ExtensionConfigSource d, FieldPath dp, boolean http, TranslationContext ctx) {
        if (ctx.ecdsSlots() == null) {
            // The bootstrap is translated before the xDS client exists: nothing would ever fill the filter.
            throw dp.error("config_discovery is supported in listeners delivered over LDS, not in static_resources");
        }
        if (!d.hasConfigSource()) {
            throw dp.field("config_source").error("missing required field");
        }
        checkSource(d.getConfigSource(), dp.field("config_source"));
        if (d.getApplyDefaultConfigWithoutWarming() && !d.hasDefaultConfig()) {
            throw dp.field("apply_default_config_without_warming").error("filter config " + name
                    + " applied without warming but has no default config");
        }
        if (d.getTypeUrlsCount() == 0) {
            throw dp.field("type_urls").error("at least one type URL is required");
        }
        Set<String> types = new LinkedHashSet<>();
        ExtensionRegistry registry = ExtensionRegistry.get();
        for (int i = 0; i < d.getTypeUrlsCount(); i++) {
            String url = d.getTypeUrls(i);
            String type = url.substring(url.lastIndexOf('/') + 1);
            Extension ext = http ? registry.byConfigType(type) : registry.networkByConfigType(type);
            boolean takes = http ? ext instanceof HttpFilterExtension<?>
                    : ext instanceof NetworkFilterExtension<?> && !(ext instanceof TerminalFilterExtension<?>);
            if (!takes) {
                throw dp.field("type_urls").index(i).error("no " + (http ? "HTTP" : "non-terminal network")
                        + " filter found for the required type URL " + type);
            }
            types.add(type);
        }
        return types;
    }

    /** ADS and files are fetched here; a separate api_config_source stream is not (yet). */
    private static void checkSource(ConfigSource cs, FieldPath path) {
        @SuppressWarnings("deprecation")
        boolean legacyPath = !cs.getPath().isEmpty();
        if (cs.hasAds() || cs.hasPathConfigSource() || legacyPath) {
            return;
        }
        throw path.error("extension config discovery is supported over ads and path_config_source only");
    }
}
