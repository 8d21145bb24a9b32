package io.remora.xds.translate;

import io.envoyproxy.envoy.config.listener.v3.Filter;
import io.remora.config.NetworkFilterConfig;
import io.remora.extensions.Extension;
import io.remora.extensions.ExtensionRegistry;
import io.remora.extensions.NetworkFilterExtension;
import io.remora.extensions.TerminalFilterExtension;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * The network filters of a filter chain, each found in the {@link ExtensionRegistry}: every one
 * runs, in order, and the last must be terminal (tcp_proxy, http_connection_manager). A filter
 * Remora does not have is refused when it decides who may pass, else skipped with one warning.
 */
public final class NetworkFilterTranslator {

    /** Access-control and limiting filters of Envoy's that Remora may not have: never skipped. */
    private static final Set<String> ACCESS_CONTROL_TYPES = Set.of(
            "envoy.extensions.filters.network.rbac.v3.RBAC",
            "envoy.extensions.filters.network.ext_authz.v3.ExtAuthz",
            "envoy.extensions.filters.network.ext_proc.v3.NetworkExternalProcessor",
            "envoy.extensions.filters.network.connection_limit.v3.ConnectionLimit",
            "envoy.extensions.filters.network.local_ratelimit.v3.LocalRateLimit",
            "envoy.extensions.filters.network.ratelimit.v3.RateLimit");
    private static final Set<String> ACCESS_CONTROL_NAMES = Set.of(
            "envoy.filters.network.rbac", "envoy.filters.network.ext_authz");

    private NetworkFilterTranslator() {
    }

    public static List<NetworkFilterConfig> translate(List<Filter> filters, FieldPath path, TranslationContext ctx) {
        if (filters.isEmpty()) {
            return List.of(); // Envoy accepts it and closes what the chain accepts (EmptyFilterChain)
        }
        ExtensionRegistry registry = ExtensionRegistry.get();
        List<NetworkFilterConfig> out = new ArrayList<>();
        boolean terminal = false;
        for (int i = 0; i < filters.size(); i++) {
            Filter f = filters.get(i);
            FieldPath fp = path.index(i);
            if (f.hasConfigDiscovery()) {
                if (i == filters.size() - 1) {
                    throw fp.field("config_discovery").error("the chain's terminal filter cannot come from"
                            + " config discovery (ECDS) in Remora; only non-terminal network filters can");
                }
                out.add(EcdsFilterTranslator.network(f.getName(), f.getConfigDiscovery(), fp.field("config_discovery"), ctx));
                continue;
            }
            FieldPath tp = fp.field("typed_config");
            TypedConfig typed = TypedConfig.named(f.hasTypedConfig(), f.getTypedConfig(), tp);
            String type = typed == null ? "" : typed.typeName();
            boolean last = i == filters.size() - 1;
            Extension ext = typed != null ? registry.networkByConfigType(type) : registry.networkByName(f.getName());
            if (ext == null && typed == null) {
                DeprecatedNames.refuse(f.getName(), "envoy.filters.network.", registry::networkByName, fp.field("name"));
            }
            if (ext instanceof TerminalFilterExtension<?> t) {
                if (!last) {
                    throw fp.error("terminal filter '" + f.getName() + "' must be the last filter in the chain");
                }
                out.add(t.translate(typed, tp, ctx));
                terminal = true;
            } else if (ext instanceof NetworkFilterExtension<?> n) {
                out.add(n.translate(typed, tp, ctx));
            } else if (ext != null) {
                throw tp.error("'" + type + "' is a " + ext.names().get(0) + " config, not a network filter's");
            } else if (ACCESS_CONTROL_TYPES.contains(type) || type.isEmpty() && ACCESS_CONTROL_NAMES.contains(f.getName())) {
                throw fp.error("network filter '" + f.getName() + "' (" + type + ") enforces access control and is not"
                        + " supported by Remora; refusing to run without it");
            } else if (last) {
                // A chain's last filter owns the connection (dubbo_proxy, kafka_broker ...): skipping
                // it leaves nothing to serve the traffic, so say which filter is missing.
                throw fp.error("network filter '" + f.getName() + "'" + (type.isEmpty() ? "" : " (" + type + ")")
                        + " is not supported by Remora; the chain's last filter must be one that serves the"
                        + " connection (envoy.filters.network.tcp_proxy, http_connection_manager, echo,"
                        + " direct_response)");
            } else {
                warnSkipped(f.getName(), type, fp, ctx);
            }
        }
        if (!terminal) {
            throw path.error("the last network filter must be terminal (envoy.filters.network.tcp_proxy or"
                    + " envoy.filters.network.http_connection_manager)");
        }
        return List.copyOf(out);
    }

    /**
     * The one warning for a non-terminal network filter Remora runs without; also used by the
     * bootstrap loader for filters whose type is not even in Remora's API (Envoy's contrib filters).
     */
    public static void warnSkipped(String name, String type, FieldPath fp, TranslationContext ctx) {
        ctx.warnOnce("network_filter:" + name + "|" + type, "skipping unsupported network filter '" + name + "'"
                + (type.isEmpty() ? "" : " (" + type + ")") + ", first at " + fp);
    }
}
