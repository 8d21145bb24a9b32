package io.remora.extensions.filters.http.compressor;

import io.remora.config.HttpFilterConfig;
import io.remora.extensions.compression.Codec;

import java.util.Set;

/**
 * {@code envoy.filters.http.compressor} ({@code extensions.filters.http.compressor.v3.Compressor}).
 *
 * @param libraryName            {@code compressor_library.name}, a segment of the stat names
 * @param request                request direction; {@code enabled} only when {@code request_direction_config} is set
 * @param response               response direction (from {@code response_direction_config}, else the
 *                               deprecated top-level fields)
 * @param responseConfigSet      {@code response_direction_config} is set: its stats get a {@code response.} segment
 * @param uncompressibleResponseCodes {@code response_direction_config.uncompressible_response_codes}: response
 *                               statuses never compressed (e.g. 206, whose byte ranges name the uncompressed entity)
 */
public record CompressorConfig(
        Codec codec,
        String libraryName,
        CompressorDirection request,
        CompressorDirection response,
        boolean responseConfigSet,
        boolean disableOnEtagHeader,
        boolean removeAcceptEncodingHeader,
        boolean chooseFirst,
        Set<Integer> uncompressibleResponseCodes) implements HttpFilterConfig {

    public static final String NAME = "envoy.filters.http.compressor";

    public CompressorConfig {
        uncompressibleResponseCodes = Set.copyOf(uncompressibleResponseCodes);
    }

    @Override
    public String filterName() {
        return NAME;
    }
}
