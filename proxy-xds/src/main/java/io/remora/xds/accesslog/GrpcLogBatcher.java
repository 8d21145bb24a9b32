package io.remora.xds.accesslog;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The buffering of Envoy's gRPC access loggers: entries are handed to {@code send} as one batch
 * when {@code buffer_size_bytes} are waiting or every {@code buffer_flush_interval}. Workers only
 * enqueue; batches are built and sent on this batcher's own thread. While the collector cannot
 * keep up, entries past a bound (64 buffers' worth) are refused so memory stays bounded; the
 * caller counts them as dropped.
 *
 * @param <T> one entry (a protobuf message)
 */
final class GrpcLogBatcher<T extends com.google.protobuf.MessageLite> implements AutoCloseable {

    private static final Logger LOG = io.remora.log.Logging.logger("grpc");
    private static final int BOUND_BUFFERS = 64;

    private final long flushBytes;
    private final long maxBytes;
    private final Consumer<List<T>> send;
    private final ConcurrentLinkedQueue<T> buffer = new ConcurrentLinkedQueue<>();
    private final AtomicLong bufferedBytes = new AtomicLong();
    private final ScheduledExecutorService thread;

    GrpcLogBatcher(String threadName, long flushIntervalMillis, long flushBytes, Consumer<List<T>> send) {
        this.flushBytes = Math.max(1, flushBytes);
        this.maxBytes = Math.max(this.flushBytes * BOUND_BUFFERS, 1 << 20);
        this.send = send;
        this.thread = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, threadName);
            t.setDaemon(true);
            return t;
        });
        long ms = Math.max(1, flushIntervalMillis);
        thread.scheduleWithFixedDelay(this::flush, ms, ms, TimeUnit.MILLISECONDS);
    }

    /** Buffers an entry (on a worker); false when the bound is reached and it was not taken. */
    boolean add(T entry) {
        int size = entry.getSerializedSize();
        long now = bufferedBytes.addAndGet(size);
        if (now > maxBytes) {
            bufferedBytes.addAndGet(-size);
            return false;
        }
        buffer.add(entry);
        if (now >= flushBytes && now - size < flushBytes) {
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
            bufferedBytes.addAndGet(-e.getSerializedSize());
            batch.add(e);
        }
        if (batch.isEmpty()) {
            return;
        }
        try {
            send.accept(batch);
        } catch (RuntimeException ex) {
            // A bug in one send loses that batch, never the timer (a throw would cancel it).
            LOG.log(Level.WARNING, "dropping " + batch.size() + " access log entries: sending failed", ex);
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
