package io.remora.extensions.filters.http.compressor;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.remora.extensions.compression.StatSegment;
import io.remora.stats.ClusterStats;
import io.remora.stats.HttpConnManagerStats;

/**
 * Envoy's {@code http.<stat_prefix>.compressor.<library name>.<library>.*} counters: the response
 * direction's (under {@code response.} when {@code response_direction_config} is set), the
 * Accept-Encoding ones, and the request direction's under {@code request.}. An upstream compressor's
 * are {@code cluster.<name>.compressor.*} for a cluster's filter and {@code compressor.*} (the root)
 * for a router's, as Envoy's upstream filter factories get an empty stats prefix in those scopes.
 */
final class CompressorStats {

    /** Counters of one direction. */
    static final class Direction {
        final Counter compressed;
        final Counter notCompressed;
        final Counter totalUncompressedBytes;
        final Counter totalCompressedBytes;
        final Counter contentLengthTooSmall;

        Direction(CompressorStats s, String p) {
            compressed = s.counter(p + "compressed");
            notCompressed = s.counter(p + "not_compressed");
            totalUncompressedBytes = s.counter(p + "total_uncompressed_bytes");
            totalCompressedBytes = s.counter(p + "total_compressed_bytes");
            contentLengthTooSmall = s.counter(p + "content_length_too_small");
        }
    }

    final String prefix;
    private final MeterRegistry registry;
    private final String base;
    private final String tag;
    final Direction request;
    final Direction response;
    final Counter noAcceptHeader;
    final Counter headerIdentity;
    final Counter headerCompressorUsed;
    final Counter headerCompressorOvershadowed;
    final Counter headerWildcard;
    final Counter headerNotValid;
    final Counter notCompressedEtag;

    CompressorStats(MeterRegistry registry, String prefix, CompressorConfig config) {
        this(registry, "envoy_http_", HttpConnManagerStats.TAG, prefix, config);
    }

    /** {@code scope}: {@code cluster.<name>.}, or empty for the root. */
    static CompressorStats upstream(MeterRegistry registry, String scope, CompressorConfig config) {
        if (scope.startsWith("cluster.")) {
            return new CompressorStats(registry, "envoy_cluster_", ClusterStats.TAG,
                    scope.substring("cluster.".length(), scope.length() - 1), config);
        }
        return new CompressorStats(registry, "envoy_", null, scope, config);
    }

    private CompressorStats(MeterRegistry registry, String scopeName, String tag, String prefix,
                            CompressorConfig config) {
        this.registry = registry;
        this.prefix = prefix;
        this.tag = tag;
        this.base = scopeName + "compressor_" + StatSegment.of(config.libraryName()) + "_"
                + config.codec().statsName() + "_";
        request = new Direction(this, "request_");
        response = new Direction(this, config.responseConfigSet() ? "response_" : "");
        noAcceptHeader = counter("no_accept_header");
        headerIdentity = counter("header_identity");
        headerCompressorUsed = counter("header_compressor_used");
        headerCompressorOvershadowed = counter("header_compressor_overshadowed");
        headerWildcard = counter("header_wildcard");
        headerNotValid = counter("header_not_valid");
        notCompressedEtag = counter("not_compressed_etag");
    }

    private Counter counter(String stat) {
        Counter.Builder b = Counter.builder(base + stat);
        return (tag == null ? b : b.tag(tag, prefix)).register(registry);
    }
}
