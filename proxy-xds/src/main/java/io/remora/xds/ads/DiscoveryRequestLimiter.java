package io.remora.xds.ads;

import io.envoyproxy.envoy.config.core.v3.ApiConfigSource;
import io.envoyproxy.envoy.config.core.v3.RateLimitSettings;

import java.util.ArrayDeque;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * {@code api_config_source.rate_limit_settings}: Envoy's token bucket in front of a stream's discovery requests
 * (grpc_stream.h {@code checkRateLimitAllowsDrain}). The bucket starts full with {@code max_tokens} (default 100)
 * and refills at {@code fill_rate} a second (default 10); each request takes a token. Without one, requests wait
 * in order and a timer drains them when the next token is due; each refusal counts
 * {@code control_plane.rate_limit_enforced}, and the queue's length is {@code control_plane.pending_requests}.
 * Control-thread confined.
 */
final class DiscoveryRequestLimiter {
    static final long DEFAULT_MAX_TOKENS = 100;
    static final double DEFAULT_FILL_RATE = 10;

    /** What the limiter reports: a refused request, and the queue's length after each drain. */
    interface Stats {
        Stats NONE = new Stats() {
        };

        default void enforced() {
        }

        default void pending(int requests) {
        }
    }

    private final long maxTokens;
    private final double fillRatePerNano;
    private final ScheduledExecutorService control;
    private final LongSupplier nanoClock;
    private final Stats stats;
    private final ArrayDeque<Runnable> queue = new ArrayDeque<>();
    private double tokens;
    private long refilledAt;
    private ScheduledFuture<?> drainTimer;

    DiscoveryRequestLimiter(long maxTokens, double fillRate, ScheduledExecutorService control, LongSupplier nanoClock,
                            Stats stats) {
        this.maxTokens = maxTokens;
        this.fillRatePerNano = fillRate / 1e9;
        this.control = control;
        this.nanoClock = nanoClock;
        this.stats = stats;
        this.tokens = maxTokens;
        this.refilledAt = nanoClock.getAsLong();
    }

    /** The source's limiter, or null when it sets no rate_limit_settings (Envoy then sends at once). */
    static DiscoveryRequestLimiter of(RateLimitSettings s, ScheduledExecutorService control, Stats stats) {
        if (s == null) {
            return null;
        }
        long max = s.hasMaxTokens() ? Integer.toUnsignedLong(s.getMaxTokens().getValue()) : DEFAULT_MAX_TOKENS;
        double rate = s.hasFillRate() ? s.getFillRate().getValue() : DEFAULT_FILL_RATE;
        return new DiscoveryRequestLimiter(max, rate, control, System::nanoTime, stats);
    }

    /** A source's rate_limit_settings, or null. */
    static RateLimitSettings settings(ApiConfigSource api) {
        return api.hasRateLimitSettings() ? api.getRateLimitSettings() : null;
    }

    /** Sends now when a token is left and nothing waits; otherwise after those queued before it. */
    void submit(Runnable send) {
        queue.add(send);
        drain();
    }

    /** A new stream: what waited was meant for the old one (its nonces, its node), so it is dropped. */
    void clear() {
        queue.clear();
        stats.pending(0);
    }

    private void onDrainTimer() {
        drainTimer = null;
        drain();
    }

    private void drain() {
        while (!queue.isEmpty() && allows()) {
            queue.poll().run();
        }
        stats.pending(queue.size());
    }

    private boolean allows() {
        long now = nanoClock.getAsLong();
        tokens = Math.min(maxTokens, tokens + (now - refilledAt) * fillRatePerNano);
        refilledAt = now;
        if (tokens >= 1) {
            tokens -= 1;
            return true;
        }
        stats.enforced();
        if (drainTimer == null) {
            long wait = (long) Math.ceil((1 - tokens) / fillRatePerNano);
            drainTimer = control.schedule(this::onDrainTimer, Math.max(1, wait), TimeUnit.NANOSECONDS);
        }
        return false;
    }
}
