package io.remora.extensions.compression;

import com.aayushatharva.brotli4j.decoder.BrotliInputStream;
import com.aayushatharva.brotli4j.encoder.BrotliOutputStream;
import com.aayushatharva.brotli4j.encoder.Encoder;
import com.github.luben.zstd.ZstdInputStream;
import com.github.luben.zstd.ZstdOutputStream;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.Random;
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Each codec against an independent implementation of its format (the JDK's gzip streams,
 * brotli4j's and zstd-jni's stream classes), fed in odd-sized chunks as a socket would.
 */
class CodecTest {

    static final ByteBufAllocator ALLOC = ByteBufAllocator.DEFAULT;

    static {
        BrotliCodec.ensureAvailable();
    }

    static Stream<Codec> codecs() {
        return Stream.of(GzipCodec.defaults(), BrotliCodec.defaults(), ZstdCodec.defaults());
    }

    static byte[] text(int n) {
        StringBuilder sb = new StringBuilder();
        Random r = new Random(n);
        while (sb.length() < n) {
            sb.append("line ").append(r.nextInt(1000)).append(" of some text that repeats a bit\n");
        }
        return sb.substring(0, n).getBytes();
    }

    @ParameterizedTest
    @MethodSource("codecs")
    void compressedChunksDecodeWithAnIndependentDecoder(Codec codec) throws Exception {
        byte[] data = text(300_000);
        ByteArrayOutputStream wire = new ByteArrayOutputStream();
        try (Compressor c = codec.newCompressor(ALLOC)) {
            int off = 0;
            int[] sizes = {1, 17, 4096, 65536, 100_000};
            for (int i = 0; off < data.length; i++) {
                int n = Math.min(sizes[i % sizes.length], data.length - off);
                ByteBuf in = Unpooled.wrappedBuffer(data, off, n);
                off += n;
                ByteBuf out = c.compress(in, false);
                in.release();
                // Each call flushes: what was sent so far must decode without the rest.
                wire.write(bytes(out));
            }
            wire.write(bytes(c.compress(Unpooled.EMPTY_BUFFER, true)));
        }
        assertTrue(wire.size() < data.length / 3, "compressed to " + wire.size());
        assertArrayEquals(data, independentDecode(codec, wire.toByteArray()));
    }

    @ParameterizedTest
    @MethodSource("codecs")
    void decompressesIndependentlyEncodedDataFedByteByByteAndInChunks(Codec codec) throws Exception {
        byte[] data = text(40_000);
        byte[] encoded = independentEncode(codec, data);
        for (int chunk : new int[] {1, 7, 8192}) {
            ByteArrayOutputStream plain = new ByteArrayOutputStream();
            try (Decompressor d = codec.newDecompressor(ALLOC)) {
                for (int off = 0; off < encoded.length; off += chunk) {
                    ByteBuf in = Unpooled.wrappedBuffer(encoded, off, Math.min(chunk, encoded.length - off));
                    plain.write(bytes(d.decompress(in)));
                    in.release();
                }
            }
            assertArrayEquals(data, plain.toByteArray(), "chunk " + chunk);
        }
    }

    @ParameterizedTest
    @MethodSource("codecs")
    void corruptDataFails(Codec codec) throws Exception {
        byte[] encoded = independentEncode(codec, text(50_000));
        for (int i = 12; i < encoded.length - 8; i += 7) {
            encoded[i] ^= 0x5a;
        }
        try (Decompressor d = codec.newDecompressor(ALLOC)) {
            ByteBuf in = Unpooled.wrappedBuffer(encoded);
            try {
                assertThrows(DecompressionException.class, () -> bytes(d.decompress(in)));
            } finally {
                in.release();
            }
        }
    }

    @ParameterizedTest
    @MethodSource("codecs")
    void aDecompressionBombStopsAtTheInflateRatio(Codec codec) throws Exception {
        byte[] zeros = new byte[16 << 20];
        byte[] bomb = independentEncode(codec, zeros);
        try (Decompressor d = codec.newDecompressor(ALLOC)) {
            ByteBuf in = Unpooled.wrappedBuffer(bomb);
            try {
                DecompressionException e = assertThrows(DecompressionException.class, () -> {
                    ByteBuf out = d.decompress(in);
                    out.release();
                });
                assertTrue(e.getMessage().contains("inflate ratio"), e.getMessage());
            } finally {
                in.release();
            }
        }
    }

    @org.junit.jupiter.api.Test
    void gzipRatioBoundIsConfigurable() throws Exception {
        byte[] data = new byte[1 << 20];
        byte[] gz = independentEncode(GzipCodec.defaults(), data); // ~1 KiB: ratio ~1000
        GzipCodec lenient = new GzipCodec(-1, 0, 15, 8, 4096, 2000);
        try (Decompressor d = lenient.newDecompressor(ALLOC)) {
            ByteBuf in = Unpooled.wrappedBuffer(gz);
            assertArrayEquals(data, bytes(d.decompress(in)));
            in.release();
        }
        try (Decompressor d = GzipCodec.defaults().newDecompressor(ALLOC)) {
            ByteBuf in = Unpooled.wrappedBuffer(gz);
            assertThrows(DecompressionException.class, () -> bytes(d.decompress(in)));
            in.release();
        }
    }

    static byte[] bytes(ByteBuf b) {
        byte[] out = new byte[b.readableBytes()];
        b.readBytes(out);
        b.release();
        return out;
    }

    static byte[] independentDecode(Codec codec, byte[] wire) throws Exception {
        InputStream in = switch (codec.contentEncoding()) {
            case "gzip" -> new GZIPInputStream(new ByteArrayInputStream(wire));
            case "br" -> new BrotliInputStream(new ByteArrayInputStream(wire));
            default -> new ZstdInputStream(new ByteArrayInputStream(wire));
        };
        try (in) {
            return in.readAllBytes();
        }
    }

    static byte[] independentEncode(Codec codec, byte[] data) throws Exception {
        ByteArrayOutputStream bos = new ByteArrayOutputStream();
        OutputStream out = switch (codec.contentEncoding()) {
            case "gzip" -> new GZIPOutputStream(bos);
            case "br" -> new BrotliOutputStream(bos, new Encoder.Parameters().setQuality(5));
            default -> new ZstdOutputStream(bos);
        };
        try (out) {
            out.write(data);
        }
        return bos.toByteArray();
    }
}
