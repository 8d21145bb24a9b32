package io.remora.config;

/**
 * {@code extensions.transport_sockets.tls.v3.Secret}, from {@code static_resources.secrets} or
 * SDS: exactly one of a certificate or a validation context.
 */
public record SecretConfig(String name, TlsCertificate tlsCertificate, CertificateValidation validationContext) {
}
