package io.remora.network;

import io.remora.config.NetworkFilterConfig;
import io.remora.server.ServerContext;

/** Turns a validated terminal filter config into its runtime; one per filter kind. */
public interface NetworkFilterFactory<C extends NetworkFilterConfig> {

    Class<C> configType();

    NetworkFilter create(C config, ServerContext context);
}
