package io.remora.extensions.filters.http.health_check;

/**
 * The pass-through mode's {@code cache_time}, as Envoy's cache manager: the upstream's answer to a
 * health check is kept and given to the health checks that follow, until the next tick of a clock
 * that ticks every {@code cache_time} from the filter's creation; after a tick the next health check
 * goes to the upstream again. Shared by the workers: one immutable answer swapped with one write.
 */
final class HealthCheckCache {

    /** A cached answer: its status, whether the upstream said it was degraded, and the tick it ends at. */
    record Answer(int status, boolean degraded, long until) {
    }

    private final long startNanos;
    private final long periodNanos;
    private volatile Answer answer;

    HealthCheckCache(long periodNanos, long nowNanos) {
        this.periodNanos = periodNanos;
        this.startNanos = nowNanos;
    }

    /** The cached answer if it is still fresh at {@code nowNanos}, else null. */
    Answer fresh(long nowNanos) {
        Answer a = answer;
        return a != null && nowNanos - a.until < 0 ? a : null;
    }

    /** Keeps the upstream's answer until the clock's next tick. */
    void put(int status, boolean degraded, long nowNanos) {
        long ticks = (nowNanos - startNanos) / periodNanos + 1;
        answer = new Answer(status, degraded, startNanos + ticks * periodNanos);
    }
}
