package io.remora.extensions.compression;

import io.netty.buffer.ByteBuf;

/** A streaming decompressor for one body; {@link #close()} frees its native or pooled memory. */
public interface Decompressor extends AutoCloseable {

    /**
     * Decompresses {@code input} (read, not released) and returns what it decodes to so far; the
     * caller owns the returned buffer.
     *
     * @throws DecompressionException on corrupt input, or output that outgrows the input by
     *                                more than the allowed inflate ratio (a decompression bomb)
     */
    ByteBuf decompress(ByteBuf input);

    @Override
    void close();
}
