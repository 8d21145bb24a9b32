package io.remora.tls;

import io.netty.handler.codec.http2.Http2Headers;
import io.netty.util.AsciiString;
import io.remora.config.ClientCertForwarding;

import java.util.ArrayList;
import java.util.List;

/**
 * Envoy's {@code x-forwarded-client-cert} handling on a request, by the HCM's
 * {@code forward_client_cert_details}: removed (SANITIZE, and for the modes that need mTLS when
 * the client presented no certificate), passed on (FORWARD_ONLY, ALWAYS_FORWARD_ONLY), or
 * extended / replaced with the current client certificate's details (APPEND_FORWARD,
 * SANITIZE_SET): {@code By=<our URI SAN>;Hash=<sha256>} plus the
 * {@code set_current_client_cert_details} chosen (Subject, Cert, Chain, URI, DNS).
 */
public final class ForwardedClientCert {
    public static final AsciiString XFCC = AsciiString.cached("x-forwarded-client-cert");

    private ForwardedClientCert() {
    }

    /**
     * Applies the policy to one request's headers.
     *
     * @param tls the downstream connection's TLS, or null for plaintext
     */
    public static void apply(ClientCertForwarding policy, TlsConnection tls, Http2Headers headers) {
        ClientCertForwarding.Mode mode = policy == null ? ClientCertForwarding.Mode.SANITIZE : policy.mode();
        boolean mtls = tls != null && tls.established() && tls.peerCertificate() != null;
        if (!mtls) {
            if (mode != ClientCertForwarding.Mode.ALWAYS_FORWARD_ONLY) {
                headers.remove(XFCC);
            }
            return;
        }
        switch (mode) {
            case SANITIZE -> headers.remove(XFCC);
            case FORWARD_ONLY, ALWAYS_FORWARD_ONLY -> {
            }
            case APPEND_FORWARD -> {
                CharSequence existing = headers.get(XFCC);
                String mine = tls.xfccElement(policy);
                headers.set(XFCC, existing == null || existing.length() == 0 ? mine : existing + "," + mine);
            }
            case SANITIZE_SET -> headers.set(XFCC, tls.xfccElement(policy));
        }
    }

    /** One XFCC element for the current client certificate. */
    static String details(ClientCertForwarding policy, TlsConnection tls) {
        List<String> parts = new ArrayList<>();
        for (String uri : tls.localUriSans()) {
            parts.add("By=" + uri);
        }
        String hash = tls.peerFingerprintSha256();
        if (hash != null) {
            parts.add("Hash=" + hash);
        }
        var d = policy.details();
        if (d.contains(ClientCertForwarding.Detail.CERT)) {
            parts.add("Cert=\"" + tls.peerCertificatePemUrlEncoded() + "\"");
        }
        if (d.contains(ClientCertForwarding.Detail.CHAIN)) {
            parts.add("Chain=\"" + tls.peerChainPemUrlEncoded() + "\"");
        }
        if (d.contains(ClientCertForwarding.Detail.SUBJECT)) {
            String subject = tls.peerSubject();
            // As Envoy: the key even for an empty subject, and the RFC 2253 text as it is (its own
            // escaping already covers '"').
            parts.add("Subject=\"" + (subject == null ? "" : subject) + "\"");
        }
        if (d.contains(ClientCertForwarding.Detail.URI)) {
            List<String> uris = tls.peerUriSans();
            if (uris.isEmpty()) {
                parts.add("URI=");
            }
            for (String u : uris) {
                parts.add("URI=" + u);
            }
        }
        if (d.contains(ClientCertForwarding.Detail.DNS)) {
            for (String dns : tls.peerDnsSans()) {
                parts.add("DNS=" + dns);
            }
        }
        return String.join(";", parts);
    }
}
