package io.remora.config;

/**
 * A non-terminal network filter whose config comes from extension config discovery: the delivered
 * config when there is one, else {@code default_config}, else none (a new connection is then
 * closed, as Envoy closes one whose filter chain cannot be built).
 *
 * @param filterName    the configured name (the ECDS resource name)
 * @param slot          where the delivered config is published
 * @param defaultConfig {@code default_config} translated, or null
 */
public record DiscoveredNetworkFilterConfig(String filterName, ExtensionConfigSlot<NetworkFilterConfig> slot,
                                            NetworkFilterConfig defaultConfig) implements NetworkFilterConfig {

    /** The config a new connection runs with, or null when there is none. */
    public NetworkFilterConfig effective() {
        NetworkFilterConfig c = slot.config();
        return c != null ? c : defaultConfig;
    }
}
