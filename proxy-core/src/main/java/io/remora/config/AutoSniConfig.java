package io.remora.config;

/**
 * A cluster's {@code upstream_http_protocol_options} (Istio sets them on clusters that
 * originate TLS): the upstream TLS name taken from each HTTP request rather than from the
 * transport socket alone.
 *
 * @param autoSni           {@code auto_sni}: the request's host (without port) is the SNI sent,
 *                          instead of the transport socket's {@code sni}; an IP address is not
 * @param autoSanValidation {@code auto_san_validation}: the peer certificate must also carry a SAN
 *                          for that host (checked only where the validation context verifies at
 *                          all: with a trusted CA)
 * @param overrideHeader    {@code override_auto_sni_header}: the lower-case request header to take
 *                          the host from instead of {@code :authority} when present and not empty;
 *                          null for none
 */
public record AutoSniConfig(boolean autoSni, boolean autoSanValidation, String overrideHeader) {

    public AutoSniConfig {
        overrideHeader = overrideHeader == null || overrideHeader.isEmpty() ? null
                : overrideHeader.toLowerCase(java.util.Locale.ROOT);
    }

    /** The options, or null when they ask for nothing (Envoy then leaves the request's TLS names alone). */
    public static AutoSniConfig of(boolean autoSni, boolean autoSanValidation, String overrideHeader) {
        return autoSni || autoSanValidation ? new AutoSniConfig(autoSni, autoSanValidation, overrideHeader) : null;
    }
}
