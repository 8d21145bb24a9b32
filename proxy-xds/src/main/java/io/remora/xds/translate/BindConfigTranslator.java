package io.remora.xds.translate;

import io.envoyproxy.envoy.config.core.v3.SocketAddress;
import io.remora.config.Address;
import io.remora.config.BindConfig;

import java.util.ArrayList;
import java.util.List;

/**
 * {@code config.core.v3.BindConfig} (a cluster's {@code upstream_bind_config}) and the
 * ORIGINAL_DST cluster's {@code original_dst_lb_config}: where upstream connections come from
 * and go to.
 */
public final class BindConfigTranslator {

    private BindConfigTranslator() {
    }

    /**
     * Bootstrap {@code cluster_manager.upstream_bind_config}: the bind config of every cluster that has
     * no {@code upstream_bind_config} of its own, as in Envoy; null when unset.
     */
    public static BindConfig clusterManagerDefault(io.envoyproxy.envoy.config.bootstrap.v3.Bootstrap b,
                                                   TranslationContext ctx) {
        return b.getClusterManager().hasUpstreamBindConfig() ? translate(b.getClusterManager().getUpstreamBindConfig(),
                FieldPath.of("cluster_manager").field("upstream_bind_config"), ctx) : null;
    }

    @SuppressWarnings("deprecation")
    static BindConfig translate(io.envoyproxy.envoy.config.core.v3.BindConfig b, FieldPath path, TranslationContext ctx) {
        Address.Tcp source = b.hasSourceAddress() ? ip(b.getSourceAddress(), path.field("source_address")) : null;
        List<Address.Tcp> extra = new ArrayList<>();
        for (int i = 0; i < b.getExtraSourceAddressesCount(); i++) {
            FieldPath ep = path.field("extra_source_addresses").index(i);
            if (!b.getExtraSourceAddresses(i).hasAddress()) {
                throw ep.field("address").error("missing required field");
            }
            if (b.getExtraSourceAddresses(i).hasSocketOptions()) {
                ctx.warnOnce("bind_config.extra_source_addresses.socket_options", "socket_options of extra source"
                        + " addresses are not supported and are ignored, first at " + ep.field("socket_options"));
            }
            extra.add(ip(b.getExtraSourceAddresses(i).getAddress(), ep.field("address")));
        }
        if (b.getAdditionalSourceAddressesCount() > 0 && !extra.isEmpty()) {
            throw path.field("additional_source_addresses").error("cannot be set together with extra_source_addresses");
        }
        for (int i = 0; i < b.getAdditionalSourceAddressesCount(); i++) {
            extra.add(ip(b.getAdditionalSourceAddresses(i), path.field("additional_source_addresses").index(i)));
        }
        if (source == null && !extra.isEmpty()) {
            throw path.field("source_address").error("required when extra source addresses are set");
        }
        if (b.hasLocalAddressSelector()) {
            throw path.field("local_address_selector").error("custom local address selectors are not supported");
        }
        boolean freebind = Protos.bool(b.hasFreebind(), b.getFreebind(), false);
        if (extra.size() > 1) {
            // As Envoy's default selector: one address per IP family.
            throw path.field("extra_source_addresses").error("only one extra source address is supported");
        }
        for (Address.Tcp e : extra) {
            if (source != null && isV6(e.host()) == isV6(source.host())) {
                throw path.field("extra_source_addresses").error("the extra source address needs the other IP version"
                        + " than source_address");
            }
        }
        return new BindConfig(source, freebind, List.copyOf(extra),
                ListenerTranslator.socketOptions(b.getSocketOptionsList(), path.field("socket_options")));
    }

    /** {@code original_dst_lb_config}; null when unset or nothing in it applies. */
    static io.remora.config.ClusterConfig.OriginalDstLb originalDstLb(
            io.envoyproxy.envoy.config.cluster.v3.Cluster c, io.remora.config.ClusterConfig.DiscoveryType type,
            FieldPath path) {
        if (!c.hasOriginalDstLbConfig()) {
            return null;
        }
        FieldPath op = path.field("original_dst_lb_config");
        if (type != io.remora.config.ClusterConfig.DiscoveryType.ORIGINAL_DST) {
            throw op.error("only ORIGINAL_DST clusters take original_dst_lb_config");
        }
        var o = c.getOriginalDstLbConfig();
        String header = null;
        if (o.getUseHttpHeader()) {
            header = o.getHttpHeaderName().isEmpty() ? "x-envoy-original-dst-host"
                    : o.getHttpHeaderName().toLowerCase(java.util.Locale.ROOT);
        }
        int port = 0;
        if (o.hasUpstreamPortOverride()) {
            port = o.getUpstreamPortOverride().getValue();
            if (port < 1 || port > 65535) {
                throw op.field("upstream_port_override").error("must be in [1, 65535]");
            }
        }
        if (o.hasMetadataKey()) {
            throw op.field("metadata_key").error("metadata-named destinations are not supported");
        }
        return header == null && port == 0 ? null : new io.remora.config.ClusterConfig.OriginalDstLb(header, port);
    }

    private static boolean isV6(String ip) {
        return ip.indexOf(':') >= 0;
    }

    private static Address.Tcp ip(SocketAddress s, FieldPath path) {
        if (s.getAddress().isEmpty()) {
            throw path.field("address").error("missing required field");
        }
        if (!io.netty.util.NetUtil.isValidIpV4Address(s.getAddress()) && !io.netty.util.NetUtil.isValidIpV6Address(s.getAddress())) {
            throw path.field("address").error("'" + s.getAddress() + "' is not an IP address");
        }
        int port = s.getPortValue();
        if (port < 0 || port > 65535) {
            throw path.field("port_value").error("port " + Integer.toUnsignedString(port) + " is out of range");
        }
        return new Address.Tcp(s.getAddress(), port);
    }
}
