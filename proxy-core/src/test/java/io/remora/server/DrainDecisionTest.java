package io.remora.server;

import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Envoy's DrainManagerImpl::drainClose, with the clock and the random number given. */
class DrainDecisionTest {
    private static final long S = 1_000_000_000L;

    @Test
    void immediateClosesEveryConnectionFromTheStart() {
        DrainDecision d = DrainDecision.begin(DrainStrategy.IMMEDIATE, Duration.ofSeconds(600), 0);
        assertTrue(d.immediateStrategy());
        assertTrue(d.drainClose(0, 599));
        assertTrue(d.drainClose());
    }

    @Test
    void gradualClosesTheShareOfTheDrainTimeElapsedInWholeSeconds() {
        long start = 1_000 * S;
        DrainDecision d = DrainDecision.begin(DrainStrategy.GRADUAL, Duration.ofSeconds(10), start);
        assertFalse(d.immediateStrategy());
        // The first second: remaining 9.x s counts as 9, elapsed as 1: random % 10 == 0 closes, 1 in 10.
        assertEquals(1, closing(d, start + 1));
        assertEquals(1, closing(d, start + S - 1));
        // Past half-way: remaining 4.x s counts as 4, elapsed as 6: 6 of 10 random values close.
        assertEquals(6, closing(d, start + 5 * S + 1));
        assertEquals(10, closing(d, start + 9 * S + 1));
        // At and past the deadline every connection closes.
        assertEquals(10, closing(d, start + 10 * S));
        assertTrue(d.drainClose(start + 3_600 * S, 0));
    }

    @Test
    void gradualUnderASecondClosesEveryConnection() {
        DrainDecision d = DrainDecision.begin(DrainStrategy.GRADUAL, Duration.ofMillis(500), 0);
        assertTrue(d.drainClose(1, 7));
    }

    @Test
    void gradualTakesTheWholeRangeOfRandomNumbers() {
        DrainDecision d = DrainDecision.begin(DrainStrategy.GRADUAL, Duration.ofSeconds(3), 0);
        // Envoy's uint64 random % drain time: a number past Long.MAX_VALUE is not negative.
        assertEquals(Long.remainderUnsigned(-1L, 3) < 1, d.drainClose(1, -1L));
    }

    @Test
    void aSecondDrainKeepsTheFirstUnlessItIsImmediate() {
        DrainDecision first = DrainDecision.begin(DrainStrategy.GRADUAL, Duration.ofSeconds(10), 0);
        DrainDecision second = DrainDecision.begin(DrainStrategy.GRADUAL, Duration.ofSeconds(10), 5 * S);
        assertEquals(first, DrainDecision.keep(null, first));
        assertEquals(first, DrainDecision.keep(first, second), "a second drain does not restart the share");
        assertEquals(DrainDecision.immediate(), DrainDecision.keep(first, DrainDecision.immediate()));
    }

    /** How many of the random values 0..9 close at {@code now}. */
    private static int closing(DrainDecision d, long now) {
        int n = 0;
        for (long r = 0; r < 10; r++) {
            if (d.drainClose(now, r)) {
                n++;
            }
        }
        return n;
    }
}
