package io.remora.config;

import java.util.List;

/**
 * The connection manager's {@code internal_address_config}: which downstream addresses are
 * internal (x-envoy-internal set, Envoy's internal headers kept).
 *
 * @param unixSockets a Unix socket peer is internal
 * @param cidrRanges  the internal IP ranges; empty: Envoy's default (RFC 1918, loopback, unique local)
 */
public record InternalAddressConfig(boolean unixSockets, List<CidrRange> cidrRanges) {

    /** What a connection manager without the field uses. */
    public static final InternalAddressConfig DEFAULT = new InternalAddressConfig(false, List.of());

    public InternalAddressConfig {
        cidrRanges = List.copyOf(cidrRanges);
    }
}
