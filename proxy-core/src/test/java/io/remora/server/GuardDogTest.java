package io.remora.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.remora.config.WatchdogConfig;
import io.remora.stats.StatNames;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The guard dog against real event loops that a task blocks: misses and mega misses counted once
 * per stall (per guard dog and per thread, under Envoy's names), kill and multikill with the stuck
 * thread's stack, and an abort_action on MISS.
 */
class GuardDogTest {
    private final EventLoopGroup loops = Transport.detect().newEventLoopGroup(2, "guarddog-test");
    private final MeterRegistry registry = new SimpleMeterRegistry();
    private final List<String> aborts = new CopyOnWriteArrayList<>();
    private GuardDog dog;

    @AfterEach
    void stop() {
        if (dog != null) {
            dog.close();
        }
        loops.shutdownGracefully(0, 1, TimeUnit.SECONDS);
    }

    private void watchBoth(WatchdogConfig config) {
        dog = new GuardDog("workers", config, registry, aborts::add);
        int i = 0;
        for (var loop : loops) {
            dog.watch("worker_" + i++, (EventLoop) loop);
        }
    }

    private EventLoop loop(int i) {
        var it = loops.iterator();
        for (int n = 0; n < i; n++) {
            it.next();
        }
        return (EventLoop) it.next();
    }

    private static void block(EventLoop loop, long millis) {
        loop.execute(() -> {
            try {
                Thread.sleep(millis);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
    }

    private double count(String name) {
        var c = registry.find(name).counter();
        return c == null ? -1 : c.count();
    }

    private static void await(BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!condition.getAsBoolean()) {
            assertTrue(System.nanoTime() < deadline, "timed out waiting for " + what);
            Thread.sleep(20);
        }
    }

    @Test
    void aStallCountsOneMissAndOneMegaMissUnderEnvoysNames() throws Exception {
        watchBoth(WatchdogConfig.builder().missTimeout(Duration.ofMillis(150)).megamissTimeout(Duration.ofMillis(400))
                .build());
        assertEquals(0, count("envoy_workers_watchdog_miss"));
        block(loop(0), 1500);
        await(() -> count("envoy_server_worker_0_watchdog_mega_miss") == 1, "the mega miss");
        Thread.sleep(1500); // the stall is over, the loop checked in again
        assertEquals(1, count("envoy_server_worker_0_watchdog_miss"), "one miss per stall, however long");
        assertEquals(1, count("envoy_server_worker_0_watchdog_mega_miss"));
        assertTrue(count("envoy_workers_watchdog_miss") >= 1);
        assertTrue(count("envoy_workers_watchdog_mega_miss") >= 1);

        block(loop(0), 1000);
        await(() -> count("envoy_server_worker_0_watchdog_miss") == 2, "the second stall's miss");
        assertTrue(aborts.isEmpty(), "no kill without kill_timeout: " + aborts);

        var names = registry.getMeters().stream().map(m -> StatNames.envoyName(m.getId())).toList();
        assertTrue(names.containsAll(List.of("workers.watchdog_miss", "workers.watchdog_mega_miss",
                "server.worker_0.watchdog_miss", "server.worker_1.watchdog_mega_miss")), names.toString());
    }

    @Test
    void killTimeoutAbortsWithTheStuckThreadsStack() throws Exception {
        watchBoth(WatchdogConfig.builder().missTimeout(Duration.ofMillis(100)).killTimeout(Duration.ofMillis(500)).build());
        block(loop(1), 2000);
        await(() -> !aborts.isEmpty(), "the kill");
        String message = aborts.get(0);
        assertTrue(message.startsWith("GuardDog: one thread (worker_1) stuck for more than watchdog_kill_timeout"), message);
        assertTrue(message.contains("Thread.sleep"), "the stuck thread's stack: " + message);
    }

    @Test
    void multikillNeedsEnoughThreadsStuck() throws Exception {
        watchBoth(WatchdogConfig.builder().missTimeout(Duration.ofMillis(100)).multikillTimeout(Duration.ofMillis(400))
                .multikillThreshold(100).build());
        block(loop(0), 1200);
        await(() -> count("envoy_server_worker_0_watchdog_mega_miss") == 1, "the stall");
        Thread.sleep(400);
        assertTrue(aborts.isEmpty(), "one stuck loop of two is no multikill: " + aborts);

        block(loop(0), 2000);
        block(loop(1), 2000);
        await(() -> !aborts.isEmpty(), "the multikill");
        assertTrue(aborts.get(0).startsWith("Watchdog MULTIKILL as 2 threads are stuck."), aborts.get(0));
    }

    @Test
    void abortActionOnMissAbortsAtTheFirstMiss() throws Exception {
        watchBoth(WatchdogConfig.builder().missTimeout(Duration.ofMillis(150)).abortOn(WatchdogConfig.Event.MISS).build());
        block(loop(0), 1000);
        await(() -> !aborts.isEmpty(), "the abort");
        assertTrue(aborts.get(0).contains("worker_0"), aborts.get(0));
    }
}
