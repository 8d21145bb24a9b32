package io.remora.http.router;

import io.netty.buffer.ByteBuf;

import java.util.ArrayList;
import java.util.List;

/**
 * The request body a router holds, as chunks numbered from the stream's first: kept whole while
 * a retry or a mirror may replay it ({@code RouterFilter.retainBody}), else released once the current attempt has
 * written them. Event-loop confined.
 */
final class RequestBody {

    /**
     * The body of a request that has none (yet): read-only, shared; the router makes its own with
     * the first chunk, so a bodyless request (most are) costs no object.
     */
    static final RequestBody NONE = new RequestBody();

    /** Chunks still held; index 0 is chunk number {@link #base}. Made with the first chunk: most requests have none. */
    private ArrayList<ByteBuf> chunks;
    private int base;
    private int count;
    private long bytes;
    private long released;

    /** A chunk from downstream; the body owns it. */
    void add(ByteBuf data) {
        if (this == NONE) {
            throw new IllegalStateException("the shared empty body takes no chunk");
        }
        if (chunks == null) {
            chunks = new ArrayList<>(2);
        }
        chunks.add(data);
        count++;
        bytes += data.readableBytes();
    }

    /** Chunks received so far. */
    int count() {
        return count;
    }

    /** Chunk number {@code n}, still held. */
    ByteBuf chunk(int n) {
        return chunks.get(n - base);
    }

    /**
     * Chunk number {@code n} handed over to the caller, who owns it from now on, when it is the first
     * one still held; else null. A body nobody will replay passes its chunks on this way instead of
     * as retained duplicates: one derived buffer and one reference count round trip less per chunk.
     */
    ByteBuf take(int n) {
        if (n != base || chunks == null || chunks.isEmpty()) {
            return null;
        }
        ByteBuf b = chunks.remove(0);
        base++;
        released += b.readableBytes();
        return b;
    }

    boolean isEmpty() {
        return chunks == null || chunks.isEmpty();
    }

    /** Bytes received so far. */
    long received() {
        return bytes;
    }

    /** Bytes still held. */
    long held() {
        return bytes - released;
    }

    /** Whether no chunk was let go of yet: with the chunks kept, an attempt can be replayed from the first byte. */
    boolean whole() {
        return base == 0;
    }

    /** The held chunks, for a mirror that duplicates them. */
    List<ByteBuf> chunks() {
        return chunks == null ? List.of() : chunks;
    }

    /**
     * Hands every held chunk over as one buffer (null when none), for the request's next run after
     * an internal redirect; the body holds nothing afterwards.
     */
    ByteBuf takeAll(io.netty.buffer.ByteBufAllocator alloc) {
        if (chunks == null || chunks.isEmpty()) {
            return null;
        }
        ByteBuf all;
        if (chunks.size() == 1) {
            all = chunks.get(0);
        } else {
            io.netty.buffer.CompositeByteBuf c = alloc.compositeBuffer(chunks.size());
            c.addComponents(true, chunks);
            all = c;
        }
        for (ByteBuf b : chunks) {
            released += b.readableBytes();
        }
        base += chunks.size();
        chunks.clear();
        return all;
    }

    /** Lets go of every held chunk; their numbers stay taken. */
    void release() {
        if (chunks == null) {
            return;
        }
        for (ByteBuf b : chunks) {
            released += b.readableBytes();
            b.release();
        }
        base += chunks.size();
        chunks.clear();
    }
}
