package io.remora.config;

/**
 * An HTTP filter whose config comes from extension config discovery: the delivered config when
 * there is one, else {@code default_config}, else none (each stream then gets Envoy's
 * missing-config reply, 500 with response flag NFCF).
 *
 * @param filterName    the configured name (the ECDS resource name)
 * @param slot          where the delivered config is published
 * @param defaultConfig {@code default_config} translated, or null
 */
public record DiscoveredHttpFilterConfig(String filterName, ExtensionConfigSlot<HttpFilterConfig> slot,
                                         HttpFilterConfig defaultConfig) implements HttpFilterConfig {

    /** The config a new stream runs with, or null when there is none. */
    public HttpFilterConfig effective() {
        HttpFilterConfig c = slot.config();
        return c != null ? c : defaultConfig;
    }
}
