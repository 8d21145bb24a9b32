package io.remora.ratelimit;

import org.junit.jupiter.api.Test;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The shared token bucket on an explicit clock: starts full, refills per whole interval, caps. */
class LocalTokenBucketTest {

    static final long MS = 1_000_000L;

    @Test
    void startsFullThenRefillsPerWholeInterval() {
        LocalTokenBucket b = new LocalTokenBucket(new TokenBucketSpec(3, 2, 100), 0);
        assertTrue(b.consume(0));
        assertTrue(b.consume(10 * MS));
        assertTrue(b.consume(20 * MS));
        assertFalse(b.consume(99 * MS), "empty until the first fill");
        assertTrue(b.consume(100 * MS));
        assertTrue(b.consume(150 * MS));
        assertFalse(b.consume(199 * MS), "a fill adds tokens_per_fill (2)");
        // A long idle time fills to max_tokens, never beyond.
        for (int i = 0; i < 3; i++) {
            assertTrue(b.consume(10_000 * MS));
        }
        assertFalse(b.consume(10_000 * MS));
    }

    @Test
    void aClockReadBeforeAnotherThreadsFillDoesNotRefill() {
        LocalTokenBucket b = new LocalTokenBucket(new TokenBucketSpec(1, 1, 100), 0);
        assertTrue(b.consume(0));
        assertTrue(b.consume(150 * MS)); // fill 1 stored
        assertFalse(b.consume(50 * MS), "a thread that read the clock earlier sees fill 0: no tokens");
    }

    @Test
    void sharedByThreadsWithoutLosingOrMintingTokens() throws Exception {
        LocalTokenBucket b = new LocalTokenBucket(new TokenBucketSpec(10_000, 1, 3_600_000), 0);
        AtomicInteger granted = new AtomicInteger();
        CountDownLatch done = new CountDownLatch(4);
        for (int t = 0; t < 4; t++) {
            new Thread(() -> {
                for (int i = 0; i < 5_000; i++) {
                    if (b.consume(MS)) {
                        granted.incrementAndGet();
                    }
                }
                done.countDown();
            }).start();
        }
        done.await();
        assertEquals(10_000, granted.get());
    }
}
