package io.remora.util;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import java.util.function.ToLongFunction;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Entries handed to {@code send} as one batch on the batcher's own thread, never on a worker: when
 * the buffered weight reaches {@code flushAt} or every {@code intervalMillis} (both read each time,
 * so runtime keys can change them). Past {@code bound} an entry is refused, so a slow receiver
 * costs entries, never memory or a worker's time. Used by the tracers' exporters and the gRPC
 * access loggers.
 *
 * @param <T> one entry
 */
public final class Batcher<T> implements AutoCloseable {

    private static final Logger LOG = io.remora.log.Logging.logger("misc");

    private final LongSupplier intervalMillis;
    private final LongSupplier flushAt;
    private final long bound;
    private final ToLongFunction<T> weight;
    /** Run before each timer flush (a stat), or null. */
    private final Runnable onTimer;
    private final Consumer<List<T>> send;
    private final ConcurrentLinkedQueue<T> buffer = new ConcurrentLinkedQueue<>();
    private final AtomicLong buffered = new AtomicLong();
    private final ScheduledExecutorService thread;

    /**
     * @param weight what an entry counts toward {@code flushAt} and {@code bound} (1 for a count,
     *               its size for bytes)
     */
    public Batcher(String threadName, LongSupplier intervalMillis, LongSupplier flushAt, long bound,
                   ToLongFunction<T> weight, Runnable onTimer, Consumer<List<T>> send) {
        this.intervalMillis = intervalMillis;
        this.flushAt = flushAt;
        this.bound = bound;
        this.weight = weight;
        this.onTimer = onTimer;
        this.send = send;
        this.thread = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, threadName);
            t.setDaemon(true);
            return t;
        });
        scheduleTimer();
    }

    private void scheduleTimer() {
        long ms = Math.max(1, intervalMillis.getAsLong());
        try {
            thread.schedule(() -> {
                if (onTimer != null) {
                    onTimer.run();
                }
                try {
                    flush();
                } finally {
                    scheduleTimer();
                }
            }, ms, TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException closed) {
            // shutting down
        }
    }

    /** Buffers an entry (on a worker, never blocking); false when the bound is reached and it was not taken. */
    public boolean add(T entry) {
        long w = weight.applyAsLong(entry);
        long now = buffered.addAndGet(w);
        if (now > bound) {
            buffered.addAndGet(-w);
            return false;
        }
        buffer.add(entry);
        if (now >= flushAt.getAsLong()) {
            try {
                thread.execute(this::flush);
            } catch (RejectedExecutionException closed) {
                // shutting down
            }
        }
        return true;
    }

    private void flush() {
        List<T> batch = new ArrayList<>();
        T e;
        while ((e = buffer.poll()) != null) {
            buffered.addAndGet(-weight.applyAsLong(e));
            batch.add(e);
        }
        if (batch.isEmpty()) {
            return;
        }
        try {
            send.accept(batch);
        } catch (RuntimeException ex) {
            // A sender's bug loses this batch, never the batcher: a throw out of a scheduled
            // task would cancel the timer and every later flush with it.
            LOG.log(Level.WARNING, "dropping " + batch.size() + " entries: sending failed", ex);
        }
    }

    /** Sends what is buffered (waiting up to 5 s), then stops the thread. */
    @Override
    public void close() {
        try {
            thread.submit(this::flush).get(5, TimeUnit.SECONDS);
        } catch (Exception e) {
            // best effort at shutdown
        }
        thread.shutdownNow();
    }
}
