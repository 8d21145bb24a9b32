package io.remora.extensions.filters.http.ext_proc;

import io.netty.buffer.ByteBuf;

import java.util.ArrayDeque;

/**
 * STREAMED body bookkeeping of one direction (Envoy's ChunkQueue): the chunks sent to the processor and not
 * yet answered, oldest first, their bytes (for the watermark), and whether the one with end_of_stream went.
 * Answers come in order, so the oldest chunk is the one an answer is about. Event-loop confined.
 */
final class ExtProcChunks {
    private final ArrayDeque<ByteBuf> inFlight = new ArrayDeque<>(2);
    private long bytes;
    private boolean lastSent;

    /** A chunk went to the processor; returns the bytes now out. */
    long sent(ByteBuf chunk, boolean endStream) {
        inFlight.add(chunk);
        bytes += chunk.readableBytes();
        lastSent = endStream;
        return bytes;
    }

    /** The oldest chunk, now answered; null when none is out. */
    ByteBuf answered() {
        ByteBuf chunk = inFlight.poll();
        if (chunk != null) {
            bytes -= chunk.readableBytes();
        }
        return chunk;
    }

    long bytes() {
        return bytes;
    }

    boolean isEmpty() {
        return inFlight.isEmpty();
    }

    /** Nothing is out and the last chunk sent ended the body. */
    boolean allAnsweredAndLastSent() {
        return inFlight.isEmpty() && lastSent;
    }

    /** The stream is over: give back the chunks still out. */
    void releaseAll() {
        while (!inFlight.isEmpty()) {
            inFlight.poll().release();
        }
        bytes = 0;
    }
}
