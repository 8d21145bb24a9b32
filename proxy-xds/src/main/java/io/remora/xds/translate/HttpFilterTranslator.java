package io.remora.xds.translate;

import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpFilter;
import io.remora.config.HttpFilterConfig;
import io.remora.config.HttpFilterEntry;
import io.remora.config.RouterFilterConfig;
import io.remora.extensions.Extension;
import io.remora.extensions.ExtensionRegistry;
import io.remora.extensions.HttpFilterExtension;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * The HTTP filters of a connection manager, each found in the {@link ExtensionRegistry} by its
 * config type (a TypedStruct's inner type included), else by name. A filter Remora does not have
 * is refused when it decides who may pass (RBAC-like, unless {@code is_optional}), since running
 * without it would open what it closes; any other is skipped with one warning.
 */
public final class HttpFilterTranslator {

    /**
     * Filters of Envoy's that Remora does not have and that may deny requests (quotas, code the
     * user wrote): never skipped silently. The access-control filters Remora has are extensions.
     */
    private static final Set<String> ACCESS_CONTROL_TYPES = Set.of(
            "envoy.extensions.filters.http.rate_limit_quota.v3.RateLimitQuotaFilterConfig",
            "envoy.extensions.filters.http.dynamic_modules.v3.DynamicModuleFilter",
            "envoy.extensions.filters.http.golang.v3alpha.Config");
    private static final Set<String> ACCESS_CONTROL_NAMES = Set.of(
            "envoy.filters.http.rate_limit_quota", "envoy.filters.http.dynamic_modules", "envoy.filters.http.golang");
    /** Filters of Envoy's that Remora does not have and that turn requests into another protocol. */
    private static final Set<String> PROTOCOL_TYPES = Set.of(
            "envoy.extensions.filters.http.grpc_json_reverse_transcoder.v3.GrpcJsonReverseTranscoder",
            "envoy.extensions.filters.http.connect_grpc_bridge.v3.FilterConfig");
    private static final Set<String> PROTOCOL_NAMES = Set.of(
            "envoy.filters.http.grpc_json_reverse_transcoder", "envoy.filters.http.connect_grpc_bridge");

    private HttpFilterTranslator() {
    }

    public static List<HttpFilterEntry> translate(List<HttpFilter> filters, FieldPath path, TranslationContext ctx) {
        ExtensionRegistry registry = ExtensionRegistry.get();
        List<HttpFilterEntry> out = new ArrayList<>();
        for (int i = 0; i < filters.size(); i++) {
            HttpFilter f = filters.get(i);
            FieldPath fp = path.index(i);
            if (f.getName().isEmpty()) {
                throw fp.field("name").error("missing required field");
            }
            FieldPath tp = fp.field("typed_config");
            TypedConfig typed = TypedConfig.named(f.hasTypedConfig(), f.getTypedConfig(), tp);
            String type = typed == null ? "" : typed.typeName();
            if (f.hasConfigDiscovery()) {
                out.add(new HttpFilterEntry(f.getName(), EcdsFilterTranslator.http(f.getName(), f.getConfigDiscovery(),
                        fp.field("config_discovery"), ctx), f.getDisabled()));
                continue;
            }
            Extension ext = typed != null ? registry.byConfigType(type) : registry.byName(f.getName());
            if (ext == null && typed != null && registry.byName(f.getName()) instanceof HttpFilterExtension<?>) {
                throw tp.error("HTTP filter '" + f.getName() + "' does not take a " + type);
            }
            if (ext instanceof HttpFilterExtension<?> http && f.getIsOptional() && !http.supports(typed)) {
                ctx.warnOnce("http_filter:" + f.getName() + "|" + type, "skipping optional HTTP filter '"
                        + f.getName() + "' (" + type + "): this config cannot run here, first at " + fp);
                continue;
            }
            if (ext instanceof HttpFilterExtension<?> http) {
                HttpFilterConfig config = http.translate(typed, tp, ctx);
                boolean router = config instanceof RouterFilterConfig;
                if (router && i != filters.size() - 1) {
                    throw fp.error("the router must be the last HTTP filter");
                }
                if (router && f.getDisabled()) {
                    throw fp.field("disabled").error("the router cannot be disabled");
                }
                out.add(new HttpFilterEntry(f.getName(), config, f.getDisabled()));
                continue;
            }
            if (ext != null) {
                throw tp.error("'" + type + "' is a " + ext.names().get(0) + " config, not an HTTP filter's");
            }
            if (typed == null) {
                DeprecatedNames.refuse(f.getName(), "envoy.filters.http.",
                        n -> registry.byName(n) instanceof HttpFilterExtension<?> h ? h : null, fp.field("name"));
            }
            String neverSkipped = whyNeverSkipped(type, f.getName());
            // A disabled filter may still be enabled per route, so disabled does not excuse it.
            if (neverSkipped != null && !f.getIsOptional()) {
                throw fp.error("HTTP filter '" + f.getName() + "' (" + type + ") " + neverSkipped + " and is not"
                        + " supported by Remora; refusing to run without it (mark it is_optional to skip it)");
            }
            ctx.warnOnce("http_filter:" + f.getName() + "|" + type, "skipping unsupported HTTP filter '"
                    + f.getName() + "'" + (type.isEmpty() ? "" : " (" + type + ")") + ", first at " + fp);
        }
        if (out.isEmpty() || !(out.get(out.size() - 1).config() instanceof RouterFilterConfig)) {
            throw path.error("the last HTTP filter must be the router (envoy.filters.http.router)");
        }
        return List.copyOf(out);
    }

    /**
     * Why a filter Remora does not have (config type, or its name when it has none) is refused rather
     * than skipped, wherever it is configured: it may deny requests, or without it the upstream gets
     * requests in a protocol it does not speak. Null when skipping it is harmless.
     */
    public static String whyNeverSkipped(String type, String name) {
        if (ACCESS_CONTROL_TYPES.contains(type) || type.isEmpty() && ACCESS_CONTROL_NAMES.contains(name)) {
            return "may deny requests (access control, quotas or user code)";
        }
        if (PROTOCOL_TYPES.contains(type) || type.isEmpty() && PROTOCOL_NAMES.contains(name)) {
            return "turns requests into another protocol (the upstream would get them untranslated)";
        }
        return null;
    }
}
