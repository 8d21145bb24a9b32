package io.remora.upstream;

import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.ssl.SslHandler;

import javax.net.ssl.SSLException;
import java.util.List;
import java.util.Map;

/**
 * How a cluster's connections get their transport socket: raw bytes or a TLS client handler
 * made from the cluster's {@code transport_socket} (or the one of its
 * {@code transport_socket_matches} that the endpoint selects).
 */
public interface TransportSocketFactory {

    /** Plaintext for every host. */
    TransportSocketFactory RAW = (alloc, host, alpnFallback) -> null;

    /**
     * A TLS handler for a new connection to {@code host}, or null for plaintext.
     *
     * @param alpnFallback protocols to offer when the TLS context names none (the HTTP pools
     *                     offer their codec's protocol, as Envoy's pools do); may be empty
     * @throws SSLException when the TLS material is not usable (e.g. an SDS secret has not
     *                      arrived): the connect fails with that reason
     */
    SslHandler newHandler(ByteBufAllocator alloc, Host host, List<String> alpnFallback) throws SSLException;

    /**
     * The upstream_proxy_protocol socket wrapping the transport socket {@code host} is reached
     * through (a PROXY header goes first on its connections), or null.
     */
    default io.remora.config.UpstreamProxyProtocolConfig proxyProtocol(Host host) {
        return null;
    }

    /** As {@link #proxyProtocol(Host)} for a health check selecting by {@code matchCriteria} (null: the host's). */
    default io.remora.config.UpstreamProxyProtocolConfig healthCheckProxyProtocol(Host host,
                                                                               Map<String, Object> matchCriteria) {
        return proxyProtocol(host);
    }

    /**
     * The TLS a gRPC library's own channel to {@code host} uses (grpc-java takes a context, not a
     * handler): the host's context offering {@code alpnFallback} unless it names its own protocols,
     * and its configured SNI, or the {@code names} (null: none) the channel is made for, as a request's
     * auto_sni/auto_san_validation names; null when the host's connections are plaintext.
     */
    default io.remora.tls.GrpcClientTls grpcClientTls(Host host, List<String> alpnFallback, UpstreamTlsNames names)
            throws SSLException {
        if (this == RAW) {
            return null;
        }
        // A factory that cannot say: no channel rather than one in plaintext.
        throw new SSLException("this transport socket gives no TLS context for a gRPC channel");
    }

    /** Counts a PROXY header whose TLVs did not all fit ({@code upstream.proxyprotocol.v2_tlvs_exceed_max_length}). */
    default void proxyProtocolTlvsDropped() {
    }

    /** The TLS handler made for {@code host} now serves {@code ch} (a key log's address ranges read it). */
    default void connected(SslHandler tls, Host host, io.netty.channel.Channel ch) {
    }

    /** Whether connections to {@code host} speak TLS (Envoy: the host's transport socket has an SSL context). */
    default boolean usesTls(Host host) {
        return false;
    }

    /**
     * As {@link #newHandler(ByteBufAllocator, Host, List)}, offering {@code alpnOverride} (when
     * not null) instead of the TLS context's protocols, as Envoy's upstream TLS does with an
     * application protocol override.
     */
    default SslHandler newHandler(ByteBufAllocator alloc, Host host, List<String> alpnFallback,
                                  List<String> alpnOverride) throws SSLException {
        return newHandler(alloc, host, alpnFallback);
    }

    /**
     * As {@link #newHandler(ByteBufAllocator, Host, List, List)}, for a request whose
     * {@code names} (when not null) replace the TLS context's SNI and add SANs of which the peer must carry one.
     */
    default SslHandler newHandler(ByteBufAllocator alloc, Host host, List<String> alpnFallback,
                                  List<String> alpnOverride, UpstreamTlsNames names) throws SSLException {
        return newHandler(alloc, host, alpnFallback, alpnOverride);
    }

    /**
     * A TLS handler for a health check connection to {@code host}, or null for plaintext (Envoy's
     * createHealthCheckConnection): the transport socket that {@code matchCriteria} selects among
     * the cluster's {@code transport_socket_matches} (null: the one the host's metadata selects),
     * offering {@code alpnOverride} (null: the context's own protocols).
     */
    default SslHandler newHealthCheckHandler(ByteBufAllocator alloc, Host host, Map<String, Object> matchCriteria,
                                             List<String> alpnOverride) throws SSLException {
        return newHandler(alloc, host, List.of(), alpnOverride);
    }
}
