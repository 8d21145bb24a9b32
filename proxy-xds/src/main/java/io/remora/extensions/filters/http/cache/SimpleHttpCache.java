package io.remora.extensions.filters.http.cache;

import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Envoy's SimpleHttpCache: responses in memory, shared by every event loop and every cache filter
 * of the process (Envoy's is a singleton too). Bounded, where Envoy's is not: past
 * {@link #MAX_BYTES} of estimated weight the least recently used entries go. Every operation is a
 * map access under one lock, never I/O, so event loops hold it only briefly.
 */
final class SimpleHttpCache {

    /** The whole cache's bound on what its entries weigh ({@link CachedResponse#weight}). */
    static final long MAX_BYTES = 64L * 1024 * 1024;
    /** No one response takes more than this share, so a few large ones cannot empty the cache. */
    static final long MAX_ENTRY_BYTES = MAX_BYTES / 8;

    static final SimpleHttpCache SHARED = new SimpleHttpCache(MAX_BYTES);

    private final long maxBytes;
    private final LinkedHashMap<String, CachedResponse> entries = new LinkedHashMap<>(64, 0.75f, true);
    private long bytes;

    SimpleHttpCache(long maxBytes) {
        this.maxBytes = maxBytes;
    }

    synchronized CachedResponse get(String key) {
        return entries.get(key);
    }

    /** Stores (or replaces) {@code key}'s entry; false, storing nothing, when it weighs too much. */
    synchronized boolean put(String key, CachedResponse response) {
        long w = response.weight(key);
        if (w > Math.min(MAX_ENTRY_BYTES, maxBytes)) {
            return false;
        }
        CachedResponse old = entries.put(key, response);
        if (old != null) {
            bytes -= old.weight(key);
        }
        bytes += w;
        Iterator<Map.Entry<String, CachedResponse>> it = entries.entrySet().iterator();
        while (bytes > maxBytes && it.hasNext()) {
            Map.Entry<String, CachedResponse> eldest = it.next();
            bytes -= eldest.getValue().weight(eldest.getKey());
            it.remove();
        }
        return true;
    }

    /** Replaces {@code key}'s entry only if it is still {@code expected} (a 304 freshening what it validated). */
    synchronized void replace(String key, CachedResponse expected, CachedResponse updated) {
        if (entries.get(key) == expected) {
            put(key, updated);
        }
    }

    synchronized int size() {
        return entries.size();
    }
}
