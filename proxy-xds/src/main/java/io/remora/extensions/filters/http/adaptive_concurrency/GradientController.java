package io.remora.extensions.filters.http.adaptive_concurrency;

import java.lang.ref.WeakReference;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import java.util.random.RandomGenerator;

/**
 * Envoy's gradient concurrency controller, one per filter config and shared by every worker.
 * Periodically the limit is pinned to {@code min_concurrency} until {@code request_count} latencies
 * are sampled; their percentile is the minRTT. Between those windows, every
 * {@code concurrency_update_interval} the percentile of the window's latencies (sampleRTT) moves
 * the limit: {@code gradient = clamp((minRTT * (1 + buffer)) / sampleRTT, 0.5, 2)},
 * {@code limit = limit * gradient + sqrt(limit * gradient)}, bounded by
 * {@code [min_concurrency, max_concurrency_limit]}. Five windows in a row at the minimum start a
 * new minRTT measurement at once (the minRTT is probably stale).
 *
 * <p>The admission check is lock-free; samples and the limit's recalculation take a short lock,
 * as Envoy's mutex. Timers run on the scheduler handed to {@link #start} and hold the controller
 * weakly, so a controller dropped by a config update stops rescheduling itself.
 */
final class GradientController {

    /** Where the controller's two timers run (an event loop; a fake one in tests). */
    interface Scheduler {
        Future<?> schedule(Runnable task, long delayMillis);
    }

    private final AdaptiveConcurrencyConfig config;
    private final GradientControllerStats stats;
    private final LongSupplier nanoClock;
    private final RandomGenerator random;
    private final ReentrantLock lock = new ReentrantLock();
    private final AtomicInteger outstanding = new AtomicInteger();
    private volatile int limit;
    /** The limit to restore after the minRTT window; non-zero exactly while in one. */
    private volatile int deferredLimit;
    /** Requests admitted before this (the minRTT window's start) are not sampled. */
    private volatile long minRttEpochNanos;
    private volatile boolean started;

    // Guarded by lock.
    private final LatencySamples samples = new LatencySamples();
    private long minRttMicros;
    private int consecutiveMinLimit;
    private Scheduler scheduler;
    private Future<?> minRttTimer;
    private Future<?> sampleTimer;

    GradientController(AdaptiveConcurrencyConfig config, GradientControllerStats stats, LongSupplier nanoClock,
                       RandomGenerator random) {
        this.config = config;
        this.stats = stats;
        this.nanoClock = nanoClock;
        this.random = random;
        this.limit = config.minConcurrency();
        stats.concurrencyLimit.set(limit);
        if (!config.samplesMinRtt()) {
            minRttMicros = config.fixedMinRttMicros();
            stats.minRttMsecs.set(minRttMicros / 1000);
        }
    }

    /** Starts the timers on the first request (idempotent): Envoy's constructor enters a minRTT window. */
    void start(Scheduler s) {
        if (started) {
            return;
        }
        lock.lock();
        try {
            if (started) {
                return;
            }
            scheduler = s;
            started = true;
            enterMinRttWindow();
            sampleTimer = schedule(sampleTimer, GradientController::onSampleTimer, config.updateIntervalMillis());
        } finally {
            lock.unlock();
        }
    }

    boolean started() {
        return started;
    }

    int concurrencyLimit() {
        return limit;
    }

    boolean inMinRttWindow() {
        return deferredLimit > 0;
    }

    /** Admits the request when fewer than the limit are outstanding; else counts it blocked. */
    boolean tryAcquire() {
        int n;
        while ((n = outstanding.get()) < limit) {
            if (outstanding.compareAndSet(n, n + 1)) {
                return true;
            }
        }
        stats.rqBlocked.increment();
        return false;
    }

    /** An admitted request finished: its latency since {@code startNanos} is a sample. */
    void recordLatencySample(long startNanos) {
        outstanding.decrementAndGet();
        if (config.samplesMinRtt() && startNanos - minRttEpochNanos < 0) {
            return; // admitted before the minRTT window, so not at the window's concurrency
        }
        long micros = (nanoClock.getAsLong() - startNanos) / 1000;
        lock.lock();
        try {
            samples.add(micros);
            updateMinRtt();
        } finally {
            lock.unlock();
        }
    }

    /** An admitted request ended without a complete response: released, not sampled. */
    void cancelLatencySample() {
        outstanding.decrementAndGet();
    }

    int outstanding() {
        return outstanding.get();
    }

    private void onMinRttTimer() {
        lock.lock();
        try {
            enterMinRttWindow();
        } finally {
            lock.unlock();
        }
    }

    private void onSampleTimer() {
        if (inMinRttWindow()) {
            return; // re-armed when the minRTT window ends
        }
        lock.lock();
        try {
            if (inMinRttWindow()) {
                return;
            }
            resetSampleWindow();
            sampleTimer = schedule(sampleTimer, GradientController::onSampleTimer, config.updateIntervalMillis());
        } finally {
            lock.unlock();
        }
    }

    private void enterMinRttWindow() {
        if (inMinRttWindow() || !config.samplesMinRtt()) {
            return;
        }
        stats.minRttCalculationActive.set(1);
        deferredLimit = limit;
        updateLimit(config.minConcurrency());
        samples.clear();
        minRttEpochNanos = nanoClock.getAsLong();
    }

    private void updateMinRtt() {
        if (!inMinRttWindow() || samples.count() < config.requestCount()) {
            return;
        }
        minRttMicros = samples.quantileAndClear(config.sampleAggregatePercentile());
        stats.minRttMsecs.set(minRttMicros / 1000);
        updateLimit(deferredLimit);
        deferredLimit = 0;
        stats.minRttCalculationActive.set(0);
        minRttTimer = schedule(minRttTimer, GradientController::onMinRttTimer, jittered(config.minRttIntervalMillis()));
        sampleTimer = schedule(sampleTimer, GradientController::onSampleTimer, config.updateIntervalMillis());
    }

    private long jittered(long intervalMillis) {
        if (config.jitter() == 0) {
            return intervalMillis;
        }
        long range = (long) Math.ceil(intervalMillis * config.jitter());
        return range <= 0 ? intervalMillis : intervalMillis + random.nextLong(range);
    }

    private void resetSampleWindow() {
        if (samples.count() == 0) {
            return;
        }
        long sampleRttMicros = samples.quantileAndClear(config.sampleAggregatePercentile());
        stats.sampleRttMsecs.set(sampleRttMicros / 1000);
        updateLimit(newLimit(sampleRttMicros));
    }

    private int newLimit(long sampleRttMicros) {
        double bufferedMinRtt = minRttMicros + minRttMicros * config.buffer();
        // A sub-microsecond sample is as fast as can be measured: the largest step up.
        double gradient = sampleRttMicros <= 0 ? 2.0
                : Math.max(0.5, Math.min(2.0, bufferedMinRtt / sampleRttMicros));
        stats.gradient.set((long) (gradient * 1000));
        double scaled = limit * gradient;
        double headroom = Math.sqrt(scaled);
        stats.burstQueueSize.set((long) headroom);
        long next = (long) (scaled + headroom);
        return (int) Math.max(config.minConcurrency(), Math.min(config.maxConcurrencyLimit(), next));
    }

    private void updateLimit(int next) {
        int old = limit;
        limit = next;
        stats.concurrencyLimit.set(next);
        int min = config.minConcurrency();
        if (!inMinRttWindow() && old == min && next == min) {
            consecutiveMinLimit++;
        } else {
            consecutiveMinLimit = 0;
        }
        if (consecutiveMinLimit >= 5 && config.samplesMinRtt()) {
            minRttTimer = schedule(minRttTimer, GradientController::onMinRttTimer, 0);
        }
    }

    private Future<?> schedule(Future<?> previous, Consumer<GradientController> action, long delayMillis) {
        if (previous != null) {
            previous.cancel(false);
        }
        WeakReference<GradientController> self = new WeakReference<>(this);
        return scheduler.schedule(() -> {
            GradientController c = self.get();
            if (c != null) {
                action.accept(c);
            }
        }, delayMillis);
    }
}
