package io.remora.http.upstream;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.util.AsciiString;
import io.netty.util.concurrent.FastThreadLocal;

import java.util.Arrays;

/**
 * The values of a few header names that repeat from message to message on a worker ({@code host},
 * {@code user-agent}, {@code accept}, {@code content-type}...): the HTTP/1.1 parser hands out one
 * shared immutable {@link AsciiString} for such a value instead of a new view and a copy of its
 * bytes per message, much as HPACK's dynamic table spares them on the wire.
 *
 * <p>Direct-mapped by the value's hash (which the parser computes while it checks the bytes), so a
 * lookup is one comparison. A value is cached the second time its slot sees it: a value that does
 * not repeat (a content-length that varies) costs nothing more than before, and never displaces
 * one that does until it shows up twice in a row of its slot. Entries own arrays of their own, so
 * the cache never keeps a message's bytes alive, and are at most {@link #MAX_LENGTH} bytes:
 * {@code SLOTS * MAX_LENGTH} bounds what a worker holds. One cache per thread: no sharing, no locks.
 */
final class HeaderValueCache {

    static final int MAX_LENGTH = 64;
    private static final int SLOTS = 256;

    /** Names whose values repeat across the messages of a worker; compared by identity (LowerCaseNames' constants). */
    private static final AsciiString[] REPEATING = {
            HttpHeaderNames.HOST, HttpHeaderNames.USER_AGENT, HttpHeaderNames.ACCEPT,
            HttpHeaderNames.ACCEPT_ENCODING, HttpHeaderNames.ACCEPT_LANGUAGE, HttpHeaderNames.CONTENT_TYPE,
            HttpHeaderNames.CONTENT_LENGTH, HttpHeaderNames.CONTENT_ENCODING, HttpHeaderNames.CACHE_CONTROL,
            HttpHeaderNames.CONNECTION, HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderNames.TE,
            HttpHeaderNames.PRAGMA, HttpHeaderNames.VARY, HttpHeaderNames.SERVER, HttpHeaderNames.ORIGIN};

    private static final FastThreadLocal<HeaderValueCache> CURRENT = new FastThreadLocal<>() {
        @Override
        protected HeaderValueCache initialValue() {
            return new HeaderValueCache();
        }
    };

    private final AsciiString[] values = new AsciiString[SLOTS];
    /** The hash of each cached value. */
    private final int[] hashes = new int[SLOTS];
    /** Per slot, the hash of the last value that missed it: a second miss with it caches the value. */
    private final int[] seen = new int[SLOTS];

    private HeaderValueCache() {
    }

    /** This thread's cache. */
    static HeaderValueCache current() {
        return CURRENT.get();
    }

    /** Whether values of {@code name} (a shared constant from {@link LowerCaseNames}, or null) are worth caching. */
    static boolean repeats(AsciiString name) {
        if (name == null) {
            return false;
        }
        for (AsciiString n : REPEATING) {
            if (n == name) {
                return true;
            }
        }
        return false;
    }

    /**
     * The shared value spelled by {@code b[off, off + len)} (whose hash is {@code hash}), or null
     * when it is not cached (yet): the caller keeps its own copy then.
     */
    AsciiString get(byte[] b, int off, int len, int hash) {
        if (len == 0 || len > MAX_LENGTH) {
            return null;
        }
        int slot = (hash ^ (hash >>> 8) ^ (hash >>> 16)) & (SLOTS - 1);
        AsciiString v = values[slot];
        if (v != null && hashes[slot] == hash && Http1FieldLines.sameBytes(v, b, off, len, false)) {
            return v;
        }
        if (seen[slot] != hash) {
            seen[slot] = hash;
            return null;
        }
        v = new AsciiString(Arrays.copyOfRange(b, off, off + len), false);
        values[slot] = v;
        hashes[slot] = hash;
        return v;
    }

    /** The hash {@link #get} takes, one step per byte from 0: the parser folds it into its scan of the value. */
    static int hash(int h, byte c) {
        return h * 31 + c;
    }
}
