package io.remora.stats;

import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * Envoy's dispatcher stats of one event loop ({@code enable_dispatcher_stats}), in microseconds:
 * {@code loop_duration_us}, the work of one loop iteration (from the poll's return to the next
 * poll), and {@code poll_delay_us}, how far a poll overran its timeout. The main thread's are
 * {@code server.dispatcher.*}, a worker's {@code listener_manager.worker_<N>.dispatcher.*} (the
 * worker a tag, as Envoy's {@code envoy.worker_id} extraction leaves it).
 */
public final class DispatcherStats {
    /** The tag Envoy's {@code ^listener_manager\.((worker_\d+)\.)} rule extracts. */
    public static final String WORKER_TAG = "envoy_worker_id";

    private final DistributionSummary loopDuration;
    private final DistributionSummary pollDelay;

    private DispatcherStats(MeterRegistry r, String prefix, String worker) {
        loopDuration = histogram(r, prefix + "loop_duration_us", worker);
        pollDelay = histogram(r, prefix + "poll_delay_us", worker);
    }

    /** {@code server.dispatcher.*}: the main thread's (Remora's admin event loop). */
    public static DispatcherStats server(MeterRegistry r) {
        return new DispatcherStats(r, "envoy_server_dispatcher_", null);
    }

    /** {@code listener_manager.worker_<index>.dispatcher.*}. */
    public static DispatcherStats worker(MeterRegistry r, int index) {
        return new DispatcherStats(r, "envoy_listener_manager_dispatcher_", "worker_" + index);
    }

    private static DistributionSummary histogram(MeterRegistry r, String name, String worker) {
        DistributionSummary.Builder b = DistributionSummary.builder(name).serviceLevelObjectives(EnvoyBuckets.MILLIS);
        if (worker != null) {
            b.tag(WORKER_TAG, worker);
        }
        return b.register(r);
    }

    public void loopDurationMicros(long micros) {
        loopDuration.record(micros);
    }

    public void pollDelayMicros(long micros) {
        pollDelay.record(micros);
    }
}
