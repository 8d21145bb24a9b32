package io.remora.config;

import java.util.List;
import java.util.Set;

/**
 * The {@code envoy.transport_sockets.upstream_proxy_protocol} transport socket of a cluster (or
 * of one of its {@code transport_socket_matches}): a PROXY protocol header goes first on each of
 * its connections, before the inner socket's bytes (a TLS handshake included).
 *
 * @param version         1 (text) or 2 (binary)
 * @param passAllTlvs     {@code pass_through_tlvs} with {@code INCLUDE_ALL}: every TLV the
 *                        downstream's PROXY data carries goes on (version 2)
 * @param passThroughTlvs {@code pass_through_tlvs} with {@code INCLUDE}: the TLV types that go on
 * @param addedTlvs       {@code added_tlvs}: sent in every version 2 header, over a passed-through
 *                        TLV of the same type
 */
public record UpstreamProxyProtocolConfig(int version, boolean passAllTlvs, Set<Integer> passThroughTlvs,
                                          List<ProxyProtocolTlv> addedTlvs) {
    public UpstreamProxyProtocolConfig {
        if (version != 1 && version != 2) {
            throw new IllegalArgumentException("PROXY protocol version " + version);
        }
        passThroughTlvs = passThroughTlvs == null ? Set.of() : Set.copyOf(passThroughTlvs);
        addedTlvs = addedTlvs == null ? List.of() : List.copyOf(addedTlvs);
    }

    /** Whether a downstream TLV of {@code type} goes on. */
    public boolean passes(int type) {
        return passAllTlvs || passThroughTlvs.contains(type);
    }
}
