package io.remora.accesslog;

import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * One output (a file, stdout or stderr) shared by every access log that names it. Event loops
 * {@link #write} lines into a bounded queue and never wait; one writer thread appends them and
 * flushes every flush interval ({@code --file-flush-interval-msec}). When the queue is full the
 * line is dropped and counted: an access log must never stall traffic.
 */
public final class AccessLogWriter implements AutoCloseable {

    private static final Logger LOG = io.remora.log.Logging.logger("misc");
    private static final int BUFFER_BYTES = 64 * 1024;

    /** A flush barrier: the writer thread counts it down once everything before it is written. */
    private record Barrier(CountDownLatch done) {
    }

    private static final Object CLOSE = new Object();
    private static final Object REOPEN = new Object();

    private final String name;
    private final String path;
    private final BlockingQueue<Object> queue;
    private final long flushIntervalNanos;
    private final Thread thread;
    private final AtomicLong dropped = new AtomicLong();
    private final AtomicLong written = new AtomicLong();
    private OutputStream out;
    private final byte[] buffer = new byte[BUFFER_BYTES];
    /** Used by the writer thread only. */
    private final LineBytes lineBytes = new LineBytes();
    private int buffered;
    private volatile boolean closed;

    /** A writer appending to the file at path (created if missing). */
    static AccessLogWriter file(String path, long flushIntervalMillis, int queueCapacity) throws IOException {
        return new AccessLogWriter(path, path, new FileOutputStream(path, true), flushIntervalMillis, queueCapacity);
    }

    public static AccessLogWriter stream(String name, OutputStream out, long flushIntervalMillis, int queueCapacity) {
        return new AccessLogWriter(name, null, out, flushIntervalMillis, queueCapacity);
    }

    private AccessLogWriter(String name, String path, OutputStream out, long flushIntervalMillis, int queueCapacity) {
        this.name = name;
        this.path = path;
        this.out = out;
        this.queue = new ArrayBlockingQueue<>(queueCapacity);
        this.flushIntervalNanos = TimeUnit.MILLISECONDS.toNanos(Math.max(1, flushIntervalMillis));
        this.thread = new Thread(this::run, "remora-access-log");
        thread.setDaemon(true);
        thread.start();
    }

    public String name() {
        return name;
    }

    /** Queues one line; never blocks. Returns false (and counts it) when dropped. */
    public boolean write(String line) {
        if (closed || !queue.offer(line)) {
            dropped.incrementAndGet();
            return false;
        }
        return true;
    }

    /** Lines dropped because the queue was full (or the writer closed). */
    public long dropped() {
        return dropped.get();
    }

    public long written() {
        return written.get();
    }

    /** Waits until every line queued before this call is written and flushed (tests, shutdown). */
    public boolean flush(long timeout, TimeUnit unit) throws InterruptedException {
        Barrier b = new Barrier(new CountDownLatch(1));
        if (!queue.offer(b, timeout, unit)) {
            return false;
        }
        return b.done().await(timeout, unit);
    }

    /** Reopens the file (log rotation: Envoy's /reopen_logs). */
    public void reopen() {
        if (path != null) {
            queue.offer(REOPEN);
        }
    }

    private void run() {
        long lastFlush = System.nanoTime();
        try {
            while (true) {
                long wait = flushIntervalNanos - (System.nanoTime() - lastFlush);
                Object item = buffered == 0 ? queue.take() : queue.poll(Math.max(0, wait), TimeUnit.NANOSECONDS);
                if (item == CLOSE) {
                    flushBuffer();
                    if (path != null) {
                        out.close();
                    }
                    return;
                }
                if (item instanceof String s) {
                    append(s);
                    written.incrementAndGet();
                } else if (item instanceof Barrier b) {
                    flushBuffer();
                    lastFlush = System.nanoTime();
                    b.done().countDown();
                    continue;
                } else if (item == REOPEN) {
                    flushBuffer();
                    out.close();
                    out = new FileOutputStream(path, true);
                }
                if (buffered > 0 && System.nanoTime() - lastFlush >= flushIntervalNanos) {
                    flushBuffer();
                    lastFlush = System.nanoTime();
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (IOException e) {
            LOG.log(Level.SEVERE, "access log " + name + ": write failed, no more lines will be written", e);
            closed = true;
        }
    }

    private void append(String s) throws IOException {
        byte[] bytes = lineBytes.encode(s);
        if (bytes.length > buffer.length - buffered) {
            flushBuffer();
        }
        if (bytes.length > buffer.length) {
            out.write(bytes);
            return;
        }
        System.arraycopy(bytes, 0, buffer, buffered, bytes.length);
        buffered += bytes.length;
    }

    private void flushBuffer() throws IOException {
        if (buffered > 0) {
            out.write(buffer, 0, buffered);
            buffered = 0;
        }
        out.flush();
    }

    /** Writes what is queued, then stops the thread (closing the file, not stdout/stderr). */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            queue.put(CLOSE);
            thread.join(5000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
