package io.remora.upstream;

import java.util.List;

/**
 * The TLS names one upstream connection is made for, as Envoy's transport socket options carry
 * them: a server name to send instead of the transport socket's {@code sni}, and the SANs the
 * peer certificate must carry besides what the validation context asks. They come from filter
 * state ({@link TransportSocketOptions#tlsNames}) or from a cluster's {@code auto_sni} /
 * {@code auto_san_validation}, and key the pools: a connection made for one name never serves a
 * request for another.
 *
 * @param serverName      the SNI to send instead of the transport socket's {@code sni}, or null
 * @param subjectAltNames names of which the peer certificate must carry one as a SAN, or null
 */
public record UpstreamTlsNames(String serverName, List<String> subjectAltNames) {

    /**
     * Where the router leaves the names auto_sni/auto_san_validation made for a request; a
     * filter-set {@link TransportSocketOptions#SERVER_NAME} or {@link TransportSocketOptions#SUBJECT_ALT_NAMES}
     * takes precedence over them, as Envoy's router only fills in what filter state lacks.
     */
    public static final String FILTER_STATE_KEY = "remora.upstream_tls_names";

    public UpstreamTlsNames {
        subjectAltNames = subjectAltNames == null || subjectAltNames.isEmpty() ? null : List.copyOf(subjectAltNames);
    }
}
