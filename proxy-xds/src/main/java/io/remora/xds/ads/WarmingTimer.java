package io.remora.xds.ads;

import java.time.Duration;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * The one timer that releases whatever is warming ({@code initial_fetch_timeout}): arming it again
 * can only bring the deadline forward, and a cancelled round never fires even if its task already
 * started. Used on the xDS control thread only.
 */
final class WarmingTimer {

    private final ScheduledExecutorService control;
    private final Consumer<Duration> onExpiry;
    private ScheduledFuture<?> timer;
    private long round;
    private long deadline;

    WarmingTimer(ScheduledExecutorService control, Consumer<Duration> onExpiry) {
        this.control = control;
        this.onExpiry = onExpiry;
    }

    /** Arms the timer for {@code wait} (null: nothing to wait for), unless it already fires sooner. */
    void arm(Duration wait) {
        if (wait == null) {
            return;
        }
        long at = System.nanoTime() + wait.toNanos();
        if (timer != null) {
            if (at - deadline >= 0) {
                return;
            }
            timer.cancel(false);
        }
        deadline = at;
        long armedRound = round;
        timer = control.schedule(() -> {
            if (armedRound == round) {
                timer = null;
                onExpiry.accept(wait);
            }
        }, wait.toNanos(), TimeUnit.NANOSECONDS);
    }

    void cancel() {
        round++;
        if (timer != null) {
            timer.cancel(false);
            timer = null;
        }
    }
}
