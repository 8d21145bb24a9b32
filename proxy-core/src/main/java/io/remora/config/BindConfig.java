package io.remora.config;

import java.util.List;

/**
 * {@code config.core.v3.BindConfig} of a cluster ({@code upstream_bind_config}): the local
 * address upstream connections bind before connecting. Istio binds its inbound clusters to
 * 127.0.0.6 so that its iptables rules let the proxy's own connections to the app through.
 *
 * @param sourceAddress      IP and port (0: any) to bind; null leaves it to the kernel
 * @param freebind           IP_FREEBIND: bind even when the address is not (yet) local
 * @param extraSourceAddresses further addresses (extra/additional_source_addresses): the first
 *                           address of the upstream's IP family is used
 * @param socketOptions      set on each upstream socket before it binds and connects
 */
public record BindConfig(Address.Tcp sourceAddress, boolean freebind, List<Address.Tcp> extraSourceAddresses,
                         List<SocketOption> socketOptions) {
    public BindConfig {
        extraSourceAddresses = List.copyOf(extraSourceAddresses);
        socketOptions = socketOptions == null ? List.of() : List.copyOf(socketOptions);
    }

    /** Without socket options. */
    public BindConfig(Address.Tcp sourceAddress, boolean freebind, List<Address.Tcp> extraSourceAddresses) {
        this(sourceAddress, freebind, extraSourceAddresses, List.of());
    }
}
