package io.remora.http.upstream;

import io.remora.network.ConnectionInfo;
import io.remora.network.FilterState;
import io.remora.network.OriginalSource;
import io.remora.network.ProxyProtocolData;
import io.remora.upstream.UpstreamConnector;
import io.remora.upstream.UpstreamTlsNames;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * What sets a request's upstream connections apart from the host's plain ones, as Envoy keys
 * pools by the transport socket options: original_src's binding (the downstream's source), an
 * ALPN override from filter state ({@code envoy.network.application_protocols}, Istio's
 * {@code istio.alpn}), the SNI and SANs of filter state or {@code auto_sni}/{@code auto_san_validation}, and the
 * PROXY data an upstream_proxy_protocol socket sends (Envoy hashes it into the key), and the
 * route's priority (Envoy keeps pools per priority: HIGH requests never share DEFAULT's
 * connections, and count against the HIGH circuit breakers), and the filter state objects shared
 * with the upstream connection. Connections are shared only among requests with equal options.
 *
 * <p>Shared objects key pools as Envoy hashes them: only {@link FilterState.Hashable} ones, by
 * name and value ({@code sharedKey}). The others ride along ({@code shared}, all of them, as the
 * pool's connections carry them to an internal listener) without setting the pool apart: the pool
 * was made by the first request that needed it, and its connections carry that request's objects.
 *
 * @param source       original_src's binding, or null
 * @param alpnOverride the protocols to offer instead of the TLS context's, or null
 * @param tlsNames     the request's SNI and SANs to verify, or null for the cluster's own
 * @param proxyProtocol the downstream's PROXY data, for a cluster whose sockets send it; else null
 * @param high         the pools of the HIGH routing priority
 * @param shared       the objects shared with the upstream connection, or null for none
 * @param sharedKey    the hashable ones among them by name, or null for none: the part that keys
 */
public record PoolOptions(OriginalSource source, List<String> alpnOverride, UpstreamTlsNames tlsNames,
                          ProxyProtocolData proxyProtocol, boolean high, List<FilterState.Shared> shared,
                          Map<String, Object> sharedKey) {

    public PoolOptions {
        alpnOverride = alpnOverride == null || alpnOverride.isEmpty() ? null : List.copyOf(alpnOverride);
        shared = shared == null || shared.isEmpty() ? null : List.copyOf(shared);
        sharedKey = sharedKey == null || sharedKey.isEmpty() ? null : Map.copyOf(sharedKey);
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
        return of(source, alpnOverride, tlsNames, proxyProtocol, high, null);
    }

    /**
     * The options, or null when there are none (the host's plain DEFAULT-priority pools).
     *
     * @param state the filter state whose objects shared with the upstream connection go with the
     *              pool's connections; null for none
     */
    public static PoolOptions of(OriginalSource source, List<String> alpnOverride, UpstreamTlsNames tlsNames,
                                 ProxyProtocolData proxyProtocol, boolean high, FilterState state) {
        List<FilterState.Shared> shared = state == null ? List.of() : state.sharedWithUpstream();
        return source == null && (alpnOverride == null || alpnOverride.isEmpty()) && tlsNames == null
                && proxyProtocol == null && !high && shared.isEmpty() ? null
                : new PoolOptions(source, alpnOverride, tlsNames, proxyProtocol, high, shared, hashable(shared));
    }

    /** Envoy's pool hash: the shared objects that can hash, by name; null when none can. */
    private static Map<String, Object> hashable(List<FilterState.Shared> shared) {
        Map<String, Object> key = null;
        for (FilterState.Shared o : shared) {
            if (o.value() instanceof FilterState.Hashable) {
                if (key == null) {
                    key = new HashMap<>(4);
                }
                key.put(o.name(), o.value());
            }
        }
        return key;
    }

    /**
     * Whether these options key the host's plain pools: they differ from none but in shared objects
     * that cannot hash (Envoy's hash key is then the plain one).
     */
    boolean keysPlainPool() {
        return source == null && alpnOverride == null && tlsNames == null && proxyProtocol == null && !high
                && sharedKey == null;
    }

    /** Equal when they key the same pool: {@code shared} counts only through {@code sharedKey}. */
    @Override
    public boolean equals(Object o) {
        return o instanceof PoolOptions p && high == p.high && Objects.equals(source, p.source)
                && Objects.equals(alpnOverride, p.alpnOverride) && Objects.equals(tlsNames, p.tlsNames)
                && Objects.equals(proxyProtocol, p.proxyProtocol) && Objects.equals(sharedKey, p.sharedKey);
    }

    @Override
    public int hashCode() {
        return Objects.hash(source, alpnOverride, tlsNames, proxyProtocol, high, sharedKey);
    }

    /** {@code base} making connections as {@code options} say; {@code base} itself for null options. */
    static UpstreamConnector.ConnectOptions connectOptions(PoolOptions options, UpstreamConnector.ConnectOptions base) {
        return options == null ? base : base.with(options.source, options.alpnOverride).withTlsNames(options.tlsNames)
                .withProxyProtocol(options.proxyProtocol).withShared(options.shared);
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

    /**
     * A request's options: the connection's original_src, the ALPN override and TLS names of its
     * filter state ({@link io.remora.upstream.TransportSocketOptions}), and {@code proxyProtocol}
     * ({@link #proxyProtocolFor}), and the route's priority, and the objects the request shares with
     * the upstream connection.
     */
    public static PoolOptions forRequest(OriginalSource source, FilterState state, ProxyProtocolData proxyProtocol,
                                         boolean high) {
        return of(source, io.remora.upstream.TransportSocketOptions.alpnOverride(state),
                io.remora.upstream.TransportSocketOptions.tlsNames(state), proxyProtocol, high, state);
    }
}
