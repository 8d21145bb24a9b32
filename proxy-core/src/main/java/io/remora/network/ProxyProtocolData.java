package io.remora.network;

import io.remora.config.ProxyProtocolTlv;

import java.net.SocketAddress;
import java.util.List;

/**
 * Envoy's {@code envoy.network.proxy_protocol_options} filter state object: the source and
 * destination (and TLVs) an upstream PROXY protocol header carries for a downstream connection.
 * The proxy_protocol listener filter leaves the ones a received header named; without it the
 * downstream connection's own addresses are used. Equal by content: it keys the HTTP pools of
 * clusters that send PROXY headers, so two downstreams with different data never share an upstream
 * connection (Envoy hashes it into the pool key).
 *
 * @param source      the client
 * @param destination the address the client connected to
 * @param tlvs        version 2 TLVs received from the downstream and kept (the listener's
 *                    {@code pass_through_tlvs}), in order
 */
public record ProxyProtocolData(SocketAddress source, SocketAddress destination, List<ProxyProtocolTlv> tlvs) {

    public static final String FILTER_STATE_KEY = "envoy.network.proxy_protocol_options";

    public ProxyProtocolData {
        tlvs = tlvs == null ? List.of() : List.copyOf(tlvs);
    }

    /**
     * The data for an upstream connection made on behalf of a downstream connection: the filter
     * state's object (here or in the connection's state), else the connection's remote and local
     * addresses, as Envoy's tcp_proxy and HTTP connection manager default it.
     *
     * @param state the request's or the connection's filter state, or null
     * @param info  the downstream connection, or null (none: no data)
     */
    public static ProxyProtocolData of(FilterState state, ConnectionInfo info) {
        return of(state, info, List.of());
    }

    /** As {@link #of(FilterState, ConnectionInfo)}, with {@code tlvs} when the data is made here (tcp_proxy's). */
    public static ProxyProtocolData of(FilterState state, ConnectionInfo info, List<ProxyProtocolTlv> tlvs) {
        ProxyProtocolData d = state == null ? null : state.get(FILTER_STATE_KEY, ProxyProtocolData.class);
        if (d != null || info == null) {
            return d;
        }
        return new ProxyProtocolData(info.remoteAddress(), info.localAddress(), tlvs);
    }
}
