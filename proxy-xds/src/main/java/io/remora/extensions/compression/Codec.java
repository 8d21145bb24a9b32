package io.remora.extensions.compression;

import io.netty.buffer.ByteBufAllocator;

/**
 * One content coding (gzip, br, zstd) with its parameters, as the compressor and decompressor
 * filters use it: a configured library (Envoy's {@code compressor_library} /
 * {@code decompressor_library}) that makes a fresh streaming {@link Compressor} or
 * {@link Decompressor} per stream. Immutable; the streams it makes are not thread-safe and
 * belong to one HTTP stream's event loop.
 */
public interface Codec {

    /** The {@code Content-Encoding} / {@code Accept-Encoding} token: {@code gzip}, {@code br}, {@code zstd}. */
    String contentEncoding();

    /** The library's segment in stat names: {@code gzip}, {@code brotli}, {@code zstd}. */
    String statsName();

    Compressor newCompressor(ByteBufAllocator alloc);

    Decompressor newDecompressor(ByteBufAllocator alloc);
}
