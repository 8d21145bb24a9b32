package io.remora.extensions.filters.http.buffer;

import io.remora.config.HttpFilterConfig;
import io.remora.config.RouteFilterConfig;

/**
 * {@code envoy.filters.http.buffer}: the filter's {@code Buffer}, or a route's {@code BufferPerRoute}
 * (which replaces it: its own {@code buffer}, or {@code disabled}).
 *
 * @param maxRequestBytes the most request body the stream may buffer before a 413
 * @param disabled        a route turned the filter off
 */
record BufferConfig(int maxRequestBytes, boolean disabled) implements HttpFilterConfig, RouteFilterConfig {

    static final String NAME = "envoy.filters.http.buffer";

    static final BufferConfig DISABLED = new BufferConfig(0, true);

    @Override
    public String filterName() {
        return NAME;
    }
}
