package io.remora.xds.translate;

import io.envoyproxy.envoy.config.cluster.v3.Filter;
import io.remora.config.NetworkFilterConfig;
import io.remora.extensions.Extension;
import io.remora.extensions.ExtensionRegistry;
import io.remora.extensions.UpstreamNetworkFilterExtension;

import java.util.ArrayList;
import java.util.List;

/**
 * A cluster's {@code filters}: upstream network filters, each found in the {@link ExtensionRegistry}
 * among the upstream ones, run in order on every connection to the cluster's hosts. One Remora
 * does not have is skipped with one warning, as listener filters that decide nothing are.
 */
public final class UpstreamNetworkFilterTranslator {

    private UpstreamNetworkFilterTranslator() {
    }

    public static List<NetworkFilterConfig> translate(List<Filter> filters, FieldPath path, TranslationContext ctx) {
        if (filters.isEmpty()) {
            return List.of();
        }
        ExtensionRegistry registry = ExtensionRegistry.get();
        List<NetworkFilterConfig> out = new ArrayList<>();
        for (int i = 0; i < filters.size(); i++) {
            Filter f = filters.get(i);
            FieldPath fp = path.index(i);
            if (f.hasConfigDiscovery()) {
                throw fp.field("config_discovery").error("filter config discovery (ECDS) is not supported");
            }
            FieldPath tp = fp.field("typed_config");
            TypedConfig typed = TypedConfig.named(f.hasTypedConfig(), f.getTypedConfig(), tp);
            String type = typed == null ? "" : typed.typeName();
            UpstreamNetworkFilterExtension<?> ext = typed != null ? registry.upstreamByConfigType(type)
                    : registry.upstreamByName(f.getName());
            if (ext != null) {
                out.add(ext.translate(typed, tp, ctx));
                continue;
            }
            Extension other = typed != null ? registry.byConfigType(type) : registry.byName(f.getName());
            if (other != null && other.enforcesAccess()) {
                throw fp.error("'" + f.getName() + "' is a " + other.names().get(0)
                        + " filter, which Remora does not run on upstream connections; refusing to run without it");
            }
            ctx.warnOnce("upstream_network_filter:" + f.getName() + "|" + type, "skipping unsupported upstream"
                    + " network filter '" + f.getName() + "'" + (type.isEmpty() ? "" : " (" + type + ")")
                    + ", first at " + fp);
        }
        return List.copyOf(out);
    }
}
