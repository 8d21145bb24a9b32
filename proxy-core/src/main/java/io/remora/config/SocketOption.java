package io.remora.config;

/**
 * {@code config.core.v3.SocketOption}: a raw setsockopt on a listener's sockets.
 *
 * @param description for logs
 * @param level       the protocol level (SOL_SOCKET 1, IPPROTO_TCP 6, ...)
 * @param name        the option name at that level
 * @param intValue    the value, when it is an int
 * @param bufValueHex the value as bytes (hex), when it is not an int; null otherwise
 */
public record SocketOption(String description, int level, int name, int intValue, String bufValueHex) {
}
