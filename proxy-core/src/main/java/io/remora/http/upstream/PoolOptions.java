package io.remora.http.upstream;

import io.remora.network.OriginalSource;
import io.remora.upstream.UpstreamTlsNames;

import java.util.List;

/**
 * What sets a request's upstream connections apart from the host's plain ones, as Envoy keys
 * pools by the transport socket options: original_src's binding (the downstream's source), an
 * ALPN override from filter state ({@code envoy.network.application_protocols}, Istio's
 * {@code istio.alpn}), and the SNI and SAN of {@code auto_sni}/{@code auto_san_validation}.
 * Connections are shared only among requests with equal options.
 *
 * @param source       original_src's binding, or null
 * @param alpnOverride the protocols to offer instead of the TLS context's, or null
 * @param tlsNames     the request's SNI and SAN to verify, or null for the cluster's own
 */
public record PoolOptions(OriginalSource source, List<String> alpnOverride, UpstreamTlsNames tlsNames) {

    public PoolOptions {
        alpnOverride = alpnOverride == null || alpnOverride.isEmpty() ? null : List.copyOf(alpnOverride);
    }

    /** The options, or null when there are none (the host's plain pools). */
    public static PoolOptions of(OriginalSource source, List<String> alpnOverride) {
        return of(source, alpnOverride, null);
    }

    /** The options, or null when there are none (the host's plain pools). */
    public static PoolOptions of(OriginalSource source, List<String> alpnOverride, UpstreamTlsNames tlsNames) {
        return source == null && (alpnOverride == null || alpnOverride.isEmpty()) && tlsNames == null ? null
                : new PoolOptions(source, alpnOverride, tlsNames);
    }

    /** The filter state key Envoy's upstream TLS reads an ALPN override from. */
    public static final String APPLICATION_PROTOCOLS = "envoy.network.application_protocols";

    /**
     * A request's options: the connection's original_src, the ALPN override its filters left and the
     * TLS names the router left ({@link UpstreamTlsNames#FILTER_STATE_KEY}).
     */
    public static PoolOptions forRequest(OriginalSource source, io.remora.network.FilterState state) {
        Object alpn = state == null ? null : state.get(APPLICATION_PROTOCOLS);
        @SuppressWarnings("unchecked")
        List<String> override = alpn instanceof List<?> l ? (List<String>) l : null;
        UpstreamTlsNames names = state == null ? null : state.get(UpstreamTlsNames.FILTER_STATE_KEY, UpstreamTlsNames.class);
        return of(source, override, names);
    }
}
