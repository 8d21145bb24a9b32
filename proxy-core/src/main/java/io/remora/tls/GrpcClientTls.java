package io.remora.tls;

import io.netty.handler.ssl.SslContext;
import io.remora.upstream.UpstreamTlsNames;

import javax.net.ssl.SSLException;
import java.util.List;

/**
 * An upstream TLS context for a gRPC library's own channel (grpc-java builds its handlers from a
 * context): verified as the cluster's connections are (trusted CA, SAN matchers, no hostname
 * check), the server name to send, or null for none, and the host the library must make its
 * engines for: "" for none, or the SANs an auto_san_validation cluster insists on, which the
 * context's verifier reads from the engine's peer host (never sent as SNI).
 */
public record GrpcClientTls(SslContext context, String sni, String engineHost) {

    public GrpcClientTls(SslContext context, String sni) {
        this(context, sni, "");
    }

    /**
     * The TLS of a channel over {@code tls} offering {@code alpn}, made for {@code names} (the SNI
     * instead of the configured one, SANs the peer must carry besides its matchers; null: none).
     */
    public static GrpcClientTls of(TlsContextProvider tls, List<String> alpn, UpstreamTlsNames names)
            throws SSLException {
        String configured = tls.config().sni() == null || tls.config().sni().isEmpty() ? null : tls.config().sni();
        String sni = names != null && names.serverName() != null ? names.serverName() : configured;
        if (names == null || names.subjectAltNames() == null) {
            return new GrpcClientTls(tls.current(alpn), sni);
        }
        return new GrpcClientTls(tls.currentCheckingPeerHost(alpn), sni,
                PeerCertificateVerifier.sanPeerHost(names.subjectAltNames()));
    }
}
