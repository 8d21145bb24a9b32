package io.remora.xds.translate;

import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpFilter;
import io.remora.config.HttpFilterEntry;
import io.remora.extensions.Extension;
import io.remora.extensions.ExtensionRegistry;
import io.remora.extensions.HttpFilterExtension;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Upstream HTTP filters, as Envoy validates them: a cluster's {@code http_filters} (its HTTP
 * protocol options) and a router's {@code upstream_http_filters}. Each list must end with the
 * {@code upstream_codec} (dropped here: the try's pool stream is the codec) and may hold only
 * filters Envoy registers for upstream use; Remora runs those whose extension says
 * {@link HttpFilterExtension#runsUpstream()}, and refuses the others by name.
 */
public final class UpstreamHttpFilterTranslator {

    static final String CODEC_TYPE = "envoy.extensions.filters.http.upstream_codec.v3.UpstreamCodec";
    static final String CODEC_NAME = "envoy.filters.http.upstream_codec";

    /**
     * Filters Envoy registers as upstream HTTP filters (its {@code envoy.filters.http.upstream}
     * category) that Remora does not run in that place yet.
     */
    private static final Set<String> ENVOY_UPSTREAM_NOT_BUILT = Set.of(
            "envoy.filters.http.admission_control", "envoy.filters.http.adaptive_concurrency",
            "envoy.filters.http.composite",
            "envoy.filters.http.ext_proc", "envoy.filters.http.lua", "envoy.filters.http.wasm",
            "envoy.filters.http.dynamic_modules");

    /** Where a chain is configured: Envoy names it so in its errors. */
    public enum Owner {
        CLUSTER("upstream http"),
        ROUTER("router upstream http");

        final String chainName;

        Owner(String chainName) {
            this.chainName = chainName;
        }
    }

    private UpstreamHttpFilterTranslator() {
    }

    /** The filters before the codec, in order (empty when the codec is alone). */
    public static List<HttpFilterEntry> translate(List<HttpFilter> filters, Owner owner, FieldPath path,
                                                  TranslationContext ctx) {
        if (filters.isEmpty()) {
            return List.of();
        }
        if (owner == Owner.CLUSTER && !isCodec(filters.get(filters.size() - 1), false, path)) {
            // ClusterInfoImpl's check, before any filter is looked at.
            throw path.index(filters.size() - 1).field("typed_config").error(
                    "The codec filter is the only valid terminal upstream HTTP filter, use '" + CODEC_TYPE + "'");
        }
        ExtensionRegistry registry = ExtensionRegistry.get();
        List<HttpFilterEntry> out = new ArrayList<>();
        for (int i = 0; i < filters.size(); i++) {
            HttpFilter f = filters.get(i);
            FieldPath fp = path.index(i);
            boolean last = i == filters.size() - 1;
            if (f.getName().isEmpty()) {
                throw fp.field("name").error("missing required field");
            }
            if (isCodec(f, true, fp)) {
                if (!last) {
                    throw fp.error("Error: terminal filter named " + f.getName() + " of type " + CODEC_NAME
                            + " must be the last filter in a " + owner.chainName + " filter chain.");
                }
                continue;
            }
            if (f.hasConfigDiscovery()) {
                throw fp.field("config_discovery").error("upstream HTTP filters from extension config discovery are"
                        + " not supported by Remora");
            }
            FieldPath tp = fp.field("typed_config");
            TypedConfig typed = f.hasTypedConfig() ? TypedConfig.of(f.getTypedConfig(), tp) : null;
            String type = typed == null ? "" : typed.typeName();
            Extension ext = typed != null ? registry.byConfigType(type) : registry.byName(f.getName());
            String canonical = ext == null ? f.getName() : ext.names().get(0);
            if (last) {
                throw fp.error("Error: non-terminal filter named " + f.getName() + " of type " + canonical
                        + " is the last filter in a " + owner.chainName + " filter chain.");
            }
            if (ext instanceof HttpFilterExtension<?> http && http.runsUpstream()) {
                out.add(new HttpFilterEntry(f.getName(), http.translate(typed, tp, ctx), f.getDisabled()));
                continue;
            }
            boolean envoyUpstream = ENVOY_UPSTREAM_NOT_BUILT.contains(canonical);
            if (f.getIsOptional()) {
                ctx.warnOnce("upstream_http_filter:" + f.getName() + "|" + type, "skipping optional upstream HTTP filter '"
                        + f.getName() + "'" + (type.isEmpty() ? "" : " (" + type + ")")
                        + (envoyUpstream ? ": Remora does not run it as an upstream filter" : ": not an upstream HTTP filter")
                        + ", first at " + fp);
                continue;
            }
            if (envoyUpstream) {
                throw fp.error("upstream HTTP filter '" + f.getName() + "' (" + canonical
                        + ") is not supported by Remora as an upstream filter yet");
            }
            // Envoy's answer when no UpstreamHttpFilterConfigFactory has the type.
            throw fp.error("Didn't find a registered implementation for '" + f.getName() + "' with type URL: '"
                    + type + "'");
        }
        return List.copyOf(out);
    }

    /** By its config type (a TypedStruct's inner one), or, when {@code byName} and it has none, by name. */
    private static boolean isCodec(HttpFilter f, boolean byName, FieldPath path) {
        if (f.hasTypedConfig()) {
            return TypedConfig.of(f.getTypedConfig(), path.field("typed_config")).typeName().equals(CODEC_TYPE);
        }
        return byName && f.getName().equals(CODEC_NAME);
    }
}
