package io.remora.config;

import java.time.Duration;

/**
 * When access logs are written besides a stream's (or connection's) end: Envoy's
 * {@code access_log_options} of the connection manager and of tcp_proxy.
 *
 * @param flushInterval            {@code access_log_flush_interval}: a periodic entry while it lasts (null: none)
 * @param flushOnStart             an entry when it starts: a connection manager's {@code flush_access_log_on_new_request}
 *                                 (once the request headers are evaluated), tcp_proxy's {@code flush_access_log_on_connected}
 *                                 (once the upstream connected)
 * @param flushOnTunnelEstablished a connection manager's {@code flush_log_on_tunnel_successfully_established}:
 *                                 an entry when a CONNECT is answered 2xx
 */
public record AccessLogOptions(Duration flushInterval, boolean flushOnStart, boolean flushOnTunnelEstablished) {

    public static final AccessLogOptions NONE = new AccessLogOptions(null, false, false);

    public boolean any() {
        return flushInterval != null || flushOnStart || flushOnTunnelEstablished;
    }
}
