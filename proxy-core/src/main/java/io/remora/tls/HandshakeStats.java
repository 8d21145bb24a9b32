package io.remora.tls;

import io.netty.handler.ssl.SslHandler;

import javax.net.ssl.SSLSession;

/** Counts one handshake's outcome on its owner's {@link TlsStats}. */
final class HandshakeStats {
    private HandshakeStats() {
    }

    /** The verification failure behind a handshake failure, or null. */
    static VerificationException verification(Throwable t) {
        for (int i = 0; t != null && i < 10; i++, t = t.getCause()) {
            if (t instanceof VerificationException v) {
                return v;
            }
        }
        return null;
    }

    /**
     * Whether a failed handshake counts in {@code ssl.connection_error}: Envoy's drainErrorQueue
     * counts TLS errors only, not failed verifications (they have their own stats), nor a peer
     * that went away or a timer that closed the connection (no TLS error at all), such as the
     * handshake timeout Envoy does not have.
     */
    static boolean connectionError(Throwable cause) {
        return verification(cause) == null && !(cause instanceof java.nio.channels.ClosedChannelException)
                && !(cause instanceof io.netty.handler.ssl.SslHandshakeTimeoutException);
    }

    static void count(SslHandler h, TlsStats stats) {
        h.handshakeFuture().addListener(f -> {
            if (f.isSuccess()) {
                SSLSession s = h.engine().getSession();
                boolean peerCert;
                try {
                    peerCert = s.getPeerCertificates().length > 0;
                } catch (javax.net.ssl.SSLPeerUnverifiedException e) {
                    peerCert = false;
                }
                stats.handshake(s.getProtocol(), s.getCipherSuite(), peerCert, reused(h.engine()));
                stats.curve(curve(h.engine()));
            } else if (connectionError(f.cause())) {
                stats.connectionError();
            }
        });
    }

    /** The group of the handshake's key exchange (BoringSSL; JSSE does not tell), or null. */
    static String curve(javax.net.ssl.SSLEngine engine) {
        if (!(engine instanceof io.netty.handler.ssl.ReferenceCountedOpenSslEngine e)) {
            return null;
        }
        try {
            return io.netty.internal.tcnative.SSL.getGroupName(e.sslPointer());
        } catch (Exception | UnsatisfiedLinkError x) {
            return null; // a TLS library without the call: no curve stats, as without a key exchange
        }
    }

    /** Whether the handshake resumed a session (BoringSSL; JSSE does not tell). */
    static boolean reused(javax.net.ssl.SSLEngine engine) {
        return engine instanceof io.netty.handler.ssl.ReferenceCountedOpenSslEngine e
                && io.netty.internal.tcnative.SSL.isSessionReused(e.sslPointer());
    }
}
