package io.remora.http.upstream;

import java.util.ArrayDeque;

/**
 * Requests waiting for a pooled connection, oldest first, each counted against the cluster's
 * {@code max_pending_requests} circuit breaker from the moment it queues until it leaves the
 * queue: served, cancelled by its stream, or failed with the connection meant to serve it.
 */
final class PendingRequests {

    private final PoolContext ctx;
    /** Called when a waiting request is cancelled: the pool may have become idle. */
    private final Runnable cancelled;
    private final ArrayDeque<Entry> queue = new ArrayDeque<>();

    PendingRequests(PoolContext ctx, Runnable cancelled) {
        this.ctx = ctx;
        this.cancelled = cancelled;
    }

    private final class Entry implements Cancellable {
        final UpstreamCallbacks callbacks;

        Entry(UpstreamCallbacks callbacks) {
            this.callbacks = callbacks;
        }

        @Override
        public void cancel() {
            if (queue.remove(this)) {
                left();
                ctx.stats().upstreamRqCancelled.increment(); // Envoy's onPendingStreamCancel
                cancelled.run();
            }
        }
    }

    /**
     * Queues a request; its handle cancels the wait. Null when the circuit breaker is full: the
     * request has then been failed with OVERFLOW, as Envoy's pools do.
     */
    Cancellable offer(UpstreamCallbacks callbacks) {
        if (!ctx.limits.tryAcquirePending()) {
            ctx.stats().upstreamRqPendingOverflow.increment();
            callbacks.onPoolFailure(ResetReason.OVERFLOW, null);
            return null;
        }
        Entry e = new Entry(callbacks);
        queue.add(e);
        // Envoy's newPendingStream
        ctx.stats().upstreamRqPendingTotal.increment();
        ctx.stats().upstreamRqPendingActive.incrementAndGet();
        return e;
    }

    /** The oldest waiting request, no longer counted as pending; null when none waits. */
    UpstreamCallbacks poll() {
        Entry e = queue.pollFirst();
        if (e == null) {
            return null;
        }
        left();
        return e.callbacks;
    }

    /**
     * The request just queued fails as an overflow: the connection it needed was shed (Envoy's
     * connection_pool_new_connection load shed point cancels that pending stream).
     */
    void shedNewest() {
        Entry e = queue.pollLast();
        if (e != null) {
            left();
            e.callbacks.onPoolFailure(ResetReason.OVERFLOW, null);
        }
    }

    /** Fails the oldest requests until {@code keep} remain (Envoy purges what a failed connect was to serve). */
    void failBeyond(int keep, ResetReason reason, String why) {
        while (queue.size() > keep) {
            UpstreamCallbacks failed = poll();
            ctx.stats().upstreamRqPendingFailureEject.increment(); // Envoy's purgePendingStreams
            failed.onPoolFailure(reason, why);
        }
    }

    private void left() {
        ctx.limits.pendingRequests.decrementAndGet();
        ctx.stats().upstreamRqPendingActive.decrementAndGet();
    }

    int size() {
        return queue.size();
    }

    boolean isEmpty() {
        return queue.isEmpty();
    }
}
