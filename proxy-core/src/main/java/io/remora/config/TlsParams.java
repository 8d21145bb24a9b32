package io.remora.config;

import java.util.List;

/**
 * {@code extensions.transport_sockets.tls.v3.TlsParameters}. Versions as Envoy names them
 * ("TLSv1_2", "TLSv1_3"); null means Envoy's default (TLS 1.2 minimum; maximum 1.3 for
 * servers, 1.2 for clients). Cipher suites and curves in OpenSSL names; empty means the default.
 */
public record TlsParams(String minVersion, String maxVersion, List<String> cipherSuites, List<String> ecdhCurves) {
    public static final TlsParams DEFAULT = new TlsParams(null, null, List.of(), List.of());
}
