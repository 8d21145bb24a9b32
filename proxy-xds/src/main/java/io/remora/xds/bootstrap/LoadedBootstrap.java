package io.remora.xds.bootstrap;

import io.envoyproxy.envoy.config.bootstrap.v3.Bootstrap;
import io.remora.config.ServerConfig;

import java.util.List;

/**
 * A loaded bootstrap: the merged proto as written (kept for /config_dump and the xDS client),
 * the model the data plane runs from, and the warnings issued while translating.
 */
public record LoadedBootstrap(Bootstrap proto, ServerConfig model, List<String> warnings) {
}
