package io.remora.stats;

/**
 * The compressor and decompressor filters' {@code compressor.<library name>.<codec>.<stat>} scopes
 * (under a connection manager's, a cluster's for a cluster's upstream filter, or the root for a
 * router's). Envoy extracts no tag from them, so the library name stays in the Prometheus name and
 * is told apart from the codec and the stat by the filters' known codecs and stats.
 */
final class CompressionStatNames {

    private static final String[] CODECS = {"gzip", "brotli", "zstd"};
    private static final String[] COMPRESSOR_DIRECTION = {"compressed", "not_compressed", "total_uncompressed_bytes",
        "total_compressed_bytes", "content_length_too_small"};
    private static final String[] COMPRESSOR_OTHER = {"no_accept_header", "header_identity", "header_compressor_used",
        "header_compressor_overshadowed", "header_wildcard", "header_not_valid", "not_compressed_etag"};
    private static final String[] DECOMPRESSOR_DIRECTION = {"decompressed", "not_decompressed",
        "total_uncompressed_bytes", "total_compressed_bytes"};
    private static final String DECOMPRESSOR_LIBRARY = "decompressor_library_";

    private CompressionStatNames() {
    }

    /**
     * {@code compressor_text_gz_gzip_request_compressed} is {@code compressor.text_gz.gzip.request.compressed};
     * null for any other stat.
     */
    static String dotted(String stat) {
        boolean compressor = stat.startsWith("compressor_");
        if (!compressor && !stat.startsWith("decompressor_")) {
            return null;
        }
        String scope = compressor ? "compressor" : "decompressor";
        String s = stat.substring(scope.length() + 1);
        for (String codec : CODECS) {
            int at = s.lastIndexOf("_" + codec + "_");
            if (at <= 0) {
                continue;
            }
            String known = compressor ? compressorStat(s.substring(at + codec.length() + 2))
                    : decompressorStat(s.substring(at + codec.length() + 2));
            if (known != null) {
                return scope + "." + s.substring(0, at) + "." + codec + "." + known;
            }
        }
        return null;
    }

    private static String compressorStat(String s) {
        for (String other : COMPRESSOR_OTHER) {
            if (s.equals(other)) {
                return s;
            }
        }
        return direction(s, COMPRESSOR_DIRECTION);
    }

    private static String decompressorStat(String s) {
        if (s.startsWith(DECOMPRESSOR_LIBRARY) && s.length() > DECOMPRESSOR_LIBRARY.length()) {
            return "decompressor_library." + s.substring(DECOMPRESSOR_LIBRARY.length());
        }
        return direction(s, DECOMPRESSOR_DIRECTION);
    }

    /** A direction's counter: {@code request.<stat>}, {@code response.<stat>}, or the legacy bare one. */
    private static String direction(String s, String[] stats) {
        String dir = s.startsWith("request_") ? "request" : s.startsWith("response_") ? "response" : null;
        String bare = dir == null ? s : s.substring(dir.length() + 1);
        for (String stat : stats) {
            if (bare.equals(stat)) {
                return dir == null ? stat : dir + "." + stat;
            }
        }
        return null;
    }
}
