package io.remora.extensions.compression;

import io.netty.buffer.ByteBuf;

/** A streaming compressor for one body; {@link #close()} frees its native or pooled memory. */
public interface Compressor extends AutoCloseable {

    /**
     * Compresses {@code input} (read, not released) and returns what the codec emits for it.
     * Each call flushes, so the peer can decode everything sent so far (Envoy flushes per chunk);
     * {@code finish} ends the stream (trailer, end-of-frame). The caller owns the returned buffer.
     */
    ByteBuf compress(ByteBuf input, boolean finish);

    @Override
    void close();
}
