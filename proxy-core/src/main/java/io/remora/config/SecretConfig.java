package io.remora.config;

/**
 * {@code extensions.transport_sockets.tls.v3.Secret}, from {@code static_resources.secrets} or
 * SDS: exactly one of a certificate, a validation context or a generic secret (the bytes of
 * {@code generic_secret.secret} as text, which filters such as oauth2 read by name).
 */
public record SecretConfig(String name, TlsCertificate tlsCertificate, CertificateValidation validationContext,
                           String genericSecret) {

    public SecretConfig(String name, TlsCertificate tlsCertificate, CertificateValidation validationContext) {
        this(name, tlsCertificate, validationContext, null);
    }

    /** The value is secret: it never appears in logs or dumps. */
    @Override
    public String toString() {
        return "SecretConfig[name=" + name + ", tlsCertificate=" + (tlsCertificate != null)
                + ", validationContext=" + (validationContext != null) + ", genericSecret=" + (genericSecret != null) + "]";
    }
}
