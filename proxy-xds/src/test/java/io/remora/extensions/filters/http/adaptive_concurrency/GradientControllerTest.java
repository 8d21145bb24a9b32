package io.remora.extensions.filters.http.adaptive_concurrency;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Future;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The gradient controller against a fake clock and a fake timer wheel. */
class GradientControllerTest {

    /** Time in milliseconds, shared by the clock and the timers; timers run only as time advances. */
    static final class FakeTime implements GradientController.Scheduler {
        long nowMillis = 1_000;
        private final List<Object[]> timers = new ArrayList<>();

        long nanos() {
            return nowMillis * 1_000_000;
        }

        @Override
        public Future<?> schedule(Runnable task, long delayMillis) {
            CompletableFuture<Void> f = new CompletableFuture<>();
            timers.add(new Object[]{nowMillis + delayMillis, task, f});
            return f;
        }

        void advance(long millis) {
            long end = nowMillis + millis;
            while (true) {
                Object[] next = null;
                for (Object[] t : timers) {
                    if ((long) t[0] <= end && (next == null || (long) t[0] < (long) next[0])) {
                        next = t;
                    }
                }
                if (next == null) {
                    break;
                }
                timers.remove(next);
                nowMillis = Math.max(nowMillis, (long) next[0]);
                if (!((CompletableFuture<?>) next[2]).isCancelled()) {
                    ((Runnable) next[1]).run();
                }
            }
            nowMillis = end;
        }
    }

    final FakeTime time = new FakeTime();
    final GradientControllerStats stats = GradientControllerStats.of(new SimpleMeterRegistry(), "test");

    static AdaptiveConcurrencyConfig.Builder config() {
        return AdaptiveConcurrencyConfig.builder().minRttIntervalMillis(60_000).updateIntervalMillis(100)
                .requestCount(5).jitter(0);
    }

    GradientController controller(AdaptiveConcurrencyConfig config) {
        GradientController c = new GradientController(config, stats, time::nanos, new Random(1));
        c.start(time);
        return c;
    }

    /** One admitted request that took {@code millis}. */
    void sample(GradientController c, long millis) {
        assertTrue(c.tryAcquire(), "admitted at limit " + c.concurrencyLimit());
        c.recordLatencySample(time.nanos() - millis * 1_000_000);
    }

    /** A sample window of {@code n} requests of {@code millis}, then the limit's update. */
    int window(GradientController c, int n, long millis) {
        for (int i = 0; i < n; i++) {
            sample(c, millis);
        }
        time.advance(100);
        return c.concurrencyLimit();
    }

    void measureMinRtt(GradientController c, long millis) {
        time.advance(50);
        for (int i = 0; i < 5; i++) {
            sample(c, millis);
        }
    }

    @Test
    void startsInAMinRttWindowAtMinConcurrencyAndMeasuresTheMinRtt() {
        GradientController c = controller(config().build());
        assertTrue(c.inMinRttWindow());
        assertEquals(3, c.concurrencyLimit());
        assertEquals(1, stats.minRttCalculationActive.get());
        time.advance(50);
        for (int millis : new int[]{30, 10, 20, 50}) {
            sample(c, millis);
            assertTrue(c.inMinRttWindow(), "fewer than request_count samples");
        }
        sample(c, 40);
        assertFalse(c.inMinRttWindow());
        assertEquals(30, stats.minRttMsecs.get(), "p50 of 10..50 ms");
        assertEquals(0, stats.minRttCalculationActive.get());
        assertEquals(3, c.concurrencyLimit(), "the limit from before the window");
    }

    @Test
    void limitGrowsWhileLatencyIsFlatAndShrinksWhenItRises() {
        GradientController c = controller(config().build());
        measureMinRtt(c, 10);
        int limit = c.concurrencyLimit();
        // (10 ms * 1.25) / 10 ms: gradient 1.25, limit 3 -> 3.75 + sqrt(3.75) = 5.
        assertEquals(5, window(c, 5, 10));
        assertEquals(1250, stats.gradient.get());
        assertEquals(1, stats.burstQueueSize.get());
        assertEquals(10, stats.sampleRttMsecs.get());
        limit = 5;
        for (int i = 0; i < 5; i++) {
            int next = window(c, 5, 10);
            assertTrue(next > limit, next + " after " + limit);
            limit = next;
        }
        // Latency four times the minRTT: the gradient is clamped at 0.5, the limit roughly halves.
        int next = window(c, 5, 40);
        assertEquals(500, stats.gradient.get());
        assertEquals((int) (limit * 0.5 + Math.sqrt(limit * 0.5)), next);
        assertTrue(next < limit);
        assertEquals(40, stats.sampleRttMsecs.get());
    }

    @Test
    void noSamplesLeaveTheLimitAlone() {
        GradientController c = controller(config().build());
        measureMinRtt(c, 10);
        window(c, 5, 10);
        int limit = c.concurrencyLimit();
        time.advance(1_000);
        assertEquals(limit, c.concurrencyLimit());
    }

    @Test
    void limitStaysWithinMinConcurrencyAndMaxConcurrencyLimit() {
        GradientController c = controller(config().maxConcurrencyLimit(12).minConcurrency(4).build());
        measureMinRtt(c, 10);
        for (int i = 0; i < 20; i++) {
            assertTrue(window(c, 5, 1) <= 12);
        }
        assertEquals(12, c.concurrencyLimit());
        for (int i = 0; i < 4; i++) {
            assertTrue(window(c, 5, 1_000) >= 4);
        }
        assertEquals(4, c.concurrencyLimit());
    }

    @Test
    void requestsPastTheLimitAreBlockedAndCounted() {
        GradientController c = controller(config().build());
        assertTrue(c.tryAcquire());
        assertTrue(c.tryAcquire());
        assertTrue(c.tryAcquire());
        assertFalse(c.tryAcquire());
        assertFalse(c.tryAcquire());
        assertEquals(2.0, stats.rqBlocked.count());
        c.cancelLatencySample();
        assertEquals(2, c.outstanding());
        assertTrue(c.tryAcquire());
        assertEquals(2.0, stats.rqBlocked.count());
    }

    @Test
    void samplesFromBeforeTheMinRttWindowAreIgnored() {
        GradientController c = controller(config().build());
        time.advance(50);
        for (int i = 0; i < 5; i++) {
            assertTrue(c.tryAcquire());
            c.recordLatencySample(time.nanos() - 100_000_000L); // started before the window opened
        }
        assertTrue(c.inMinRttWindow());
        assertEquals(0, c.outstanding(), "still released");
    }

    @Test
    void fiveWindowsAtTheMinimumStartAnotherMinRttMeasurement() {
        GradientController c = controller(config().build());
        measureMinRtt(c, 10);
        time.advance(1_000); // later requests only: those admitted before the minRTT window are not sampled
        for (int i = 0; i < 4; i++) {
            window(c, 3, 1_000);
            assertFalse(c.inMinRttWindow(), "window " + i);
        }
        window(c, 3, 1_000);
        assertTrue(c.inMinRttWindow());
        assertEquals(1, stats.minRttCalculationActive.get());
    }

    @Test
    void minRttIsMeasuredAgainAfterTheInterval() {
        GradientController c = controller(config().minRttIntervalMillis(1_000).build());
        measureMinRtt(c, 10);
        for (int i = 0; i < 3; i++) {
            window(c, 5, 10);
        }
        int limit = c.concurrencyLimit();
        time.advance(1_000);
        assertTrue(c.inMinRttWindow());
        assertEquals(3, c.concurrencyLimit());
        for (int i = 0; i < 5; i++) {
            sample(c, 20);
        }
        assertEquals(20, stats.minRttMsecs.get());
        assertEquals(limit, c.concurrencyLimit(), "the limit from before the window");
    }

    @Test
    void aFixedMinRttIsNeverSampled() {
        GradientController c = controller(config().minRttIntervalMillis(0).fixedMinRttMicros(10_000).build());
        assertFalse(c.inMinRttWindow());
        assertEquals(10, stats.minRttMsecs.get());
        assertEquals(5, window(c, 3, 10));
        for (int i = 0; i < 8; i++) {
            window(c, 3, 1_000);
        }
        assertFalse(c.inMinRttWindow());
        assertEquals(3, c.concurrencyLimit());
    }

    @Test
    void samplePercentileIsConfigurable() {
        GradientController c = controller(config().sampleAggregatePercentile(0.9).build());
        time.advance(50);
        for (int millis = 1; millis <= 10; millis++) {
            sample(c, millis * 10L);
        }
        // request_count 5: the minRTT was taken at the fifth sample, p90 of 10..50 ms.
        assertEquals(50, stats.minRttMsecs.get());
    }
}
