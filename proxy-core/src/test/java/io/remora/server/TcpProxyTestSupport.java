package io.remora.server;

import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

final class TcpProxyTestSupport {
    private TcpProxyTestSupport() {
    }

    static void waitFor(BooleanSupplier cond) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!cond.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("condition not met in 10 s");
            }
            Thread.sleep(10);
        }
    }
}
