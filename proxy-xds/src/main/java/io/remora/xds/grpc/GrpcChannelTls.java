package io.remora.xds.grpc;

import io.grpc.netty.InternalNettyChannelBuilder;
import io.grpc.netty.InternalProtocolNegotiators;
import io.grpc.netty.NettyChannelBuilder;
import io.netty.handler.ssl.DelegatingSslContext;
import io.netty.handler.ssl.SslContext;

import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;
import java.util.List;

/**
 * TLS on a grpc-java channel with the server name Envoy would send, whatever the channel's :authority. Left alone,
 * grpc-java makes its engine for the authority, so the authority becomes the SNI, and Netty sends it only when it
 * holds a dot and is no IP address. Here the engine is made for the host given (none, or the name grpc-java checks
 * the certificate against), and the SNI, when there is one, is set on it as it is, dotted or not, as BoringSSL's
 * SSL_set_tlsext_host_name sends it in Envoy.
 */
public final class GrpcChannelTls {

    private GrpcChannelTls() {
    }

    /**
     * An {@code envoy_grpc} channel over a cluster's TLS, sending {@code sni} (null: no SNI). The engine is made for
     * no host: the cluster's verifier checks SANs, never the host dialled.
     */
    public static void use(NettyChannelBuilder b, SslContext context, String sni) {
        use(b, context, "", sni);
    }

    /**
     * @param engineHost the host grpc-java makes the engine for and verifies the certificate against; null: the
     *                   channel's authority, "": none
     * @param sni        the server name to send; null: none beyond what Netty sends for {@code engineHost}
     */
    public static void use(NettyChannelBuilder b, SslContext context, String engineHost, String sni) {
        SslContext named = context;
        String host = engineHost;
        if (sni != null) {
            try {
                named = new Named(context, new SNIHostName(sni));
            } catch (IllegalArgumentException notAHostName) {
                // beyond what SSLParameters can carry (an underscore): the engine's host, which Netty sends if dotted
                host = sni;
            }
        }
        SslContext tls = named;
        String negotiatorHost = host;
        InternalNettyChannelBuilder.setProtocolNegotiatorFactory(b,
                () -> InternalProtocolNegotiators.tls(tls, negotiatorHost, null));
    }

    /** The context with a fixed server name on each engine it makes. */
    private static final class Named extends DelegatingSslContext {
        private final List<javax.net.ssl.SNIServerName> names;

        Named(SslContext context, SNIHostName name) {
            super(context);
            this.names = List.of(name);
        }

        @Override
        protected void initEngine(SSLEngine engine) {
            SSLParameters p = engine.getSSLParameters();
            p.setServerNames(names);
            engine.setSSLParameters(p);
        }
    }
}
