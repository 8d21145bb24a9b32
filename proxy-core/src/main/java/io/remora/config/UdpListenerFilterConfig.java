package io.remora.config;

/** The config of a UDP listener's one listener filter: udp_proxy or the DNS filter. */
public sealed interface UdpListenerFilterConfig permits UdpProxyConfig, DnsFilterConfig {

    String statPrefix();
}
