package io.remora.tls;

import io.netty.channel.Channel;
import io.netty.handler.ssl.ReferenceCountedOpenSslContext;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslHandler;
import io.remora.config.TransportSocketConfig;

import javax.net.ssl.SSLException;
import javax.net.ssl.SSLParameters;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * A filter chain's {@code DownstreamTlsContext} at accept time: puts a TLS server handler in
 * front of the chain's network filter, counts the handshake in {@code listener.<addr>.ssl.*}
 * and records what it established. When the TLS material is not there (an SDS secret that has
 * not arrived) the connection is closed: a TLS chain never serves plaintext.
 */
public final class DownstreamTransportSocket {
    private final TlsContextProvider tls;

    public DownstreamTransportSocket(TransportSocketConfig config, SecretManager secrets, TlsProvider provider,
                                     TlsStats stats) {
        this.tls = new TlsContextProvider(config, secrets, true, provider, stats);
    }

    public TransportSocketConfig config() {
        return tls.config();
    }

    /** Whether every SDS secret the chain names has arrived. */
    public boolean ready() {
        return tls.ready();
    }

    /**
     * Installs TLS on an accepted channel (after whatever handlers are there).
     *
     * @return the connection's TLS state, filled when the handshake ends; null when TLS could not
     *         be set up (the channel is being closed)
     */
    public TlsConnection install(Channel ch, String sni) {
        return install(ch, sni, false);
    }

    /**
     * As {@link #install(Channel, String)}; with {@code timedByCaller} the TLS handler's own
     * handshake timeout is off, because the caller enforces the filter chain's
     * transport_socket_connect_timeout instead.
     */
    public TlsConnection install(Channel ch, String sni, boolean timedByCaller) {
        SslContext ctx;
        CertificateSelector selector;
        try {
            TlsContextProvider.Cached built = tls.currentServer();
            ctx = built.context();
            selector = built.selector();
        } catch (SSLException e) {
            tls.stats().connectionError();
            Logger.getLogger(DownstreamTransportSocket.class.getName()).log(Level.FINE,
                    "closing TLS connection: " + e.getMessage());
            ch.close();
            return null;
        }
        SslHandler h = ctx.newHandler(ch.alloc());
        if (timedByCaller) {
            h.setHandshakeTimeoutMillis(0); // read when the handler is added: set before
        }
        TlsConnection conn = new TlsConnection();
        TransportSocketConfig c = tls.config();
        ServerSessions.onEngine(h.engine(), c.sessionResumption());
        if (tls.keyLog() != null) {
            tls.keyLog().bind(h, ch);
        }
        if (c.options().preferClientCiphers() && !(ctx instanceof ReferenceCountedOpenSslContext)) {
            // JSSE keeps the cipher order per engine; BoringSSL's context has it cleared already.
            SSLParameters p = h.engine().getSSLParameters();
            p.setUseCipherSuitesOrder(false);
            h.engine().setSSLParameters(p);
        }
        h.handshakeFuture().addListener(f -> {
            selector.done(h.engine());
            if (f.isSuccess()) {
                conn.handshakeComplete(System.nanoTime());
                conn.established(h.engine().getSession(), sni);
                boolean peerCert = conn.peerCertificate() != null;
                tls.stats().handshake(conn.protocol(), h.engine().getSession().getCipherSuite(), peerCert,
                        HandshakeStats.reused(h.engine()));
                tls.stats().curve(HandshakeStats.curve(h.engine()));
            } else {
                Throwable cause = f.cause();
                VerificationException v = HandshakeStats.verification(cause);
                if (v == null && c.requireClientCertificate() && noPeerCertificate(cause)) {
                    tls.stats().failVerifyNoCert();
                    conn.failed("TLS_error:|PEER_DID_NOT_RETURN_A_CERTIFICATE:TLS_error_end");
                } else if (v != null) {
                    conn.failed("TLS_error:|CERTIFICATE_VERIFY_FAILED:" + v.getMessage() + ":TLS_error_end");
                } else if (HandshakeStats.connectionError(cause)) {
                    tls.stats().connectionError();
                    conn.failed("TLS_error:|" + String.valueOf(cause.getMessage()) + ":TLS_error_end");
                }
            }
        });
        ch.pipeline().addLast("tls-client-hello", new ClientHelloPeek(selector, h.engine()));
        ch.pipeline().addLast("tls", h);
        ch.pipeline().addLast("tls-errors", HandshakeFailures.INSTANCE);
        return conn;
    }

    /** BoringSSL and JSSE word "the client sent no certificate" differently. */
    private static boolean noPeerCertificate(Throwable t) {
        for (int i = 0; t != null && i < 10; i++, t = t.getCause()) {
            String m = String.valueOf(t.getMessage());
            if (m.contains("PEER_DID_NOT_RETURN_A_CERTIFICATE") || m.contains("Empty client certificate chain")
                    || m.contains("Empty server certificate chain") || m.contains("certificate_required")) {
                return true;
            }
        }
        return false;
    }
}
