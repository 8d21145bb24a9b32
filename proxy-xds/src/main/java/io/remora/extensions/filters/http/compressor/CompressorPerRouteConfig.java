package io.remora.extensions.filters.http.compressor;

import io.remora.config.RouteFilterConfig;

/**
 * {@code extensions.filters.http.compressor.v3.CompressorPerRoute}: {@code disabled}, or
 * {@code overrides} (a {@code response_direction_config} there enables response compression).
 *
 * @param responseEnabled            null when the route does not decide
 * @param removeAcceptEncodingHeader null when the route does not decide
 */
public record CompressorPerRouteConfig(Boolean responseEnabled, Boolean removeAcceptEncodingHeader)
        implements RouteFilterConfig {
}
