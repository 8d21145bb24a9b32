package io.remora.http.upstream;

import io.remora.network.OriginalSource;

import java.util.List;

/**
 * What sets a request's upstream connections apart from the host's plain ones, as Envoy keys
 * pools by the transport socket options: original_src's binding (the downstream's source), and
 * an ALPN override from filter state ({@code envoy.network.application_protocols}, Istio's
 * {@code istio.alpn}). Connections are shared only among requests with equal options.
 *
 * @param source       original_src's binding, or null
 * @param alpnOverride the protocols to offer instead of the TLS context's, or null
 */
public record PoolOptions(OriginalSource source, List<String> alpnOverride) {

    public PoolOptions {
        alpnOverride = alpnOverride == null || alpnOverride.isEmpty() ? null : List.copyOf(alpnOverride);
    }

    /** The options, or null when there are none (the host's plain pools). */
    public static PoolOptions of(OriginalSource source, List<String> alpnOverride) {
        return source == null && (alpnOverride == null || alpnOverride.isEmpty()) ? null
                : new PoolOptions(source, alpnOverride);
    }

    /** The filter state key Envoy's upstream TLS reads an ALPN override from. */
    public static final String APPLICATION_PROTOCOLS = "envoy.network.application_protocols";

    /** A request's options: the connection's original_src and the ALPN override its filters left. */
    public static PoolOptions forRequest(OriginalSource source, io.remora.network.FilterState state) {
        Object alpn = state == null ? null : state.get(APPLICATION_PROTOCOLS);
        @SuppressWarnings("unchecked")
        List<String> override = alpn instanceof List<?> l ? (List<String>) l : null;
        return of(source, override);
    }
}
