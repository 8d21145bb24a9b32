package io.remora.config;

import java.util.List;

/**
 * {@code bootstrap.admin}: where the admin API listens; accessLogPath may be null.
 *
 * @param socketOptions {@code socket_options} of its listening socket
 * @param ignoreGlobalConnLimit {@code ignore_global_conn_limit}: admin connections are neither
 *                      counted nor refused by the global downstream connection limit
 */
public record AdminConfig(Address address, String accessLogPath, List<SocketOption> socketOptions,
                          boolean ignoreGlobalConnLimit) {
    public AdminConfig {
        socketOptions = List.copyOf(socketOptions);
    }

    /** Counted by the global connection limit (Envoy's default). */
    public AdminConfig(Address address, String accessLogPath, List<SocketOption> socketOptions) {
        this(address, accessLogPath, socketOptions, false);
    }

    public AdminConfig(Address address, String accessLogPath) {
        this(address, accessLogPath, List.of());
    }
}
