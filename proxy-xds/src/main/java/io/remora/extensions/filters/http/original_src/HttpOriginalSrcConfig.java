package io.remora.extensions.filters.http.original_src;

import io.remora.config.HttpFilterConfig;

/**
 * {@code envoy.filters.http.original_src}'s {@code OriginalSrc}.
 *
 * @param mark SO_MARK for the request's upstream sockets, 0 for none
 */
record HttpOriginalSrcConfig(int mark) implements HttpFilterConfig {

    static final String NAME = "envoy.filters.http.original_src";

    @Override
    public String filterName() {
        return NAME;
    }
}
