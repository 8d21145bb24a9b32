package io.remora.upstream;

import io.remora.network.FilterState;

import java.util.List;

/**
 * Envoy's {@code TransportSocketOptionsUtility::fromFilterState}: the filter state objects that
 * shape a request's or a connection's upstream TLS, read by the router per request and by
 * tcp_proxy per connection. set_filter_state makes them as Envoy's object factories do (the
 * server name as is, the lists split on ','), Istio's istio.alpn and forward_downstream_sni too.
 * The PROXY protocol state is {@link io.remora.network.ProxyProtocolData}'s.
 */
public final class TransportSocketOptions {

    /** A {@code List<String>}: the ALPN to offer instead of the TLS context's. */
    public static final String APPLICATION_PROTOCOLS = "envoy.network.application_protocols";
    /** A {@code String}: the SNI to send instead of the transport socket's (and of auto_sni's). */
    public static final String SERVER_NAME = "envoy.network.upstream_server_name";
    /** A {@code List<String>}: SANs the peer certificate must carry one of (instead of auto_san_validation's). */
    public static final String SUBJECT_ALT_NAMES = "envoy.network.upstream_subject_alt_names";

    private TransportSocketOptions() {
    }

    /** The ALPN override in {@code state}, or null. */
    @SuppressWarnings("unchecked")
    public static List<String> alpnOverride(FilterState state) {
        return state != null && state.get(APPLICATION_PROTOCOLS) instanceof List<?> l ? (List<String>) l : null;
    }

    /**
     * The names in {@code state}: the filter-set server name and SANs, each else the router's
     * auto_sni/auto_san_validation ones ({@link UpstreamTlsNames#FILTER_STATE_KEY}); null when none.
     */
    @SuppressWarnings("unchecked")
    public static UpstreamTlsNames tlsNames(FilterState state) {
        if (state == null) {
            return null;
        }
        UpstreamTlsNames auto = state.get(UpstreamTlsNames.FILTER_STATE_KEY, UpstreamTlsNames.class);
        Object name = state.get(SERVER_NAME);
        Object sans = state.get(SUBJECT_ALT_NAMES);
        if (name == null && sans == null) {
            return auto;
        }
        // As Envoy's: a filter-set name keeps auto_sni's out even when empty, and an empty one
        // leaves the transport socket's sni.
        String sni = name instanceof String s ? s.isEmpty() ? null : s : auto == null ? null : auto.serverName();
        List<String> san = sans instanceof List<?> l ? (List<String>) l : auto == null ? null : auto.subjectAltNames();
        return sni == null && san == null ? null : new UpstreamTlsNames(sni, san);
    }
}
