package io.remora.config;

import java.util.List;

/**
 * {@code extensions.transport_sockets.tls.v3.Secret}, from {@code static_resources.secrets} or
 * SDS: exactly one of a certificate, a validation context or session ticket keys.
 */
public record SecretConfig(String name, TlsCertificate tlsCertificate, CertificateValidation validationContext,
                           List<SessionTicketKey> sessionTicketKeys) {
    public SecretConfig {
        sessionTicketKeys = sessionTicketKeys == null ? null : List.copyOf(sessionTicketKeys);
    }

    public SecretConfig(String name, TlsCertificate tlsCertificate, CertificateValidation validationContext) {
        this(name, tlsCertificate, validationContext, null);
    }
}
