package io.remora.config;

import java.util.List;

/**
 * The connection manager's {@code internal_address_config}: which downstream addresses are
 * internal (x-envoy-internal set, Envoy's internal headers kept).
 *
 * @param unixSockets a Unix socket peer is internal
 * @param cidrRanges  the internal IP ranges; empty: Envoy's RFC 1918 / RFC 4193 set
 * @param configured  false when the connection manager has no {@code internal_address_config}:
 *                    then no address is internal, as in Envoy since 1.33
 */
public record InternalAddressConfig(boolean unixSockets, List<CidrRange> cidrRanges, boolean configured) {

    /** What a connection manager without the field uses: nothing is internal. */
    public static final InternalAddressConfig DEFAULT = new InternalAddressConfig(false, List.of(), false);

    public InternalAddressConfig {
        cidrRanges = List.copyOf(cidrRanges);
    }

    /** A configured {@code internal_address_config}. */
    public InternalAddressConfig(boolean unixSockets, List<CidrRange> cidrRanges) {
        this(unixSockets, cidrRanges, true);
    }
}
