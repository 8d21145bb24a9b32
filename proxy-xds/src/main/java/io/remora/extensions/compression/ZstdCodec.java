package io.remora.extensions.compression;

import com.github.luben.zstd.EndDirective;
import com.github.luben.zstd.ZstdCompressCtx;
import com.github.luben.zstd.ZstdDecompressCtx;
import com.github.luben.zstd.ZstdException;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;

import java.nio.ByteBuffer;

/**
 * Zstandard over zstd-jni: Envoy's {@code compression.zstd.compressor.v3.Zstd} and
 * {@code compression.zstd.decompressor.v3.Zstd}.
 *
 * @param strategy        zstd's strategy number (0: the level's default, 1 fast ... 9 btultra2)
 * @param maxInflateRatio decompression bound (Envoy has none for zstd; see {@link InflateBound})
 */
public record ZstdCodec(int level, boolean checksum, int strategy, int chunkSize, int maxInflateRatio)
        implements Codec {

    public static final int DEFAULT_MAX_INFLATE_RATIO = 2000;

    /** Envoy's defaults for a bare {@code Zstd {}}: zstd's default level (3), 4 KiB chunks. */
    public static ZstdCodec defaults() {
        return new ZstdCodec(3, false, 0, 4096, DEFAULT_MAX_INFLATE_RATIO);
    }

    @Override
    public String contentEncoding() {
        return "zstd";
    }

    @Override
    public String statsName() {
        return "zstd";
    }

    @Override
    public Compressor newCompressor(ByteBufAllocator alloc) {
        ZstdCompressCtx ctx = new ZstdCompressCtx();
        ctx.setLevel(level);
        ctx.setChecksum(checksum);
        if (strategy > 0) {
            ctx.setStrategy(strategy);
        }
        return new ZstdOut(ctx, alloc, chunkSize);
    }

    @Override
    public Decompressor newDecompressor(ByteBufAllocator alloc) {
        return new ZstdIn(new ZstdDecompressCtx(), alloc, chunkSize, maxInflateRatio);
    }

    /** The input as a direct NIO buffer (zstd-jni's streaming calls take only direct buffers). */
    private static ByteBuf direct(ByteBuf input, ByteBufAllocator alloc) {
        if (input.isDirect() && input.nioBufferCount() == 1) {
            return input.retainedDuplicate();
        }
        ByteBuf d = alloc.directBuffer(input.readableBytes());
        d.writeBytes(input, input.readerIndex(), input.readableBytes());
        return d;
    }

    private static final class ZstdOut implements Compressor {
        private final ZstdCompressCtx ctx;
        private final ByteBufAllocator alloc;
        private final ByteBuf scratch;
        private boolean finished;
        private boolean closed;

        ZstdOut(ZstdCompressCtx ctx, ByteBufAllocator alloc, int chunk) {
            this.ctx = ctx;
            this.alloc = alloc;
            this.scratch = alloc.directBuffer(Math.max(chunk, 64));
        }

        @Override
        public ByteBuf compress(ByteBuf input, boolean finish) {
            ByteBuf out = alloc.heapBuffer(scratch.capacity());
            if (finished) {
                return out;
            }
            ByteBuf in = direct(input, alloc);
            try {
                ByteBuffer src = in.nioBuffer(in.readerIndex(), in.readableBytes());
                EndDirective op = finish ? EndDirective.END : EndDirective.FLUSH;
                boolean done;
                do {
                    ByteBuffer dst = scratch.nioBuffer(0, scratch.capacity());
                    done = ctx.compressDirectByteBufferStream(dst, src, op);
                    dst.flip();
                    out.writeBytes(dst);
                } while (!done || src.hasRemaining());
                finished = finish;
                return out;
            } catch (RuntimeException e) {
                out.release();
                throw e;
            } finally {
                in.release();
            }
        }

        @Override
        public void close() {
            if (!closed) {
                closed = true;
                ctx.close();
                scratch.release();
            }
        }
    }

    private static final class ZstdIn implements Decompressor {
        private final ZstdDecompressCtx ctx;
        private final ByteBufAllocator alloc;
        private final ByteBuf scratch;
        private final InflateBound bound;
        private boolean closed;

        ZstdIn(ZstdDecompressCtx ctx, ByteBufAllocator alloc, int chunk, int ratio) {
            this.ctx = ctx;
            this.alloc = alloc;
            this.scratch = alloc.directBuffer(Math.max(chunk, 64));
            this.bound = new InflateBound(ratio);
        }

        @Override
        public ByteBuf decompress(ByteBuf input) {
            bound.input(input.readableBytes());
            ByteBuf out = alloc.heapBuffer(scratch.capacity());
            ByteBuf in = direct(input, alloc);
            try {
                ByteBuffer src = in.nioBuffer(in.readerIndex(), in.readableBytes());
                while (true) {
                    ByteBuffer dst = scratch.nioBuffer(0, scratch.capacity());
                    ctx.decompressDirectByteBufferStream(dst, src);
                    int n = dst.position();
                    dst.flip();
                    out.writeBytes(dst);
                    bound.output(n);
                    // A full output buffer may mean more is pending inside zstd even with no input left.
                    if (!src.hasRemaining() && n < scratch.capacity()) {
                        return out;
                    }
                }
            } catch (ZstdException e) {
                out.release();
                throw new DecompressionException("corrupt zstd data: " + e.getMessage());
            } catch (RuntimeException e) {
                out.release();
                throw e;
            } finally {
                in.release();
            }
        }

        @Override
        public void close() {
            if (!closed) {
                closed = true;
                ctx.close();
                scratch.release();
            }
        }
    }
}
