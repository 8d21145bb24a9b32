package io.remora.config;

import java.util.List;

/**
 * {@code bootstrap.admin}: where the admin API listens; accessLogPath may be null.
 *
 * @param socketOptions {@code socket_options} of its listening socket
 */
public record AdminConfig(Address address, String accessLogPath, List<SocketOption> socketOptions) {
    public AdminConfig {
        socketOptions = List.copyOf(socketOptions);
    }

    public AdminConfig(Address address, String accessLogPath) {
        this(address, accessLogPath, List.of());
    }
}
