package io.remora.http.testing;

import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Waits for what an event loop does after the call a test made returned (a mirror's copy, a
 * reset, a counter), up to a deadline generous for a loaded machine, instead of a fixed sleep.
 */
public final class Conditions {

    private Conditions() {
    }

    /** Returns as soon as {@code condition} holds; fails with {@code what} if it has not within 10 s. */
    public static void await(BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!condition.getAsBoolean() && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertTrue(condition.getAsBoolean(), what);
    }
}
