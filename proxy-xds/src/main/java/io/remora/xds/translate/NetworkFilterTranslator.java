package io.remora.xds.translate;

import io.envoyproxy.envoy.config.listener.v3.Filter;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy;
import io.remora.config.HttpConnectionManagerConfig;
import io.remora.config.NetworkFilterConfig;
import io.remora.config.TcpProxyConfig;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * The network filters of a filter chain: tcp_proxy and http_connection_manager are translated;
 * access-control filters are refused; the rest (Istio's metadata exchange and stats,
 * set_filter_state, Wasm) is skipped with one warning each.
 */
public final class NetworkFilterTranslator {

    private static final String HCM_TYPE =
            "envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager";
    private static final String TCP_PROXY_TYPE = "envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy";
    private static final Set<String> SECURITY_TYPES = Set.of(
            "envoy.extensions.filters.network.rbac.v3.RBAC",
            "envoy.extensions.filters.network.ext_authz.v3.ExtAuthz",
            "envoy.extensions.filters.network.ext_proc.v3.NetworkExternalProcessor",
            "envoy.extensions.filters.network.connection_limit.v3.ConnectionLimit",
            "envoy.extensions.filters.network.local_ratelimit.v3.LocalRateLimit",
            "envoy.extensions.filters.network.ratelimit.v3.RateLimit");
    private static final Set<String> SECURITY_NAMES = Set.of(
            "envoy.filters.network.rbac", "envoy.filters.network.ext_authz");

    private NetworkFilterTranslator() {
    }

    public static List<NetworkFilterConfig> translate(List<Filter> filters, FieldPath path, TranslationContext ctx) {
        if (filters.isEmpty()) {
            throw path.error("a filter chain needs at least one network filter");
        }
        List<NetworkFilterConfig> out = new ArrayList<>();
        for (int i = 0; i < filters.size(); i++) {
            Filter f = filters.get(i);
            FieldPath fp = path.index(i);
            if (f.hasConfigDiscovery()) {
                throw fp.field("config_discovery").error("filter config discovery (ECDS) is not supported");
            }
            String type = f.hasTypedConfig() ? Protos.typeName(f.getTypedConfig()) : "";
            FieldPath tp = fp.field("typed_config");
            boolean last = i == filters.size() - 1;
            if (type.equals(HCM_TYPE)) {
                requireLast(last, fp, f.getName());
                out.add(HttpConnectionManagerTranslator.translate(
                        Protos.unpack(f.getTypedConfig(), HttpConnectionManager.class, tp), tp, ctx));
            } else if (type.equals(TCP_PROXY_TYPE)) {
                requireLast(last, fp, f.getName());
                out.add(TcpProxyTranslator.translate(Protos.unpack(f.getTypedConfig(), TcpProxy.class, tp), tp, ctx));
            } else if (type.isEmpty() && (f.getName().equals(HttpConnectionManagerConfig.NAME)
                    || f.getName().equals(TcpProxyConfig.NAME))) {
                throw tp.error("missing required field");
            } else if (SECURITY_TYPES.contains(type) || type.isEmpty() && SECURITY_NAMES.contains(f.getName())) {
                throw fp.error("network filter '" + f.getName() + "' (" + type + ") enforces access control and is not"
                        + " supported by Remora; refusing to run without it");
            } else {
                ctx.warnOnce("network_filter:" + f.getName() + "|" + type, "skipping unsupported network"
                        + " filter '" + f.getName() + "'" + (type.isEmpty() ? "" : " (" + type + ")") + ", first at " + fp);
            }
        }
        if (out.isEmpty()) {
            throw path.error("no supported terminal filter (envoy.filters.network.tcp_proxy or"
                    + " envoy.filters.network.http_connection_manager)");
        }
        return List.copyOf(out);
    }

    private static void requireLast(boolean last, FieldPath fp, String name) {
        if (!last) {
            throw fp.error("terminal filter '" + name + "' must be the last filter in the chain");
        }
    }
}
