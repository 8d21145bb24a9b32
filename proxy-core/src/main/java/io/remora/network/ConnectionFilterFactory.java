package io.remora.network;

import io.remora.config.NetworkFilterConfig;
import io.remora.server.ServerContext;

/**
 * Makes the per-connection instances of one configured non-terminal network filter; built once
 * per filter chain, {@link #newFilter()} once per connection.
 */
public interface ConnectionFilterFactory {

    ConnectionFilter newFilter();

    /** Maps a filter config to its factory; one implementation per filter kind. */
    interface Provider<C extends NetworkFilterConfig> {
        Class<C> configType();

        ConnectionFilterFactory create(C config, ServerContext context);
    }
}
