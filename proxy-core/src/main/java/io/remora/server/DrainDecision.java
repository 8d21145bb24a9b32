package io.remora.server;

import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;

/**
 * One drain as its filters ask it, Envoy's {@code DrainManagerImpl::drainClose}: whether a connection
 * told of this drain should close now. Immutable; read by every worker.
 */
public final class DrainDecision {
    private static final long NANOS_PER_SECOND = 1_000_000_000L;
    private static final DrainDecision IMMEDIATE = new DrainDecision(DrainStrategy.IMMEDIATE, 0, 0);

    private final DrainStrategy strategy;
    private final long deadlineNanos;
    private final long drainSeconds;

    private DrainDecision(DrainStrategy strategy, long deadlineNanos, long drainSeconds) {
        this.strategy = strategy;
        this.deadlineNanos = deadlineNanos;
        this.drainSeconds = drainSeconds;
    }

    /** A drain that begins now and lasts {@code drainTime}, under {@code strategy}. */
    public static DrainDecision begin(DrainStrategy strategy, Duration drainTime) {
        return begin(strategy, drainTime, System.nanoTime());
    }

    static DrainDecision begin(DrainStrategy strategy, Duration drainTime, long nowNanos) {
        if (strategy == DrainStrategy.IMMEDIATE) {
            return IMMEDIATE;
        }
        return new DrainDecision(strategy, nowNanos + drainTime.toNanos(), drainTime.toSeconds());
    }

    /** Every connection closes from now: the server's shutdown, or an immediate drain. */
    public static DrainDecision immediate() {
        return IMMEDIATE;
    }

    /**
     * What a holder of {@code current} keeps when {@code next} begins: a drain's first decision stays (a second
     * drain does not restart the share), unless the next one is immediate (the shutdown's).
     */
    public static DrainDecision keep(DrainDecision current, DrainDecision next) {
        return current == null || next.immediateStrategy() ? next : current;
    }

    /** True when every connection is told at once (so the drain may reach idle ones too). */
    public boolean immediateStrategy() {
        return strategy == DrainStrategy.IMMEDIATE;
    }

    /** Whether the connection asking closes now. */
    public boolean drainClose() {
        return strategy == DrainStrategy.IMMEDIATE
                || drainClose(System.nanoTime(), ThreadLocalRandom.current().nextLong(Long.MAX_VALUE));
    }

    /**
     * Envoy's gradual answer: true with probability elapsed / drain time, both in whole seconds as Envoy
     * counts them (the remaining time truncated), so a drain's first second already closes one in
     * drain-time-seconds; always true at or past the deadline, or when the drain time is under a second.
     */
    boolean drainClose(long nowNanos, long random) {
        if (strategy == DrainStrategy.IMMEDIATE || nowNanos - deadlineNanos >= 0 || drainSeconds == 0) {
            return true;
        }
        long remainingSeconds = (deadlineNanos - nowNanos) / NANOS_PER_SECOND;
        long elapsedSeconds = drainSeconds - remainingSeconds;
        return elapsedSeconds > Long.remainderUnsigned(random, drainSeconds);
    }
}
