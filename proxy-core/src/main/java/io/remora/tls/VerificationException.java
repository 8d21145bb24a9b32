package io.remora.tls;

import java.security.cert.CertificateException;

/** A peer certificate the validation context rejected, with Envoy's reason. */
public final class VerificationException extends CertificateException {
    public enum Reason { VERIFY_ERROR, SAN, CERT_HASH, NO_CERT }

    private final Reason reason;

    VerificationException(Reason reason, String message, Throwable cause) {
        super(message, cause);
        this.reason = reason;
    }

    public Reason reason() {
        return reason;
    }
}
