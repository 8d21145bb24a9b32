package io.remora.extensions.filters.http.compressor;

import java.util.ArrayList;
import java.util.List;

/**
 * The compressor filters of one stream, in configuration order, kept in the stream's filter state
 * so that the first compressor to see the response can decide for all of them (Envoy's
 * {@code CompressorRegistry}).
 */
final class CompressorChain {

    static final String FILTER_STATE_KEY = "compressors";

    final List<CompressorConfig> configs = new ArrayList<>(3);
}
