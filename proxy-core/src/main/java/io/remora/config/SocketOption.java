package io.remora.config;

/**
 * {@code config.core.v3.SocketOption}: a raw setsockopt on a listener's (or an upstream connection's) sockets.
 *
 * @param description for logs
 * @param level       the protocol level (SOL_SOCKET 1, IPPROTO_TCP 6, ...)
 * @param name        the option name at that level
 * @param intValue    the value, when it is an int
 * @param bufValueHex the value as bytes (hex), when it is not an int; null otherwise
 * @param state       when in the socket's life the option is set
 * @param socketType  the only kind of socket it is set on, or null for every kind
 */
public record SocketOption(String description, int level, int name, int intValue, String bufValueHex, State state,
                           SocketType socketType) {

    /** {@code SocketOption.SocketState}. */
    public enum State { PREBIND, BOUND, LISTENING }

    /** {@code SocketOption.SocketType}: stream (TCP, unix stream) or datagram (UDP) sockets. */
    public enum SocketType { STREAM, DATAGRAM }

    /** Set before bind, on every kind of socket (Envoy's defaults). */
    public SocketOption(String description, int level, int name, int intValue, String bufValueHex) {
        this(description, level, name, intValue, bufValueHex, State.PREBIND, null);
    }

    /** Whether the option is set on a socket of this kind ({@code stream}: TCP or unix stream) in this state. */
    public boolean appliesTo(State s, boolean stream) {
        return state == s && (socketType == null || (socketType == SocketType.STREAM) == stream);
    }
}
