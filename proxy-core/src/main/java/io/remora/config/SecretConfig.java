package io.remora.config;

import java.util.List;

/**
 * {@code extensions.transport_sockets.tls.v3.Secret}, from {@code static_resources.secrets} or
 * SDS: exactly one of a certificate, a validation context, session ticket keys or a generic
 * secret (the bytes of {@code generic_secret.secret} as text, which filters such as oauth2 read
 * by name).
 */
public record SecretConfig(String name, TlsCertificate tlsCertificate, CertificateValidation validationContext,
                           List<SessionTicketKey> sessionTicketKeys, String genericSecret) {
    public SecretConfig {
        sessionTicketKeys = sessionTicketKeys == null ? null : List.copyOf(sessionTicketKeys);
    }

    public SecretConfig(String name, TlsCertificate tlsCertificate, CertificateValidation validationContext) {
        this(name, tlsCertificate, validationContext, null, null);
    }

    /** The value is secret: it never appears in logs or dumps. */
    @Override
    public String toString() {
        return "SecretConfig[name=" + name + ", tlsCertificate=" + (tlsCertificate != null)
                + ", validationContext=" + (validationContext != null) + ", sessionTicketKeys="
                + (sessionTicketKeys != null) + ", genericSecret=" + (genericSecret != null) + "]";
    }
}
