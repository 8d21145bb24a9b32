package io.remora.http.upstream;

import io.remora.network.ConnectionInfo;
import io.remora.network.FilterState;
import io.remora.network.OriginalSource;
import io.remora.network.ProxyProtocolData;
import io.remora.upstream.UpstreamTlsNames;

import java.util.List;

/**
 * What sets a request's upstream connections apart from the host's plain ones, as Envoy keys
 * pools by the transport socket options: original_src's binding (the downstream's source), an
 * ALPN override from filter state ({@code envoy.network.application_protocols}, Istio's
 * {@code istio.alpn}), the SNI and SAN of {@code auto_sni}/{@code auto_san_validation}, and the
 * PROXY data an upstream_proxy_protocol socket sends (Envoy hashes it into the key), and the
 * route's priority (Envoy keeps pools per priority: HIGH requests never share DEFAULT's
 * connections, and count against the HIGH circuit breakers). Connections are shared only among
 * requests with equal options.
 *
 * @param source       original_src's binding, or null
 * @param alpnOverride the protocols to offer instead of the TLS context's, or null
 * @param tlsNames     the request's SNI and SAN to verify, or null for the cluster's own
 * @param proxyProtocol the downstream's PROXY data, for a cluster whose sockets send it; else null
 * @param high         the pools of the HIGH routing priority
 */
public record PoolOptions(OriginalSource source, List<String> alpnOverride, UpstreamTlsNames tlsNames,
                          ProxyProtocolData proxyProtocol, boolean high) {

    public PoolOptions {
        alpnOverride = alpnOverride == null || alpnOverride.isEmpty() ? null : List.copyOf(alpnOverride);
    }

    /** The options, or null when there are none (the host's plain pools). */
    public static PoolOptions of(OriginalSource source, List<String> alpnOverride) {
        return of(source, alpnOverride, null);
    }

    /** The options, or null when there are none (the host's plain pools). */
    public static PoolOptions of(OriginalSource source, List<String> alpnOverride, UpstreamTlsNames tlsNames) {
        return of(source, alpnOverride, tlsNames, null);
    }

    /** The options, or null when there are none (the host's plain pools). */
    public static PoolOptions of(OriginalSource source, List<String> alpnOverride, UpstreamTlsNames tlsNames,
                                 ProxyProtocolData proxyProtocol) {
        return of(source, alpnOverride, tlsNames, proxyProtocol, false);
    }

    /** The options, or null when there are none (the host's plain DEFAULT-priority pools). */
    public static PoolOptions of(OriginalSource source, List<String> alpnOverride, UpstreamTlsNames tlsNames,
                                 ProxyProtocolData proxyProtocol, boolean high) {
        return source == null && (alpnOverride == null || alpnOverride.isEmpty()) && tlsNames == null
                && proxyProtocol == null && !high ? null
                : new PoolOptions(source, alpnOverride, tlsNames, proxyProtocol, high);
    }

    /** Whether {@code options} are the HIGH priority's. */
    static boolean high(PoolOptions options) {
        return options != null && options.high;
    }

    /**
     * The PROXY data a request or session on {@code connection} sends to {@code cluster}: the filter
     * state's, else the connection's addresses; null (computed for nothing) when the cluster sends
     * no PROXY header.
     */
    public static ProxyProtocolData proxyProtocolFor(io.remora.upstream.Cluster cluster, FilterState state,
                                                     ConnectionInfo connection) {
        return cluster.config().usesProxyProtocol() ? ProxyProtocolData.of(state, connection) : null;
    }

    /** The filter state key Envoy's upstream TLS reads an ALPN override from. */
    public static final String APPLICATION_PROTOCOLS = "envoy.network.application_protocols";

    /**
     * A request's options: the connection's original_src, the ALPN override its filters left and the
     * TLS names the router left ({@link UpstreamTlsNames#FILTER_STATE_KEY}), and {@code proxyProtocol}
     * ({@link #proxyProtocolFor}), and the route's priority.
     */
    public static PoolOptions forRequest(OriginalSource source, FilterState state, ProxyProtocolData proxyProtocol,
                                         boolean high) {
        Object alpn = state == null ? null : state.get(APPLICATION_PROTOCOLS);
        @SuppressWarnings("unchecked")
        List<String> override = alpn instanceof List<?> l ? (List<String>) l : null;
        UpstreamTlsNames names = state == null ? null : state.get(UpstreamTlsNames.FILTER_STATE_KEY, UpstreamTlsNames.class);
        return of(source, override, names, proxyProtocol, high);
    }
}
