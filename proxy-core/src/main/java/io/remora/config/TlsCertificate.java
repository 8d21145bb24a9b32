package io.remora.config;

/**
 * {@code extensions.transport_sockets.tls.v3.TlsCertificate}: a certificate chain and its
 * private key, PEM (file contents are read by the translator).
 */
public record TlsCertificate(String certificateChainPem, String privateKeyPem) {
    @Override
    public String toString() {
        return "TlsCertificate[chain=" + (certificateChainPem == null ? 0 : certificateChainPem.length())
                + " chars, key=<redacted>]";
    }
}
