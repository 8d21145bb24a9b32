package io.remora.network;

import java.net.InetSocketAddress;
import java.net.SocketAddress;

/**
 * What the listener learned of an accepted connection before handing it to a filter chain.
 *
 * @param origin              the listener and filter chain that took the connection: one object
 *                            per chain, shared by its connections (every idle connection keeps
 *                            its view, and three references and an int less take it down a size
 *                            class)
 * @param localAddress        the (original, when recovered) destination of the connection
 * @param remoteAddress       the downstream peer
 * @param originalDestination the destination before iptables REDIRECT/TPROXY, or null
 * @param serverName          SNI from tls_inspector, or null
 * @param transportProtocol   "tls" or "raw_buffer"
 * @param applicationProtocols ALPN offered, or from http_inspector ("http/1.1", "h2c")
 * @param tls                 the downstream TLS state (filled when the handshake completes), or
 *                            null for plaintext
 * @param originalSource      how upstream connections bind when the listener has original_src,
 *                            or null
 * @param connectionId        the connection's id ({@link ConnectionIds#next()}) when the listener
 *                            gave it one, else -1 (the channel's attribute holds it)
 * @param ja3Hash             the MD5 hex of the ClientHello's JA3 fingerprint when tls_inspector
 *                            made one ({@code enable_ja3_fingerprinting}), else null
 */
public record ConnectionInfo(
        Origin origin,
        SocketAddress localAddress,
        SocketAddress remoteAddress,
        InetSocketAddress originalDestination,
        String serverName,
        String transportProtocol,
        java.util.List<String> applicationProtocols,
        io.remora.tls.TlsConnection tls,
        OriginalSource originalSource,
        long connectionId,
        String ja3Hash) {

    /**
     * Where a connection came in, the same for every connection of one listener's filter chain.
     *
     * @param listenerName     the listener's name
     * @param filterChainName  the name of the filter chain the connection took, or null
     * @param bufferLimit      the listener's {@code per_connection_buffer_limit_bytes}: what a
     *                         stream on this connection may buffer (0: no limit, as Envoy)
     * @param listenerMetadata the listener's filter metadata (its config's map, shared, never
     *                         copied), read by {@code %METADATA(LISTENER:...)%}; empty when none
     */
    public record Origin(String listenerName, String filterChainName, int bufferLimit,
                         java.util.Map<String, java.util.Map<String, Object>> listenerMetadata) {

        static final Origin NONE = new Origin(null, null, DEFAULT_BUFFER_LIMIT, null);

        public Origin {
            listenerMetadata = listenerMetadata == null ? java.util.Map.of() : listenerMetadata;
        }
    }

    /** Envoy's default per_connection_buffer_limit_bytes. */
    public static final int DEFAULT_BUFFER_LIMIT = 1024 * 1024;

    public ConnectionInfo {
        origin = origin == null ? Origin.NONE : origin;
    }

    /** All of it, the origin's parts given one by one. */
    public ConnectionInfo(String listenerName, SocketAddress localAddress, SocketAddress remoteAddress,
                          InetSocketAddress originalDestination, String serverName, String transportProtocol,
                          java.util.List<String> applicationProtocols, io.remora.tls.TlsConnection tls,
                          OriginalSource originalSource, String filterChainName, long connectionId, int bufferLimit,
                          java.util.Map<String, java.util.Map<String, Object>> listenerMetadata, String ja3Hash) {
        this(new Origin(listenerName, filterChainName, bufferLimit, listenerMetadata), localAddress, remoteAddress,
                originalDestination, serverName, transportProtocol, applicationProtocols, tls, originalSource,
                connectionId, ja3Hash);
    }

    public String listenerName() {
        return origin.listenerName();
    }

    public String filterChainName() {
        return origin.filterChainName();
    }

    public int bufferLimit() {
        return origin.bufferLimit();
    }

    public java.util.Map<String, java.util.Map<String, Object>> listenerMetadata() {
        return origin.listenerMetadata();
    }

    /** A connection without a JA3 hash. */
    public ConnectionInfo(String listenerName, SocketAddress localAddress, SocketAddress remoteAddress,
                          InetSocketAddress originalDestination, String serverName, String transportProtocol,
                          java.util.List<String> applicationProtocols, io.remora.tls.TlsConnection tls,
                          OriginalSource originalSource, String filterChainName, long connectionId, int bufferLimit,
                          java.util.Map<String, java.util.Map<String, Object>> listenerMetadata) {
        this(listenerName, localAddress, remoteAddress, originalDestination, serverName, transportProtocol,
                applicationProtocols, tls, originalSource, filterChainName, connectionId, bufferLimit, listenerMetadata,
                null);
    }

    /** A connection of a listener without metadata (or of no listener). */
    public ConnectionInfo(String listenerName, SocketAddress localAddress, SocketAddress remoteAddress,
                          InetSocketAddress originalDestination, String serverName, String transportProtocol,
                          java.util.List<String> applicationProtocols, io.remora.tls.TlsConnection tls,
                          OriginalSource originalSource, String filterChainName, long connectionId, int bufferLimit) {
        this(listenerName, localAddress, remoteAddress, originalDestination, serverName, transportProtocol,
                applicationProtocols, tls, originalSource, filterChainName, connectionId, bufferLimit, null);
    }

    /** A connection whose filter chain has no name and whose id is the channel's. */
    public ConnectionInfo(String listenerName, SocketAddress localAddress, SocketAddress remoteAddress,
                          InetSocketAddress originalDestination, String serverName, String transportProtocol,
                          java.util.List<String> applicationProtocols, io.remora.tls.TlsConnection tls,
                          OriginalSource originalSource) {
        this(listenerName, localAddress, remoteAddress, originalDestination, serverName, transportProtocol,
                applicationProtocols, tls, originalSource, null, -1, DEFAULT_BUFFER_LIMIT);
    }

    /** A connection without original_src. */
    public ConnectionInfo(String listenerName, SocketAddress localAddress, SocketAddress remoteAddress,
                          InetSocketAddress originalDestination, String serverName, String transportProtocol,
                          java.util.List<String> applicationProtocols, io.remora.tls.TlsConnection tls) {
        this(listenerName, localAddress, remoteAddress, originalDestination, serverName, transportProtocol,
                applicationProtocols, tls, null, null, -1, DEFAULT_BUFFER_LIMIT);
    }

    /** A plaintext connection. */
    public ConnectionInfo(String listenerName, SocketAddress localAddress, SocketAddress remoteAddress,
                          InetSocketAddress originalDestination, String serverName, String transportProtocol,
                          java.util.List<String> applicationProtocols) {
        this(listenerName, localAddress, remoteAddress, originalDestination, serverName, transportProtocol,
                applicationProtocols, null, null, null, -1, DEFAULT_BUFFER_LIMIT);
    }
}
