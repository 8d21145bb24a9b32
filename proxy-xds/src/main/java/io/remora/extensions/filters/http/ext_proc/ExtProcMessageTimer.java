package io.remora.extensions.filters.http.ext_proc;

import io.netty.util.concurrent.ScheduledFuture;

/**
 * The timeout of the message one direction awaits the processor's answer to (Envoy's
 * ProcessorState message timer): started when a message goes, stopped when its answer came,
 * restarted when the processor asks for more time (override_message_timeout). Event-loop confined.
 */
final class ExtProcMessageTimer {

    private ScheduledFuture<?> timer;

    void start(ScheduledFuture<?> t) {
        stop();
        timer = t;
    }

    /** Whether a message's timer ran (and is now replaced by {@code t}). */
    boolean restart(java.util.function.Supplier<ScheduledFuture<?>> t) {
        if (timer == null) {
            return false;
        }
        start(t.get());
        return true;
    }

    void stop() {
        if (timer != null) {
            timer.cancel(false);
            timer = null;
        }
    }
}
