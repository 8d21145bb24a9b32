package io.remora.extensions.transport_sockets.tap;

import io.remora.extensions.filters.common.tap.TapSpec;
import io.remora.network.SocketTap;
import io.remora.server.ServerContext;

/**
 * A translated {@code envoy.extensions.transport_sockets.tap.v3.Tap} (its wrapped socket is the
 * chain's own transport socket).
 *
 * @param adminConfigId      {@code common_config.admin_config.config_id}, or null
 * @param staticSpec         {@code common_config.static_config}, or null
 * @param connectionPerEvent {@code socket_tap_config.set_connection_per_event}
 */
public record TapSocketConfig(String adminConfigId, TapSpec staticSpec, boolean connectionPerEvent)
        implements SocketTap.Config {

    @Override
    public SocketTap build(ServerContext context) {
        return new TransportTap(this, context);
    }
}
