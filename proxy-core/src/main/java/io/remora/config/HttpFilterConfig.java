package io.remora.config;

/**
 * An HTTP filter of a connection manager. The last one is the router
 * ({@link RouterFilterConfig}); others come with their own records.
 */
public interface HttpFilterConfig {
    String filterName();
}
