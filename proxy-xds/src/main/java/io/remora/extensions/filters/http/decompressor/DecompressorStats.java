package io.remora.extensions.filters.http.decompressor;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.remora.extensions.compression.StatSegment;
import io.remora.stats.HttpConnManagerStats;

/**
 * Envoy's {@code http.<stat_prefix>.decompressor.<library name>.<library>.(request|response).*}
 * counters, and the library's error counter under {@code decompressor_library.}.
 */
final class DecompressorStats {

    /** Counters of one direction. */
    static final class Direction {
        final Counter decompressed;
        final Counter notDecompressed;
        final Counter totalUncompressedBytes;
        final Counter totalCompressedBytes;

        Direction(DecompressorStats s, String p) {
            decompressed = s.counter(p + "decompressed");
            notDecompressed = s.counter(p + "not_decompressed");
            totalUncompressedBytes = s.counter(p + "total_uncompressed_bytes");
            totalCompressedBytes = s.counter(p + "total_compressed_bytes");
        }
    }

    final String prefix;
    private final MeterRegistry registry;
    private final String base;
    final Direction request;
    final Direction response;
    /** Corrupt input or an inflate-ratio breach (zlib_data_error, brotli_error, zstd_generic_error). */
    final Counter libraryError;

    DecompressorStats(MeterRegistry registry, String prefix, DecompressorConfig config) {
        this.registry = registry;
        this.prefix = prefix;
        this.base = "envoy_http_decompressor_" + StatSegment.of(config.libraryName()) + "_"
                + config.codec().statsName() + "_";
        request = new Direction(this, "request_");
        response = new Direction(this, "response_");
        String error = switch (config.codec().statsName()) {
            case "gzip" -> "zlib_data_error";
            case "brotli" -> "brotli_error";
            default -> "zstd_generic_error";
        };
        libraryError = counter("decompressor_library_" + error);
    }

    private Counter counter(String stat) {
        return Counter.builder(base + stat).tag(HttpConnManagerStats.TAG, prefix).register(registry);
    }
}
