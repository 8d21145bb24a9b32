package io.remora.extensions.compression;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;

import java.util.zip.CRC32;
import java.util.zip.DataFormatException;
import java.util.zip.Deflater;
import java.util.zip.Inflater;

/**
 * gzip (RFC 1952) over the JDK's zlib: Envoy's {@code compression.gzip.compressor.v3.Gzip} and
 * {@code compression.gzip.decompressor.v3.Gzip}. The JDK exposes zlib's level and strategy but
 * not its window size or memory level, so {@code windowBits} and {@code memoryLevel} are validated
 * and kept (for the config dump) while zlib runs with its defaults (15 and 8): the output is valid
 * gzip either way, only its size differs slightly.
 *
 * @param level           zlib level 1-9, or -1 for zlib's default (6)
 * @param strategy        a {@link Deflater} strategy
 * @param chunkSize       output buffer growth step (Envoy's {@code chunk_size})
 * @param maxInflateRatio decompression bound (Envoy's {@code max_inflate_ratio})
 */
public record GzipCodec(int level, int strategy, int windowBits, int memoryLevel, int chunkSize,
                        int maxInflateRatio) implements Codec {

    public static final int DEFAULT_CHUNK_SIZE = 4096;
    public static final int DEFAULT_MAX_INFLATE_RATIO = 100;

    /** Envoy's defaults for a compressor library given as a bare {@code Gzip {}}. */
    public static GzipCodec defaults() {
        return new GzipCodec(Deflater.DEFAULT_COMPRESSION, Deflater.DEFAULT_STRATEGY, 12, 5, DEFAULT_CHUNK_SIZE,
                DEFAULT_MAX_INFLATE_RATIO);
    }

    @Override
    public String contentEncoding() {
        return "gzip";
    }

    @Override
    public String statsName() {
        return "gzip";
    }

    @Override
    public Compressor newCompressor(ByteBufAllocator alloc) {
        return new GzipOut(this, alloc);
    }

    @Override
    public Decompressor newDecompressor(ByteBufAllocator alloc) {
        return new GzipIn(this, alloc);
    }

    private static final byte[] HEADER = {0x1f, (byte) 0x8b, 8, 0, 0, 0, 0, 0, 0, 3};

    private static final class GzipOut implements Compressor {
        private final Deflater deflater;
        private final ByteBufAllocator alloc;
        private final int chunk;
        private final CRC32 crc = new CRC32();
        private boolean headerWritten;
        private boolean finished;
        private final byte[] scratch;

        GzipOut(GzipCodec c, ByteBufAllocator alloc) {
            this.deflater = new Deflater(c.level, true);
            this.deflater.setStrategy(c.strategy);
            this.alloc = alloc;
            this.chunk = c.chunkSize;
            this.scratch = new byte[c.chunkSize];
        }

        @Override
        public ByteBuf compress(ByteBuf input, boolean finish) {
            ByteBuf out = alloc.heapBuffer(chunk);
            if (finished) {
                return out;
            }
            if (!headerWritten) {
                out.writeBytes(HEADER);
                headerWritten = true;
            }
            int len = input.readableBytes();
            if (len > 0) {
                byte[] in;
                int off;
                if (input.hasArray()) {
                    in = input.array();
                    off = input.arrayOffset() + input.readerIndex();
                } else {
                    in = new byte[len];
                    input.getBytes(input.readerIndex(), in);
                    off = 0;
                }
                crc.update(in, off, len);
                deflater.setInput(in, off, len);
                while (!deflater.needsInput()) {
                    drain(out, Deflater.NO_FLUSH);
                }
            }
            if (finish) {
                deflater.finish();
                while (!deflater.finished()) {
                    drain(out, Deflater.NO_FLUSH);
                }
                int c = (int) crc.getValue();
                out.writeIntLE(c);
                out.writeIntLE((int) deflater.getBytesRead());
                finished = true;
            } else {
                // SYNC_FLUSH until a call leaves room: then everything given so far is out.
                int n;
                do {
                    n = drain(out, Deflater.SYNC_FLUSH);
                } while (n == scratch.length);
            }
            return out;
        }

        private int drain(ByteBuf out, int flush) {
            int n = deflater.deflate(scratch, 0, scratch.length, flush);
            out.writeBytes(scratch, 0, n);
            return n;
        }

        @Override
        public void close() {
            deflater.end();
        }
    }

    /** Streaming gzip reader: header, raw deflate, trailer; concatenated members as zlib's gunzip. */
    private static final class GzipIn implements Decompressor {
        private enum State { HEADER, BODY, TRAILER, DONE }

        private final Inflater inflater = new Inflater(true);
        private final ByteBufAllocator alloc;
        private final InflateBound bound;
        private final byte[] scratch;
        private final CRC32 crc = new CRC32();
        private State state = State.HEADER;
        /** Bytes held back until a header or trailer can be parsed whole. */
        private ByteBuf pending;

        GzipIn(GzipCodec c, ByteBufAllocator alloc) {
            this.alloc = alloc;
            this.bound = new InflateBound(c.maxInflateRatio);
            this.scratch = new byte[c.chunkSize];
        }

        @Override
        public ByteBuf decompress(ByteBuf input) {
            bound.input(input.readableBytes());
            ByteBuf out = alloc.heapBuffer(scratch.length);
            ByteBuf in = pending == null ? input.retainedDuplicate()
                    : alloc.compositeHeapBuffer().addComponents(true, pending, input.retainedDuplicate());
            pending = null;
            try {
                loop:
                while (in.isReadable()) {
                    switch (state) {
                        case HEADER -> {
                            int n = headerLength(in);
                            if (n < 0) {
                                break loop;
                            }
                            in.skipBytes(n);
                            inflater.reset();
                            crc.reset();
                            state = State.BODY;
                        }
                        case BODY -> inflate(in, out);
                        case TRAILER -> {
                            if (in.readableBytes() < 8) {
                                break loop;
                            }
                            int expectCrc = in.readIntLE();
                            int expectSize = in.readIntLE();
                            if (expectCrc != (int) crc.getValue() || expectSize != (int) inflater.getBytesWritten()) {
                                throw new DecompressionException("gzip trailer does not match the data (CRC or size)");
                            }
                            state = State.HEADER;
                        }
                        default -> throw new IllegalStateException();
                    }
                }
                if (in.isReadable()) {
                    pending = in.readRetainedSlice(in.readableBytes());
                }
                return out;
            } catch (RuntimeException e) {
                out.release();
                throw e;
            } finally {
                in.release();
            }
        }

        private void inflate(ByteBuf in, ByteBuf out) {
            int len = in.readableBytes();
            byte[] arr = new byte[len];
            in.getBytes(in.readerIndex(), arr);
            inflater.setInput(arr, 0, len);
            try {
                while (true) {
                    int n = inflater.inflate(scratch);
                    if (n > 0) {
                        crc.update(scratch, 0, n);
                        out.writeBytes(scratch, 0, n);
                        bound.output(n);
                    }
                    if (inflater.finished()) {
                        state = State.TRAILER;
                        break;
                    }
                    if (inflater.needsDictionary()) {
                        throw new DecompressionException("gzip data needs a preset dictionary");
                    }
                    if (n == 0 && inflater.needsInput()) {
                        break;
                    }
                }
            } catch (DataFormatException e) {
                throw new DecompressionException("corrupt gzip data: " + e.getMessage());
            }
            in.skipBytes(len - inflater.getRemaining());
        }

        /** The length of a complete gzip member header at the reader index, or -1 if more is needed. */
        private static int headerLength(ByteBuf in) {
            int r = in.readerIndex();
            int avail = in.readableBytes();
            if (avail < 10) {
                if (avail >= 1 && in.getUnsignedByte(r) != 0x1f || avail >= 2 && in.getUnsignedByte(r + 1) != 0x8b) {
                    throw new DecompressionException("not gzip data (bad magic)");
                }
                return -1;
            }
            if (in.getUnsignedByte(r) != 0x1f || in.getUnsignedByte(r + 1) != 0x8b) {
                throw new DecompressionException("not gzip data (bad magic)");
            }
            if (in.getUnsignedByte(r + 2) != 8) {
                throw new DecompressionException("unknown gzip compression method");
            }
            int flags = in.getUnsignedByte(r + 3);
            int n = 10;
            if ((flags & 4) != 0) { // FEXTRA
                if (avail < n + 2) {
                    return -1;
                }
                n += 2 + in.getUnsignedShortLE(r + n);
            }
            for (int bit : new int[] {8, 16}) { // FNAME, FCOMMENT: zero-terminated
                if ((flags & bit) != 0) {
                    int z = n < avail ? in.indexOf(r + n, r + avail, (byte) 0) : -1;
                    if (z < 0) {
                        return -1;
                    }
                    n = z - r + 1;
                }
            }
            if ((flags & 2) != 0) { // FHCRC
                n += 2;
            }
            return n <= avail ? n : -1;
        }

        @Override
        public void close() {
            inflater.end();
            if (pending != null) {
                pending.release();
                pending = null;
            }
        }
    }
}
