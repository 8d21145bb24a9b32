package io.remora.extensions.filters.http.decompressor;

import io.remora.config.HttpFilterConfig;
import io.remora.extensions.compression.Codec;

/**
 * {@code envoy.filters.http.decompressor} ({@code extensions.filters.http.decompressor.v3.Decompressor}).
 *
 * @param libraryName             {@code decompressor_library.name}, a segment of the stat names
 * @param advertiseAcceptEncoding add the coding to the request's Accept-Encoding when responses are decompressed
 * @param requestEnabledKey       {@code runtime_key} of the request direction's {@code enabled} ("" when none)
 * @param responseEnabledKey      likewise for the response direction
 */
public record DecompressorConfig(
        Codec codec,
        String libraryName,
        boolean requestEnabled,
        String requestEnabledKey,
        boolean requestIgnoreNoTransform,
        boolean advertiseAcceptEncoding,
        boolean responseEnabled,
        String responseEnabledKey,
        boolean responseIgnoreNoTransform) implements HttpFilterConfig {

    public static final String NAME = "envoy.filters.http.decompressor";

    @Override
    public String filterName() {
        return NAME;
    }
}
