package io.remora.upstream;

/**
 * The TLS names one request's upstream connection is made for, as Envoy's router hands them to
 * the transport socket (its {@code UpstreamServerName} and {@code UpstreamSubjectAltNames}
 * filter state) when a cluster has {@code auto_sni} or {@code auto_san_validation}. They key
 * the pools too: a connection made for one name never serves a request for another.
 *
 * @param serverName     the SNI to send instead of the transport socket's {@code sni}, or null
 * @param subjectAltName a name the peer certificate must carry as a SAN, besides what the
 *                       validation context asks, or null
 */
public record UpstreamTlsNames(String serverName, String subjectAltName) {

    /** Where the router leaves a request's names, in the stream's filter state (Envoy keeps them there too). */
    public static final String FILTER_STATE_KEY = "remora.upstream_tls_names";
}
