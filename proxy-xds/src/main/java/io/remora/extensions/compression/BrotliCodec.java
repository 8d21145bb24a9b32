package io.remora.extensions.compression;

import com.aayushatharva.brotli4j.Brotli4jLoader;
import com.aayushatharva.brotli4j.decoder.DecoderJNI;
import com.aayushatharva.brotli4j.encoder.Encoder;
import com.aayushatharva.brotli4j.encoder.EncoderJNI;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;

/**
 * Brotli over brotli4j's native library: Envoy's {@code compression.brotli.compressor.v3.Brotli}
 * and {@code compression.brotli.decompressor.v3.Brotli}. brotli4j's streaming encoder takes
 * quality, window and mode; {@code inputBlockBits} and {@code disableLiteralContextModeling} are
 * validated and kept but not passed (the encoder picks them; the output is valid either way).
 *
 * @param mode            {@code GENERIC}, {@code TEXT} or {@code FONT}
 * @param maxInflateRatio decompression bound (Envoy has none for brotli; see {@link InflateBound})
 */
public record BrotliCodec(int quality, int windowBits, int inputBlockBits, Encoder.Mode mode, int chunkSize,
                          boolean disableLiteralContextModeling, int maxInflateRatio) implements Codec {

    /** Envoy's defaults for a bare {@code Brotli {}}: quality 3, window 18, block 24, 4 KiB chunks. */
    public static BrotliCodec defaults() {
        return new BrotliCodec(3, 18, 24, Encoder.Mode.GENERIC, 4096, false, DEFAULT_MAX_INFLATE_RATIO);
    }

    /** Brotli reaches ratios far beyond gzip's on repetitive data; bounded all the same. */
    public static final int DEFAULT_MAX_INFLATE_RATIO = 2000;

    /** Throws if brotli4j's native library does not load on this platform (checked at config time). */
    public static void ensureAvailable() {
        try {
            Brotli4jLoader.ensureAvailability();
        } catch (Throwable t) {
            throw new IllegalStateException("brotli native library unavailable: " + t, t);
        }
    }

    @Override
    public String contentEncoding() {
        return "br";
    }

    @Override
    public String statsName() {
        return "brotli";
    }

    @Override
    public Compressor newCompressor(ByteBufAllocator alloc) {
        ensureAvailable();
        try {
            return new BrotliOut(new EncoderJNI.Wrapper(chunkSize, quality, windowBits, mode), alloc, chunkSize);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public Decompressor newDecompressor(ByteBufAllocator alloc) {
        ensureAvailable();
        try {
            return new BrotliIn(new DecoderJNI.Wrapper(chunkSize), alloc, chunkSize, maxInflateRatio);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static final class BrotliOut implements Compressor {
        private final EncoderJNI.Wrapper encoder;
        private final ByteBufAllocator alloc;
        private final int chunk;
        private boolean closed;

        BrotliOut(EncoderJNI.Wrapper encoder, ByteBufAllocator alloc, int chunk) {
            this.encoder = encoder;
            this.alloc = alloc;
            this.chunk = chunk;
        }

        @Override
        public ByteBuf compress(ByteBuf input, boolean finish) {
            ByteBuf out = alloc.heapBuffer(chunk);
            if (encoder.isFinished()) {
                return out;
            }
            try {
                int r = input.readerIndex();
                int left = input.readableBytes();
                do {
                    ByteBuffer in = encoder.getInputBuffer();
                    in.clear();
                    int n = Math.min(left, in.capacity());
                    input.getBytes(r, in.slice(0, n));
                    r += n;
                    left -= n;
                    EncoderJNI.Operation op = left > 0 ? EncoderJNI.Operation.PROCESS
                            : finish ? EncoderJNI.Operation.FINISH : EncoderJNI.Operation.FLUSH;
                    run(op, n, out);
                } while (left > 0);
                return out;
            } catch (RuntimeException e) {
                out.release();
                throw e;
            }
        }

        /** brotli's push/pull protocol: push the input once, then drain until nothing is left. */
        private void run(EncoderJNI.Operation op, int length, ByteBuf out) {
            boolean pushed = false;
            while (true) {
                if (!encoder.isSuccess()) {
                    throw new IllegalStateException("brotli encoder failed");
                }
                if (encoder.hasMoreOutput()) {
                    out.writeBytes(encoder.pull());
                } else if (encoder.hasRemainingInput()) {
                    encoder.push(op, 0);
                } else if (!pushed) {
                    encoder.push(op, length);
                    pushed = true;
                } else {
                    return;
                }
            }
        }

        @Override
        public void close() {
            if (!closed) {
                closed = true;
                encoder.destroy();
            }
        }
    }

    private static final class BrotliIn implements Decompressor {
        private final DecoderJNI.Wrapper decoder;
        private final ByteBufAllocator alloc;
        private final int chunk;
        private final InflateBound bound;
        private boolean closed;

        BrotliIn(DecoderJNI.Wrapper decoder, ByteBufAllocator alloc, int chunk, int ratio) {
            this.decoder = decoder;
            this.alloc = alloc;
            this.chunk = chunk;
            this.bound = new InflateBound(ratio);
        }

        @Override
        public ByteBuf decompress(ByteBuf input) {
            bound.input(input.readableBytes());
            ByteBuf out = alloc.heapBuffer(chunk);
            try {
                int r = input.readerIndex();
                int left = input.readableBytes();
                while (true) {
                    switch (decoder.getStatus()) {
                        case NEEDS_MORE_OUTPUT -> pull(out);
                        case OK -> decoder.push(0);
                        case NEEDS_MORE_INPUT -> {
                            if (decoder.hasOutput()) {
                                pull(out);
                            } else if (left == 0) {
                                return out;
                            } else {
                                ByteBuffer in = decoder.getInputBuffer();
                                in.clear();
                                int n = Math.min(left, in.capacity());
                                input.getBytes(r, in.slice(0, n));
                                r += n;
                                left -= n;
                                decoder.push(n);
                            }
                        }
                        case DONE -> {
                            if (decoder.hasOutput()) {
                                pull(out);
                            } else if (left > 0) {
                                throw new DecompressionException("data after the end of the brotli stream");
                            } else {
                                return out;
                            }
                        }
                        default -> throw new DecompressionException("corrupt brotli data");
                    }
                }
            } catch (RuntimeException e) {
                out.release();
                throw e;
            }
        }

        private void pull(ByteBuf out) {
            ByteBuffer b = decoder.pull();
            int n = b.remaining();
            out.writeBytes(b);
            bound.output(n);
        }

        @Override
        public void close() {
            if (!closed) {
                closed = true;
                decoder.destroy();
            }
        }
    }
}
