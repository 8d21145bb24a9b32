package io.remora.server;

import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

final class TcpProxyTestSupport {
    private TcpProxyTestSupport() {
    }

    static void waitFor(BooleanSupplier cond) throws InterruptedException {
        waitFor(cond, 10, () -> "");
    }

    static void waitFor(BooleanSupplier cond, int seconds, java.util.function.Supplier<String> state)
            throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (!cond.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("condition not met in " + seconds + " s " + state.get());
            }
            Thread.sleep(10);
        }
    }
}
