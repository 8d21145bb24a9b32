package io.remora.extensions.filters.udp.udp_proxy;

import io.envoyproxy.envoy.extensions.filters.udp.udp_proxy.v3.Route;
import io.envoyproxy.envoy.extensions.filters.udp.udp_proxy.v3.UdpProxyConfig.HashPolicy;
import io.remora.config.MatchInput;
import io.remora.config.UdpProxyConfig;
import io.remora.extensions.UdpListenerFilterExtension;
import io.remora.xds.translate.AccessLogTranslator;
import io.remora.xds.translate.FieldPath;
import io.remora.xds.translate.Protos;
import io.remora.xds.translate.TranslationContext;
import io.remora.xds.translate.TypedConfig;
import io.remora.xds.translate.UnifiedMatcherTranslator;

import java.time.Duration;
import java.util.EnumSet;
import java.util.List;

/**
 * {@code envoy.filters.udp_listener.udp_proxy}: routing ({@code cluster} or a {@code matcher} on the
 * datagram's addresses), idle timeout, per-packet load balancing, hash policy and the upstream
 * socket's datagram size are run; what would change datagrams or where they come from
 * (session filters, tunneling, use_original_src_ip) is refused; sessions and sockets are logged as they end.
 */
public final class UdpProxyExtension implements UdpListenerFilterExtension {
    static final String ROUTE = "envoy.extensions.filters.udp.udp_proxy.v3.Route";

    @Override
    public List<String> names() {
        return List.of("envoy.filters.udp_listener.udp_proxy");
    }

    @Override
    public List<String> configTypes() {
        return List.of("envoy.extensions.filters.udp.udp_proxy.v3.UdpProxyConfig");
    }

    @Override
    public UdpProxyConfig translate(TypedConfig typed, FieldPath path, TranslationContext ctx) {
        if (typed == null) {
            throw path.error("missing required field");
        }
        var c = typed.unpack(io.envoyproxy.envoy.extensions.filters.udp.udp_proxy.v3.UdpProxyConfig.class, path);
        if (c.getStatPrefix().isEmpty()) {
            throw path.field("stat_prefix").error("missing required field");
        }
        UdpProxyConfig.Builder b = UdpProxyConfig.builder(c.getStatPrefix());
        if (c.hasMatcher()) {
            b.matcher(new UnifiedMatcherTranslator<String>(EnumSet.of(MatchInput.Kind.SOURCE_IP,
                    MatchInput.Kind.SOURCE_PORT, MatchInput.Kind.DESTINATION_IP, MatchInput.Kind.DESTINATION_PORT),
                    type -> "unsupported udp_proxy matcher input '" + type + "' (supported: the source and"
                            + " destination IP and port inputs)",
                    UdpProxyExtension::route).translate(c.getMatcher(), path.field("matcher")));
        } else if (c.hasCluster() && !c.getCluster().isEmpty()) {
            b.cluster(c.getCluster());
        } else {
            throw path.error(c.hasCluster() ? "cluster: must not be empty" : "missing required field: one of cluster,"
                    + " matcher");
        }
        b.idleTimeout(Protos.duration(c.hasIdleTimeout(), c.getIdleTimeout(), Duration.ofSeconds(60))).perPacketLoadBalancing(c.getUsePerPacketLoadBalancing());
        if (c.getUseOriginalSrcIp()) {
            throw path.field("use_original_src_ip").error("not supported: it needs transparent (IP_TRANSPARENT)"
                    + " upstream sockets sending from the downstream's address");
        }
        hashPolicies(c.getHashPoliciesList(), b, path.field("hash_policies"));
        if (c.getUpstreamSocketConfig().hasPreferGro()) {
            ctx.warnOnce("udp_socket_config.prefer_gro", "prefer_gro is ignored: Remora reads datagrams without"
                    + " GRO (Envoy documents it as affecting performance only), first at "
                    + path.field("upstream_socket_config").field("prefer_gro"));
        }
        if (c.hasUpstreamSocketConfig() && c.getUpstreamSocketConfig().hasMaxRxDatagramSize()) {
            b.upstreamMaxRxDatagramSize(datagramSize(c.getUpstreamSocketConfig().getMaxRxDatagramSize().getValue(),
                    path.field("upstream_socket_config").field("max_rx_datagram_size")));
        }
        if (c.getSessionFiltersCount() > 0) {
            throw path.field("session_filters").index(0).error("udp_proxy session filters are not supported");
        }
        if (c.hasTunnelingConfig()) {
            throw path.field("tunneling_config").error("UDP tunneling over HTTP is not supported");
        }
        b.sessionAccessLogs(AccessLogTranslator.translate(c.getAccessLogList(), path.field("access_log"), ctx));
        b.proxyAccessLogs(AccessLogTranslator.translate(c.getProxyAccessLogList(), path.field("proxy_access_log"), ctx));
        if (c.hasAccessLogOptions()) {
            ctx.warnOnce("udp_proxy.access_log_options", "udp_proxy access_log_options are not supported (sessions"
                    + " are logged as they end), first at " + path.field("access_log_options"));
        }
        return b.build();
    }

    /**
     * {@code max_rx_datagram_size}: above 0 and below 65536, as Envoy validates it.
     */
    public static int datagramSize(long v, FieldPath path) {
        if (v <= 0 || v >= 65536) {
            throw path.error("must be greater than 0 and less than 65536, not " + Long.toUnsignedString(v));
        }
        return (int) v;
    }

    private static void hashPolicies(List<HashPolicy> policies, UdpProxyConfig.Builder b, FieldPath path) {
        if (policies.size() > 1) {
            throw path.error("at most one hash policy, not " + policies.size());
        }
        if (policies.isEmpty()) {
            return;
        }
        HashPolicy p = policies.get(0);
        FieldPath pp = path.index(0);
        switch (p.getPolicySpecifierCase()) {
            case SOURCE_IP -> {
                if (!p.getSourceIp()) {
                    throw pp.field("source_ip").error("must be true");
                }
                b.hashSourceIp(true);
            }
            case KEY -> {
                if (p.getKey().isEmpty()) {
                    throw pp.field("key").error("must not be empty");
                }
                b.hashKey(p.getKey());
            }
            default -> throw pp.error("missing required field: one of source_ip, key");
        }
    }

    /** A matcher action: {@code udp_proxy.v3.Route} naming a cluster. */
    private static String route(com.github.xds.core.v3.TypedExtensionConfig action, FieldPath path) {
        FieldPath tp = path.field("typed_config");
        if (!action.hasTypedConfig()) {
            throw tp.error("missing required field");
        }
        String type = Protos.typeName(action.getTypedConfig());
        if (!type.equals(ROUTE)) {
            throw tp.error("a udp_proxy matcher's action must be " + ROUTE + ", not " + type);
        }
        Route r = Protos.unpack(action.getTypedConfig(), Route.class, tp);
        if (r.getCluster().isEmpty()) {
            throw tp.field("cluster").error("missing required field");
        }
        return r.getCluster();
    }
}
