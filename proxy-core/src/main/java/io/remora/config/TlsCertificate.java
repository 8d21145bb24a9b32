package io.remora.config;

import java.util.Arrays;

/**
 * {@code extensions.transport_sockets.tls.v3.TlsCertificate}: a certificate chain and its
 * private key, PEM (file contents are read by the translator), and its {@code ocsp_staple}
 * (a DER OCSP response) or null.
 */
public record TlsCertificate(String certificateChainPem, String privateKeyPem, byte[] ocspStaple) {
    public TlsCertificate {
        ocspStaple = ocspStaple == null || ocspStaple.length == 0 ? null : ocspStaple.clone();
    }

    public TlsCertificate(String certificateChainPem, String privateKeyPem) {
        this(certificateChainPem, privateKeyPem, null);
    }

    @Override
    public byte[] ocspStaple() {
        return ocspStaple == null ? null : ocspStaple.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof TlsCertificate t && java.util.Objects.equals(certificateChainPem, t.certificateChainPem)
                && java.util.Objects.equals(privateKeyPem, t.privateKeyPem) && Arrays.equals(ocspStaple, t.ocspStaple);
    }

    @Override
    public int hashCode() {
        return java.util.Objects.hash(certificateChainPem, privateKeyPem) * 31 + Arrays.hashCode(ocspStaple);
    }

    @Override
    public String toString() {
        return "TlsCertificate[chain=" + (certificateChainPem == null ? 0 : certificateChainPem.length())
                + " chars, key=<redacted>" + (ocspStaple == null ? "" : ", ocsp_staple=" + ocspStaple.length + " bytes")
                + "]";
    }
}
