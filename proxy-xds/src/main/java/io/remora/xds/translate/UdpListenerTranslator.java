package io.remora.xds.translate;

import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.listener.v3.ListenerFilter;
import io.remora.config.Address;
import io.remora.config.ListenerConfig;
import io.remora.config.UdpListenerFilterConfig;
import io.remora.config.UdpProxyConfig;
import io.remora.extensions.Extension;
import io.remora.extensions.ExtensionRegistry;
import io.remora.extensions.UdpListenerFilterExtension;
import io.remora.extensions.filters.udp.udp_proxy.UdpProxyExtension;

/**
 * A listener whose address is UDP ({@code socket_address.protocol: UDP}): its datagrams go to its
 * UDP listener filter (udp_proxy or the DNS filter), so it has no filter chains;
 * {@code udp_listener_config} gives the largest datagram taken. Options of TCP listeners that cannot apply are refused.
 */
final class UdpListenerTranslator {

    private UdpListenerTranslator() {
    }

    static ListenerConfig translate(Listener l, FieldPath path, TranslationContext ctx) {
        Address.Tcp address = AddressTranslator.translateUdp(l.getAddress(), path.field("address"));
        if (l.getFilterChainsCount() > 0) {
            throw path.field("filter_chains").error("a UDP listener has no filter chains: its listener_filters"
                    + " (envoy.filters.udp_listener.udp_proxy) take the datagrams");
        }
        if (l.hasDefaultFilterChain()) {
            throw path.field("default_filter_chain").error("a UDP listener has no filter chains");
        }
        if (l.hasFilterChainMatcher()) {
            throw path.field("filter_chain_matcher").error("a UDP listener has no filter chains");
        }
        if (l.getAdditionalAddressesCount() > 0) {
            throw path.field("additional_addresses").error("not supported on UDP listeners");
        }
        if (l.hasUseOriginalDst() && l.getUseOriginalDst().getValue()) {
            throw path.field("use_original_dst").error("not supported on UDP listeners");
        }
        if (l.getEnableMptcp()) {
            throw path.field("enable_mptcp").error("enable_mptcp can only be used with TCP listeners");
        }
        if (l.getAccessLogCount() > 0) {
            ctx.warnOnce("udp_listener.access_log", "a UDP listener's access_log is not supported (ignored), first at "
                    + path.field("access_log"));
        }
        int maxRx = UdpProxyConfig.DEFAULT_MAX_RX_DATAGRAM_SIZE;
        if (l.hasUdpListenerConfig()) {
            var u = l.getUdpListenerConfig();
            FieldPath up = path.field("udp_listener_config");
            if (u.hasQuicOptions()) {
                throw up.field("quic_options").error("QUIC (HTTP/3) listeners are not supported");
            }
            if (u.getDownstreamSocketConfig().hasPreferGro()) {
                ctx.warnOnce("udp_socket_config.prefer_gro", "prefer_gro is ignored: Remora reads datagrams without"
                        + " GRO (Envoy documents it as affecting performance only), first at "
                        + up.field("downstream_socket_config").field("prefer_gro"));
            }
            if (u.hasDownstreamSocketConfig() && u.getDownstreamSocketConfig().hasMaxRxDatagramSize()) {
                maxRx = UdpProxyExtension.datagramSize(u.getDownstreamSocketConfig().getMaxRxDatagramSize().getValue(),
                        up.field("downstream_socket_config").field("max_rx_datagram_size"));
            }
            if (u.hasUdpPacketPacketWriterConfig()) {
                ctx.warnOnce("udp_listener.writer", "udp_packet_packet_writer_config is not supported (the default"
                        + " writer is used), first at " + up.field("udp_packet_packet_writer_config"));
            }
        }
        UdpListenerFilterConfig filter = udpFilter(l, path.field("listener_filters"), ctx);
        String name = l.getName().isEmpty() ? ListenerTranslator.defaultName(address) : l.getName();
        return ListenerConfig.builder(name, address)
                .statPrefix(l.getStatPrefix())
                .direction(ListenerTranslator.direction(l))
                .bindToPort(!l.hasBindToPort() || l.getBindToPort().getValue())
                .transparent(Protos.bool(l.hasTransparent(), l.getTransparent(), false))
                .freebind(Protos.bool(l.hasFreebind(), l.getFreebind(), false))
                .bypassOverloadManager(l.getBypassOverloadManager())
                .socketOptions(ListenerTranslator.socketOptions(l.getSocketOptionsList(), path.field("socket_options")))
                .udp(new ListenerConfig.UdpListener(maxRx, filter))
                // Envoy reads no other socket field of a UDP listener (backlog, balance, fast open are TCP's).
                .socket(io.remora.config.ListenerSocketConfig.builder()
                        .reusePort(!l.hasEnableReusePort() || l.getEnableReusePort().getValue()).build())
                .drainType(ListenerSocketTranslator.drainType(l))
                .build();
    }

    /**
     * The one UDP listener filter: udp_proxy or the DNS filter. Any other would leave datagrams
     * unserved, so it is refused.
     */
    private static UdpListenerFilterConfig udpFilter(Listener l, FieldPath path, TranslationContext ctx) {
        if (l.getListenerFiltersCount() == 0) {
            throw path.error("a UDP listener needs a UDP listener filter (envoy.filters.udp_listener.udp_proxy)");
        }
        if (l.getListenerFiltersCount() > 1) {
            throw path.index(1).error("a UDP listener takes one listener filter, its udp_proxy or dns_filter");
        }
        ListenerFilter f = l.getListenerFilters(0);
        FieldPath fp = path.index(0);
        if (f.hasConfigDiscovery()) {
            throw fp.field("config_discovery").error("filter config discovery (ECDS) is not supported");
        }
        FieldPath tp = fp.field("typed_config");
        TypedConfig typed = TypedConfig.named(f.hasTypedConfig(), f.getTypedConfig(), tp);
        ExtensionRegistry registry = ExtensionRegistry.get();
        Extension ext = typed != null ? registry.byConfigType(typed.typeName()) : registry.byName(f.getName());
        if (!(ext instanceof UdpListenerFilterExtension u)) {
            throw fp.error("UDP listener filter '" + f.getName() + "'" + (typed == null ? "" : " (" + typed.typeName()
                    + ")") + " is not supported; supported: envoy.filters.udp_listener.udp_proxy,"
                    + " envoy.filters.udp.dns_filter");
        }
        if (f.hasFilterDisabled()) {
            ctx.warnOnce("udp_listener.filter_disabled", "filter_disabled is not supported on UDP listener filters"
                    + " (the filter always runs), first at " + fp.field("filter_disabled"));
        }
        return u.translate(typed, tp, ctx);
    }
}
