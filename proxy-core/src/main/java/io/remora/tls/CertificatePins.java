package io.remora.tls;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.cert.CertificateEncodingException;
import java.security.cert.X509Certificate;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;

/**
 * {@code verify_certificate_hash} and {@code verify_certificate_spki}: the leaf passes when its
 * SHA-256 (of the DER, or of the SubjectPublicKeyInfo) is one of either list, as in Envoy.
 */
final class CertificatePins {
    private final Set<String> hashes;
    private final Set<String> spkis;

    CertificatePins(List<String> hexHashes, List<String> base64Spkis) {
        this.hashes = Set.copyOf(hexHashes);
        this.spkis = Set.copyOf(base64Spkis);
    }

    boolean isEmpty() {
        return hashes.isEmpty() && spkis.isEmpty();
    }

    boolean matches(X509Certificate leaf) {
        try {
            return !hashes.isEmpty() && hashes.contains(HexFormat.of().formatHex(sha256(leaf.getEncoded())))
                    || !spkis.isEmpty()
                    && spkis.contains(Base64.getEncoder().encodeToString(sha256(leaf.getPublicKey().getEncoded())));
        } catch (CertificateEncodingException e) {
            return false;
        }
    }

    private static byte[] sha256(byte[] data) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(data);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }
}
