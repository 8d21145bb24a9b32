package io.remora.tls;

import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.ssl.SslHandler;
import io.remora.config.TransportSocketConfig;
import io.remora.upstream.Host;
import io.remora.upstream.TransportSocketFactory;

import javax.net.ssl.SSLException;
import java.net.InetSocketAddress;
import java.util.List;

/**
 * A cluster's upstream transport sockets: raw, or TLS from its {@code UpstreamTlsContext} with
 * SNI, ALPN, client certificate and peer verification; each handshake is counted in
 * {@code cluster.<name>.ssl.*}.
 */
public final class UpstreamTransportSockets implements TransportSocketFactory {
    private final TlsContextProvider tls;

    public UpstreamTransportSockets(TransportSocketConfig config, SecretManager secrets, TlsProvider provider,
                                    TlsStats stats) {
        this.tls = config == null ? null : new TlsContextProvider(config, secrets, false, provider, stats);
    }

    /** A factory for a cluster's transport socket, raw when it has none. */
    public static TransportSocketFactory of(TransportSocketConfig config, SecretManager secrets, TlsStats stats) {
        return config == null ? RAW : new UpstreamTransportSockets(config, secrets, TlsProvider.current(), stats);
    }

    /** Whether every SDS secret the cluster names has arrived (a cluster warms until then). */
    public boolean ready() {
        return tls == null || tls.ready();
    }

    @Override
    public SslHandler newHandler(ByteBufAllocator alloc, Host host, List<String> alpnFallback) throws SSLException {
        if (tls == null) {
            return null;
        }
        TransportSocketConfig c = tls.config();
        String sni = c.sni() == null || c.sni().isEmpty() ? null : c.sni();
        int port = host.address() instanceof InetSocketAddress a ? a.getPort() : -1;
        SslHandler h = sni == null ? tls.current(alpnFallback).newHandler(alloc)
                : tls.current(alpnFallback).newHandler(alloc, sni, port);
        HandshakeStats.count(h, tls.stats());
        return h;
    }
}
