package io.remora.log;

import java.io.IOException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * A failure that ends one connection or stream: a peer's I/O error stays at FINE, but an
 * exception out of Remora's own code (a filter's bug) is a WARNING with its stack, so it is seen,
 * at most one every 10 s for the whole process so that no peer can flood the log with them.
 */
public final class UnexpectedErrors {
    private static final UnexpectedErrors PROCESS = new UnexpectedErrors(10_000_000_000L);

    private final long intervalNanos;
    private final AtomicLong nextWarning = new AtomicLong(System.nanoTime());

    UnexpectedErrors(long intervalNanos) {
        this.intervalNanos = intervalNanos;
    }

    public static void log(Logger log, String message, Throwable cause) {
        PROCESS.report(log, message, cause);
    }

    void report(Logger log, String message, Throwable cause) {
        if (!(cause instanceof IOException) && !(cause instanceof io.netty.handler.codec.DecoderException)) {
            long now = System.nanoTime();
            long next = nextWarning.get();
            if (now - next >= 0 && nextWarning.compareAndSet(next, now + intervalNanos)) {
                log.log(Level.WARNING, message + " (an error in Remora's code, not the peer's; more within "
                        + intervalNanos / 1_000_000_000L + " s are logged at FINE)", cause);
                return;
            }
        }
        if (log.isLoggable(Level.FINE)) {
            log.log(Level.FINE, message, cause);
        }
    }
}
