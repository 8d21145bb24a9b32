package io.remora.extensions.compression;

import com.aayushatharva.brotli4j.encoder.Encoder;
import io.envoyproxy.envoy.config.core.v3.TypedExtensionConfig;
import io.remora.xds.translate.FieldPath;
import io.remora.xds.translate.Protos;
import io.remora.xds.translate.TypedConfig;

import java.util.zip.Deflater;

/**
 * Envoy's {@code compressor_library} / {@code decompressor_library} (a TypedExtensionConfig
 * naming gzip, brotli or zstd) as a {@link Codec}, with Envoy's defaults and range checks.
 */
public final class CodecTranslator {

    static final String GZIP_COMPRESSOR = "envoy.extensions.compression.gzip.compressor.v3.Gzip";
    static final String BROTLI_COMPRESSOR = "envoy.extensions.compression.brotli.compressor.v3.Brotli";
    static final String ZSTD_COMPRESSOR = "envoy.extensions.compression.zstd.compressor.v3.Zstd";
    static final String GZIP_DECOMPRESSOR = "envoy.extensions.compression.gzip.decompressor.v3.Gzip";
    static final String BROTLI_DECOMPRESSOR = "envoy.extensions.compression.brotli.decompressor.v3.Brotli";
    static final String ZSTD_DECOMPRESSOR = "envoy.extensions.compression.zstd.decompressor.v3.Zstd";

    private CodecTranslator() {
    }

    public static Codec compressorLibrary(TypedExtensionConfig lib, FieldPath path) {
        if (lib.getName().isEmpty()) {
            throw path.field("name").error("missing required field");
        }
        if (!lib.hasTypedConfig()) {
            throw path.field("typed_config").error("missing required field");
        }
        FieldPath tp = path.field("typed_config");
        TypedConfig tc = TypedConfig.of(lib.getTypedConfig(), tp);
        return switch (tc.typeName()) {
            case GZIP_COMPRESSOR -> gzip(tc.unpack(
                    io.envoyproxy.envoy.extensions.compression.gzip.compressor.v3.Gzip.class, tp), tp);
            case BROTLI_COMPRESSOR -> brotli(tc.unpack(
                    io.envoyproxy.envoy.extensions.compression.brotli.compressor.v3.Brotli.class, tp), tp);
            case ZSTD_COMPRESSOR -> zstd(tc.unpack(
                    io.envoyproxy.envoy.extensions.compression.zstd.compressor.v3.Zstd.class, tp), tp);
            default -> throw tp.error("unsupported compressor library '" + tc.typeName()
                    + "' (supported: gzip, brotli, zstd)");
        };
    }

    public static Codec decompressorLibrary(TypedExtensionConfig lib, FieldPath path) {
        if (lib.getName().isEmpty()) {
            throw path.field("name").error("missing required field");
        }
        if (!lib.hasTypedConfig()) {
            throw path.field("typed_config").error("missing required field");
        }
        FieldPath tp = path.field("typed_config");
        TypedConfig tc = TypedConfig.of(lib.getTypedConfig(), tp);
        switch (tc.typeName()) {
            case GZIP_DECOMPRESSOR -> {
                var g = tc.unpack(io.envoyproxy.envoy.extensions.compression.gzip.decompressor.v3.Gzip.class, tp);
                int window = range(g.hasWindowBits(), g.getWindowBits(), 15, 9, 15, tp.field("window_bits"));
                int chunk = range(g.hasChunkSize(), g.getChunkSize(), 4096, 4096, 65536, tp.field("chunk_size"));
                int ratio = range(g.hasMaxInflateRatio(), g.getMaxInflateRatio(), GzipCodec.DEFAULT_MAX_INFLATE_RATIO,
                        1, 2000, tp.field("max_inflate_ratio"));
                return new GzipCodec(Deflater.DEFAULT_COMPRESSION, Deflater.DEFAULT_STRATEGY, window, 8, chunk, ratio);
            }
            case BROTLI_DECOMPRESSOR -> {
                var b = tc.unpack(io.envoyproxy.envoy.extensions.compression.brotli.decompressor.v3.Brotli.class, tp);
                int chunk = range(b.hasChunkSize(), b.getChunkSize(), 4096, 4096, 65536, tp.field("chunk_size"));
                BrotliCodec.ensureAvailable();
                return new BrotliCodec(3, 18, 24, Encoder.Mode.GENERIC, chunk, false,
                        BrotliCodec.DEFAULT_MAX_INFLATE_RATIO);
            }
            case ZSTD_DECOMPRESSOR -> {
                var z = tc.unpack(io.envoyproxy.envoy.extensions.compression.zstd.decompressor.v3.Zstd.class, tp);
                if (z.getDictionariesCount() > 0) {
                    throw tp.field("dictionaries").error("zstd dictionaries are not supported");
                }
                int chunk = range(z.hasChunkSize(), z.getChunkSize(), 4096, 4096, 65536, tp.field("chunk_size"));
                return new ZstdCodec(3, false, 0, chunk, ZstdCodec.DEFAULT_MAX_INFLATE_RATIO);
            }
            default -> throw tp.error("unsupported decompressor library '" + tc.typeName()
                    + "' (supported: gzip, brotli, zstd)");
        }
    }

    private static GzipCodec gzip(io.envoyproxy.envoy.extensions.compression.gzip.compressor.v3.Gzip g, FieldPath p) {
        int level = switch (g.getCompressionLevel()) {
            case DEFAULT_COMPRESSION -> Deflater.DEFAULT_COMPRESSION;
            case UNRECOGNIZED -> throw p.field("compression_level").error("unknown compression level "
                    + g.getCompressionLevelValue());
            default -> g.getCompressionLevelValue();
        };
        int strategy = switch (g.getCompressionStrategy()) {
            case DEFAULT_STRATEGY, RLE, FIXED -> Deflater.DEFAULT_STRATEGY; // RLE/FIXED: not offered by the JDK
            case FILTERED -> Deflater.FILTERED;
            case HUFFMAN_ONLY -> Deflater.HUFFMAN_ONLY;
            default -> throw p.field("compression_strategy").error("unknown compression strategy "
                    + g.getCompressionStrategyValue());
        };
        int memory = range(g.hasMemoryLevel(), g.getMemoryLevel(), 5, 1, 9, p.field("memory_level"));
        int window = range(g.hasWindowBits(), g.getWindowBits(), 12, 9, 15, p.field("window_bits"));
        int chunk = range(g.hasChunkSize(), g.getChunkSize(), 4096, 4096, 65536, p.field("chunk_size"));
        return new GzipCodec(level, strategy, window, memory, chunk, GzipCodec.DEFAULT_MAX_INFLATE_RATIO);
    }

    private static BrotliCodec brotli(io.envoyproxy.envoy.extensions.compression.brotli.compressor.v3.Brotli b,
                                      FieldPath p) {
        int quality = range(b.hasQuality(), b.getQuality(), 3, 0, 11, p.field("quality"));
        int window = range(b.hasWindowBits(), b.getWindowBits(), 18, 10, 24, p.field("window_bits"));
        int block = range(b.hasInputBlockBits(), b.getInputBlockBits(), 24, 16, 24, p.field("input_block_bits"));
        int chunk = range(b.hasChunkSize(), b.getChunkSize(), 4096, 4096, 65536, p.field("chunk_size"));
        Encoder.Mode mode = switch (b.getEncoderMode()) {
            case DEFAULT, GENERIC -> Encoder.Mode.GENERIC;
            case TEXT -> Encoder.Mode.TEXT;
            case FONT -> Encoder.Mode.FONT;
            default -> throw p.field("encoder_mode").error("unknown encoder mode " + b.getEncoderModeValue());
        };
        BrotliCodec.ensureAvailable();
        return new BrotliCodec(quality, window, block, mode, chunk, b.getDisableLiteralContextModeling(),
                BrotliCodec.DEFAULT_MAX_INFLATE_RATIO);
    }

    private static ZstdCodec zstd(io.envoyproxy.envoy.extensions.compression.zstd.compressor.v3.Zstd z, FieldPath p) {
        if (z.hasDictionary()) {
            throw p.field("dictionary").error("zstd dictionaries are not supported");
        }
        // Envoy: 0 (or unset) is zstd's default level, 3; zstd's table ends at 22.
        int level = range(z.hasCompressionLevel(), z.getCompressionLevel(), 3, 0, 22, p.field("compression_level"));
        if (level == 0) {
            level = 3;
        }
        int strategy = z.getStrategyValue();
        if (strategy < 0 || strategy > 9) {
            throw p.field("strategy").error("unknown strategy " + strategy);
        }
        int chunk = range(z.hasChunkSize(), z.getChunkSize(), 4096, 4096, 65536, p.field("chunk_size"));
        return new ZstdCodec(level, z.getEnableChecksum(), strategy, chunk, ZstdCodec.DEFAULT_MAX_INFLATE_RATIO);
    }

    private static int range(boolean has, com.google.protobuf.UInt32Value v, int dflt, int min, int max,
                             FieldPath path) {
        int x = Protos.uint(has, v, dflt);
        if (x < min || x > max) {
            throw path.error("must be between " + min + " and " + max + ", got " + Integer.toUnsignedString(x));
        }
        return x;
    }
}
