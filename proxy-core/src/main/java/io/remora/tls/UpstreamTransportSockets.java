package io.remora.tls;

import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.handler.ssl.ReferenceCountedOpenSslEngine;
import io.netty.handler.ssl.SslHandler;
import io.netty.internal.tcnative.SSL;
import io.remora.config.ClusterConfig;
import io.remora.config.TransportSocketConfig;
import io.remora.config.UpstreamProxyProtocolConfig;
import io.remora.upstream.Host;
import io.remora.upstream.TransportSocketFactory;
import io.remora.upstream.UpstreamTlsNames;

import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLParameters;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * A cluster's upstream transport sockets: the first of its {@code transport_socket_matches}
 * whose {@code match} the endpoint's {@code envoy.transport_socket_match} metadata satisfies
 * (Istio: {@code tlsMode: istio} → mTLS), else the cluster's {@code transport_socket}; raw or
 * TLS with SNI, ALPN, client certificate and peer verification. A request's
 * {@link UpstreamTlsNames} (filter state, auto_sni, auto_san_validation) replace the SNI and add
 * SANs of which the peer must carry one. Handshakes count in {@code cluster.<name>.ssl.*}. A socket may be wrapped in
 * upstream_proxy_protocol, whose header {@link io.remora.upstream.UpstreamConnector} writes first.
 */
public final class UpstreamTransportSockets implements TransportSocketFactory {
    /**
     * One candidate socket; tls null means plaintext, proxy non-null an upstream_proxy_protocol
     * wrapper around it.
     */
    private record Choice(Map<String, Object> match, TlsContextProvider tls, UpstreamProxyProtocolConfig proxy) {
    }

    private final List<Choice> matches;
    private final Choice fallback;
    private final Runnable tlvsDropped;
    /** Whether any socket keeps a key log, whose address ranges need the connection's channel. */
    private final boolean keyLogs;

    private UpstreamTransportSockets(List<Choice> matches, Choice fallback, Runnable tlvsDropped) {
        this.matches = matches;
        this.fallback = fallback;
        this.tlvsDropped = tlvsDropped;
        boolean any = fallback.tls != null && fallback.tls.keyLog() != null;
        for (Choice c : matches) {
            any |= c.tls != null && c.tls.keyLog() != null;
        }
        this.keyLogs = any;
    }

    /** The sockets of a cluster; raw when it names neither TLS nor PROXY protocol. */
    public static TransportSocketFactory of(ClusterConfig c, SecretManager secrets, Supplier<TlsStats> stats) {
        return of(c, secrets, stats, () -> { });
    }

    /**
     * As {@link #of(ClusterConfig, SecretManager, Supplier)}, counting PROXY headers whose TLVs did
     * not all fit with {@code tlvsDropped}.
     */
    public static TransportSocketFactory of(ClusterConfig c, SecretManager secrets, Supplier<TlsStats> stats,
                                            Runnable tlvsDropped) {
        boolean anyTls = c.transportSocket() != null;
        for (ClusterConfig.TransportSocketMatch m : c.transportSocketMatches()) {
            anyTls |= m.transportSocket() != null;
        }
        if (!anyTls && !c.usesProxyProtocol()) {
            return RAW; // ssl.* stats exist only for clusters that speak TLS, as in Envoy
        }
        TlsStats s = anyTls ? stats.get() : null;
        TlsProvider provider = TlsProvider.current();
        List<Choice> choices = new ArrayList<>();
        for (ClusterConfig.TransportSocketMatch m : c.transportSocketMatches()) {
            choices.add(new Choice(m.match(), m.transportSocket() == null ? null
                    : new TlsContextProvider(m.transportSocket(), secrets, false, provider, s),
                    m.upstreamProxyProtocol()));
        }
        Choice fallback = new Choice(Map.of(), c.transportSocket() == null ? null
                : new TlsContextProvider(c.transportSocket(), secrets, false, provider, s), c.upstreamProxyProtocol());
        return new UpstreamTransportSockets(List.copyOf(choices), fallback, tlvsDropped);
    }

    /** A factory for one transport socket (tests, simple clusters). */
    public static TransportSocketFactory of(TransportSocketConfig config, SecretManager secrets, TlsStats stats) {
        return config == null ? RAW : new UpstreamTransportSockets(List.of(), new Choice(Map.of(),
                new TlsContextProvider(config, secrets, false, TlsProvider.current(), stats), null), () -> { });
    }

    /** Whether every SDS secret the cluster names has arrived (a cluster warms until then). */
    public boolean ready() {
        for (Choice c : matches) {
            if (c.tls != null && !c.tls.ready()) {
                return false;
            }
        }
        return fallback.tls == null || fallback.tls.ready();
    }

    private Choice select(Host host) {
        return select(host.socketMatchMetadata());
    }

    private Choice select(Map<String, Object> md) {
        for (Choice c : matches) {
            if (matches(c.match, md)) {
                return c;
            }
        }
        return fallback;
    }

    @Override
    public boolean usesTls(Host host) {
        return select(host).tls != null;
    }

    @Override
    public UpstreamProxyProtocolConfig proxyProtocol(Host host) {
        return select(host).proxy;
    }

    @Override
    public UpstreamProxyProtocolConfig healthCheckProxyProtocol(Host host, Map<String, Object> matchCriteria) {
        return (matchCriteria == null ? select(host) : select(matchCriteria)).proxy;
    }

    @Override
    public void proxyProtocolTlvsDropped() {
        tlvsDropped.run();
    }

    /** Envoy: every key of the match must be in the metadata with an equal value (an empty match takes all). */
    private static boolean matches(Map<String, Object> match, Map<String, Object> md) {
        for (Map.Entry<String, Object> e : match.entrySet()) {
            if (!e.getValue().equals(md.get(e.getKey()))) {
                return false;
            }
        }
        return true;
    }

    @Override
    public GrpcClientTls grpcClientTls(Host host, List<String> alpnFallback, UpstreamTlsNames names)
            throws SSLException {
        TlsContextProvider tls = select(host).tls;
        if (tls == null) {
            return null;
        }
        TransportSocketConfig c = tls.config();
        return GrpcClientTls.of(tls, c.alpnProtocols().isEmpty() ? alpnFallback : c.alpnProtocols(), names);
    }

    @Override
    public SslHandler newHandler(ByteBufAllocator alloc, Host host, List<String> alpnFallback) throws SSLException {
        return newHandler(alloc, host, alpnFallback, null);
    }

    @Override
    public SslHandler newHandler(ByteBufAllocator alloc, Host host, List<String> alpnFallback,
                                 List<String> alpnOverride) throws SSLException {
        return newHandler(alloc, host, alpnFallback, alpnOverride, null);
    }

    @Override
    public SslHandler newHandler(ByteBufAllocator alloc, Host host, List<String> alpnFallback,
                                 List<String> alpnOverride, UpstreamTlsNames names) throws SSLException {
        return handler(select(host).tls, alloc, host, alpnFallback, alpnOverride, names);
    }

    @Override
    public SslHandler newHealthCheckHandler(ByteBufAllocator alloc, Host host, Map<String, Object> matchCriteria,
                                            List<String> alpnOverride) throws SSLException {
        TlsContextProvider tls = (matchCriteria == null ? select(host) : select(matchCriteria)).tls;
        return handler(tls, alloc, host, List.of(), alpnOverride, null);
    }

    private static SslHandler handler(TlsContextProvider tls, ByteBufAllocator alloc, Host host,
                                      List<String> alpnFallback, List<String> alpnOverride, UpstreamTlsNames names)
            throws SSLException {
        if (tls == null) {
            return null;
        }
        TransportSocketConfig c = tls.config();
        // Envoy's ClientContextImpl::newSsl: a request's name (auto_sni), else the host's hostname
        // (auto_host_sni), else the configured sni; the SANs a request asks for (auto_san_validation),
        // else a DNS SAN for the name sent (auto_sni_san_validation), else the context's matchers.
        String sni = names != null && names.serverName() != null ? names.serverName()
                : c.autoHostSni() && host.hostname() != null && !host.hostname().isEmpty() ? host.hostname()
                : c.sni() == null || c.sni().isEmpty() ? null : c.sni();
        String san = names != null && names.subjectAltNames() != null
                ? PeerCertificateVerifier.sanPeerHost(names.subjectAltNames())
                : c.autoSniSanValidation() && sni != null ? PeerCertificateVerifier.sanPeerHost(List.of(sni)) : null;
        int port = host.address() instanceof InetSocketAddress a ? a.getPort() : -1;
        // The context's own ALPN unless overridden; the pool's protocol when it names none.
        List<String> alpn = alpnOverride != null ? alpnOverride
                : c.alpnProtocols().isEmpty() ? alpnFallback : c.alpnProtocols();
        SslHandler h;
        if (san == null) {
            // Without SNI the engine is still made for the endpoint's address (an IP literal is never
            // sent as SNI), so the client session cache (max_session_keys) has a peer to resume with.
            String peer = sni != null ? sni : host.address() instanceof InetSocketAddress a && a.getAddress() != null
                    ? a.getAddress().getHostAddress() : null;
            h = peer == null ? tls.current(alpn).newHandler(alloc) : tls.current(alpn).newHandler(alloc, peer, port);
        } else {
            // The verifier of this context reads the SANs to insist on from the engine's peer host,
            // which is never sent as SNI: only a server name is, as in Envoy.
            h = tls.currentCheckingPeerHost(alpn).newHandler(alloc, san, port);
            if (sni != null) {
                serverName(h.engine(), sni);
            }
        }
        if (h.engine() instanceof ReferenceCountedOpenSslEngine e) {
            renegotiation(e, c.options().allowRenegotiation());
        }
        HandshakeStats.count(h, tls.stats());
        return h;
    }

    /** Netty lets a BoringSSL client renegotiate once; Envoy never does unless allow_renegotiation says so. */
    private static void renegotiation(ReferenceCountedOpenSslEngine e, boolean allow) throws SSLException {
        try {
            SSL.setRenegotiateMode(e.sslPointer(), allow ? SSL.SSL_RENEGOTIATE_FREELY : SSL.SSL_RENEGOTIATE_NEVER);
        } catch (Exception ex) {
            throw new SSLException("cannot set the renegotiation mode: " + ex.getMessage(), ex);
        }
    }

    @Override
    public void connected(SslHandler tls, Host host, Channel ch) {
        if (!keyLogs) {
            return;
        }
        Choice c = select(host);
        if (c.tls != null && c.tls.keyLog() != null) {
            c.tls.keyLog().bind(tls, ch);
        }
    }

    /** Sends {@code sni} rather than the peer host the engine was made for. */
    private static void serverName(SSLEngine engine, String sni) {
        try {
            SSLParameters p = engine.getSSLParameters();
            p.setServerNames(List.of(new SNIHostName(sni)));
            engine.setSSLParameters(p);
        } catch (IllegalArgumentException e) {
            // not a name SNI can carry: the peer host stays the one sent
        }
    }
}
