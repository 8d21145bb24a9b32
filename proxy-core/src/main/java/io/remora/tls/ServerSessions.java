package io.remora.tls;

import io.netty.handler.ssl.OpenSslServerSessionContext;
import io.netty.handler.ssl.OpenSslSessionTicketKey;
import io.netty.handler.ssl.ReferenceCountedOpenSslEngine;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.internal.tcnative.SSL;
import io.remora.config.CertificateValidation;
import io.remora.config.SessionResumption;
import io.remora.config.SessionTicketKey;
import io.remora.config.TlsCertificate;

import javax.net.ssl.SSLEngine;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.cert.X509Certificate;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.logging.Logger;

/**
 * Envoy's server-side session resumption on a server context: tickets (with the configured keys,
 * else the TLS library's own), the session cache, the session lifetime, and a session id context
 * naming the certificates and the peer validation, so a session resumes only where it could have
 * been made.
 */
final class ServerSessions {
    private static final Logger LOG = Logger.getLogger(ServerSessions.class.getName());

    private ServerSessions() {
    }

    /** What the builder expresses for either provider: the lifetime, and the JDK's cache. */
    static void configure(SslContextBuilder b, SessionResumption r, List<SessionTicketKey> keys, TlsProvider provider) {
        if (r.timeout() != null) {
            // Netty ignores 0, leaving the library's default, which is what BoringSSL makes of 0 too.
            b.sessionTimeout(Math.min(r.timeout().getSeconds(), Integer.MAX_VALUE));
        }
        if (provider == TlsProvider.JDK) {
            if (!r.any()) {
                // JSSE's cache cannot be switched off, only cut to one short-lived entry (which
                // also bounds its tickets, so only when both kinds are off).
                b.sessionCacheSize(1).sessionTimeout(1);
            }
            if (!keys.isEmpty()) {
                LOG.warning("session_ticket_keys are not used with the JDK TLS provider: JSSE encrypts tickets"
                        + " with keys of its own, so other proxies cannot resume them");
            }
        }
    }

    /** BoringSSL's settings that only the built context takes. */
    static void apply(SslContext ctx, SessionResumption r, TlsContextFactory.Material m,
                      boolean requireClientCertificate) throws GeneralSecurityException {
        if (!(ctx.sessionContext() instanceof OpenSslServerSessionContext o)) {
            return;
        }
        if (r.stateless()) {
            // Netty issues TLS 1.2 tickets only when keys are set; with none given BoringSSL uses
            // its own, rotating ones, as in Envoy.
            o.setTicketKeys(ticketKeys(m.ticketKeys()));
        }
        if (!r.stateful()) {
            o.setSessionCacheEnabled(false);
        }
        o.setSessionIdContext(sessionIdContext(m.certificates(), m.validation(), requireClientCertificate));
    }

    /** Per connection, before the handshake: Netty turns tickets on for TLS 1.3 on each engine. */
    static void onEngine(SSLEngine engine, SessionResumption r) {
        if (!r.stateless() && engine instanceof ReferenceCountedOpenSslEngine e) {
            SSL.setOptions(e.sslPointer(), SSL.SSL_OP_NO_TICKET);
        }
    }

    /**
     * tcnative's ticket callback encrypts with AES-128-CBC and a 16-byte HMAC-SHA256 key, where
     * Envoy uses AES-256 and 32 bytes: both 16-byte keys are derived from the whole 32-byte parts,
     * so every bit of the configured key counts and proxies with the same keys read each other's
     * tickets (Envoy's are not readable, nor ours by Envoy). The first key encrypts, all decrypt.
     */
    static OpenSslSessionTicketKey[] ticketKeys(List<SessionTicketKey> keys) throws GeneralSecurityException {
        OpenSslSessionTicketKey[] out = new OpenSslSessionTicketKey[keys.size()];
        for (int i = 0; i < out.length; i++) {
            SessionTicketKey k = keys.get(i);
            out[i] = new OpenSslSessionTicketKey(k.name(), derive("hmac", k.hmacKey()), derive("aes", k.aesKey()));
        }
        return out;
    }

    private static byte[] derive(String label, byte[] secret) throws GeneralSecurityException {
        MessageDigest md = MessageDigest.getInstance("SHA-256");
        md.update(label.getBytes(StandardCharsets.US_ASCII));
        return Arrays.copyOf(md.digest(secret), 16);
    }

    /**
     * As Envoy's: SHA-256 of the certificates' names (subject, SANs, issuer) and of the validation
     * config, so sessions made by one filter chain do not resume on a chain that would verify the
     * client differently, while proxies with the same names and keys resume each other's.
     */
    static byte[] sessionIdContext(List<TlsCertificate> certs, CertificateValidation validation,
                                   boolean requireClientCertificate) throws GeneralSecurityException {
        MessageDigest md = MessageDigest.getInstance("SHA-256");
        for (TlsCertificate c : certs) {
            List<X509Certificate> chain = Pem.certificates(c.certificateChainPem());
            if (chain.isEmpty()) {
                continue;
            }
            X509Certificate leaf = chain.get(0);
            update(md, leaf.getSubjectX500Principal().getName());
            Collection<List<?>> sans = leaf.getSubjectAlternativeNames();
            if (sans != null) {
                for (List<?> san : sans) {
                    if (san.get(1) instanceof String s) {
                        update(md, s);
                    }
                }
            }
            update(md, leaf.getIssuerX500Principal().getName());
        }
        update(md, String.valueOf(validation));
        update(md, String.valueOf(requireClientCertificate));
        return md.digest();
    }

    private static void update(MessageDigest md, String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        md.update((byte) (b.length >>> 24));
        md.update((byte) (b.length >>> 16));
        md.update((byte) (b.length >>> 8));
        md.update((byte) b.length);
        md.update(b);
    }
}
