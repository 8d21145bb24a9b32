package io.remora.extensions.filters.http.tap;

import io.remora.config.HttpFilterConfig;
import io.remora.extensions.filters.common.tap.TapSpec;

/**
 * {@code envoy.filters.http.tap}: either {@code adminConfigId} (taps only while a {@code /tap}
 * session for that id is attached) or {@code staticSpec}.
 */
record TapFilterConfig(String adminConfigId, TapSpec staticSpec, boolean recordHeadersReceivedTime,
                       boolean recordDownstreamConnection) implements HttpFilterConfig {

    static final String NAME = "envoy.filters.http.tap";

    @Override
    public String filterName() {
        return NAME;
    }
}
