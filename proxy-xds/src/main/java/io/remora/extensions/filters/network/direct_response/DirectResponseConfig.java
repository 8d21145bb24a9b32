package io.remora.extensions.filters.network.direct_response;

import io.remora.config.NetworkFilterConfig;

/**
 * {@code envoy.extensions.filters.network.direct_response.v3.Config}.
 *
 * @param response the bytes written to every new connection before it is closed (may be empty)
 */
public record DirectResponseConfig(byte[] response) implements NetworkFilterConfig {

    public static final String NAME = "envoy.filters.network.direct_response";

    public DirectResponseConfig {
        response = response.clone();
    }

    @Override
    public byte[] response() {
        return response.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof DirectResponseConfig d && java.util.Arrays.equals(response, d.response);
    }

    @Override
    public int hashCode() {
        return java.util.Arrays.hashCode(response);
    }

    @Override
    public String toString() {
        return "DirectResponseConfig[" + response.length + " bytes]";
    }

    @Override
    public String filterName() {
        return NAME;
    }
}
