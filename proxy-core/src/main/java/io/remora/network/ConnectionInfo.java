package io.remora.network;

import java.net.InetSocketAddress;
import java.net.SocketAddress;

/**
 * What the listener learned of an accepted connection before handing it to a filter chain.
 *
 * @param localAddress        the (original, when recovered) destination of the connection
 * @param remoteAddress       the downstream peer
 * @param originalDestination the destination before iptables REDIRECT/TPROXY, or null
 * @param serverName          SNI from tls_inspector, or null
 * @param transportProtocol   "tls" or "raw_buffer"
 * @param applicationProtocols ALPN offered, or from http_inspector ("http/1.1", "h2c")
 * @param tls                 the downstream TLS state (filled when the handshake completes), or
 *                            null for plaintext
 */
public record ConnectionInfo(
        String listenerName,
        SocketAddress localAddress,
        SocketAddress remoteAddress,
        InetSocketAddress originalDestination,
        String serverName,
        String transportProtocol,
        java.util.List<String> applicationProtocols,
        io.remora.tls.TlsConnection tls) {

    /** A plaintext connection. */
    public ConnectionInfo(String listenerName, SocketAddress localAddress, SocketAddress remoteAddress,
                          InetSocketAddress originalDestination, String serverName, String transportProtocol,
                          java.util.List<String> applicationProtocols) {
        this(listenerName, localAddress, remoteAddress, originalDestination, serverName, transportProtocol,
                applicationProtocols, null);
    }
}
