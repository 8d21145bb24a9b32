package io.remora.util;

import io.netty.channel.DefaultEventLoop;
import io.netty.util.concurrent.ScheduledFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class WorkerTimerTest {

    /** An event loop that counts what is scheduled on it. */
    static final class CountingLoop extends DefaultEventLoop {
        final AtomicInteger scheduled = new AtomicInteger();

        @Override
        public ScheduledFuture<?> schedule(Runnable command, long delay, TimeUnit unit) {
            scheduled.incrementAndGet();
            return super.schedule(command, delay, unit);
        }
    }

    private final CountingLoop loop = new CountingLoop();

    @AfterEach
    void stop() throws Exception {
        loop.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
    }

    private <T> T onLoop(Callable<T> c) throws Exception {
        return loop.submit(c).get(5, TimeUnit.SECONDS);
    }

    @Test
    void firesOnceAndNotBeforeItsDeadline() throws Exception {
        CountDownLatch fired = new CountDownLatch(1);
        AtomicInteger runs = new AtomicInteger();
        long[] armedAt = new long[1];
        long[] firedAt = new long[1];
        WorkerTimer.Timeout t = new WorkerTimer.Timeout(() -> {
            firedAt[0] = System.nanoTime();
            runs.incrementAndGet();
            fired.countDown();
        });
        onLoop(() -> {
            armedAt[0] = System.nanoTime();
            WorkerTimer.of(loop).armMillis(t, 50);
            return null;
        });
        assertTrue(fired.await(5, TimeUnit.SECONDS));
        assertTrue(firedAt[0] - armedAt[0] >= TimeUnit.MILLISECONDS.toNanos(50), "fired early");
        Thread.sleep(100);
        assertEquals(1, runs.get());
        assertFalse(onLoop(t::isArmed));
    }

    /** An owner that is its own timeout (as the router is): fire() runs, on the queue and on the fallback. */
    static final class Owner extends WorkerTimer.Timeout {
        final List<String> fired = new ArrayList<>();
        final CountDownLatch done;
        final String name;

        Owner(String name, CountDownLatch done) {
            this.name = name;
            this.done = done;
        }

        @Override
        protected void fire() {
            fired.add(name);
            done.countDown();
        }
    }

    @Test
    void aSubclassFiresItsOwnFireOnceWhetherQueuedOrScheduledDirectly() throws Exception {
        CountDownLatch done = new CountDownLatch(WorkerTimer.MAX_QUEUES + 2);
        List<Owner> owners = new ArrayList<>();
        Owner cancelled = new Owner("cancelled", new CountDownLatch(1));
        onLoop(() -> {
            WorkerTimer timer = WorkerTimer.of(loop);
            timer.armMillis(cancelled, 20);
            // More distinct durations than queues: the last ones take the event loop's scheduler.
            for (int i = 0; i < WorkerTimer.MAX_QUEUES + 2; i++) {
                Owner o = new Owner("o" + i, done);
                owners.add(o);
                timer.armMillis(o, 20 + i);
            }
            cancelled.cancel();
            return null;
        });
        assertTrue(done.await(5, TimeUnit.SECONDS));
        Thread.sleep(100);
        for (Owner o : owners) {
            assertEquals(List.of(o.name), o.fired);
            assertFalse(onLoop(o::isArmed));
        }
        assertEquals(List.of(), cancelled.fired);
    }

    @Test
    void aCancelledTimeoutNeverRunsAndTheOthersStillDo() throws Exception {
        List<String> ran = new ArrayList<>();
        CountDownLatch last = new CountDownLatch(1);
        WorkerTimer.Timeout a = new WorkerTimer.Timeout(() -> ran.add("a"));
        WorkerTimer.Timeout b = new WorkerTimer.Timeout(() -> ran.add("b"));
        WorkerTimer.Timeout c = new WorkerTimer.Timeout(() -> {
            ran.add("c");
            last.countDown();
        });
        onLoop(() -> {
            WorkerTimer timer = WorkerTimer.of(loop);
            timer.armMillis(a, 30); // the head of the 30 ms list, cancelled below
            timer.armMillis(b, 30);
            timer.armMillis(c, 30);
            a.cancel();
            a.cancel(); // idempotent
            return null;
        });
        assertTrue(last.await(5, TimeUnit.SECONDS));
        assertEquals(List.of("b", "c"), onLoop(() -> new ArrayList<>(ran)));
    }

    @Test
    void reArmingMovesTheDeadline() throws Exception {
        CountDownLatch fired = new CountDownLatch(1);
        long[] firedAt = new long[1];
        long[] lastArm = new long[1];
        WorkerTimer.Timeout t = new WorkerTimer.Timeout(() -> {
            firedAt[0] = System.nanoTime();
            fired.countDown();
        });
        // Re-armed every 10 ms with a deadline far beyond that: only a stall of the test thread
        // longer than the deadline (CI under load once took 40 ms) could let an earlier arm fire.
        for (int i = 0; i < 5; i++) {
            onLoop(() -> {
                lastArm[0] = System.nanoTime();
                WorkerTimer.of(loop).armMillis(t, 300);
                return null;
            });
            Thread.sleep(10);
        }
        assertTrue(fired.await(5, TimeUnit.SECONDS));
        assertTrue(firedAt[0] - lastArm[0] >= TimeUnit.MILLISECONDS.toNanos(300), "fired before the last arm's deadline");
    }

    @Test
    void armingAndCancellingPerRequestSchedulesNothingPerRequest() throws Exception {
        onLoop(() -> {
            WorkerTimer timer = WorkerTimer.of(loop);
            int before = loop.scheduled.get();
            for (int i = 0; i < 10_000; i++) {
                WorkerTimer.Timeout t = new WorkerTimer.Timeout(() -> {
                    throw new AssertionError("cancelled timeout ran");
                });
                timer.armMillis(t, 15_000);
                t.cancel();
            }
            // one wakeup for the 15 s list, scheduled by the first arm
            assertEquals(1, loop.scheduled.get() - before);
            return null;
        });
    }

    @Test
    void durationsPastTheQueueLimitFallBackToTheEventLoop() throws Exception {
        int n = WorkerTimer.MAX_QUEUES + 4;
        CountDownLatch fired = new CountDownLatch(n);
        WorkerTimer.Timeout cancelled = new WorkerTimer.Timeout(() -> {
            throw new AssertionError("cancelled timeout ran");
        });
        onLoop(() -> {
            WorkerTimer timer = WorkerTimer.of(loop);
            for (int i = 0; i < n; i++) {
                timer.armMillis(new WorkerTimer.Timeout(fired::countDown), 20 + i);
            }
            assertEquals(WorkerTimer.MAX_QUEUES, timer.queueCount());
            timer.armMillis(cancelled, 20 + n + 1);
            assertTrue(cancelled.isArmed());
            cancelled.cancel();
            assertFalse(cancelled.isArmed());
            return null;
        });
        assertTrue(fired.await(5, TimeUnit.SECONDS));
        Thread.sleep(100);
    }

    @Test
    void aDrainedQueueGivesItsSlotToANewDuration() throws Exception {
        onLoop(() -> {
            WorkerTimer timer = WorkerTimer.of(loop);
            List<WorkerTimer.Timeout> armed = new ArrayList<>();
            for (int i = 0; i < WorkerTimer.MAX_QUEUES; i++) {
                WorkerTimer.Timeout t = new WorkerTimer.Timeout(() -> { });
                timer.armMillis(t, 10_000 + i);
                armed.add(t);
            }
            WorkerTimer.Timeout extra = new WorkerTimer.Timeout(() -> { });
            int before = loop.scheduled.get();
            timer.armMillis(extra, 20_000);
            assertEquals(before + 1, loop.scheduled.get(), "all slots busy: the scheduler's fallback");
            extra.cancel();
            armed.get(3).cancel();
            before = loop.scheduled.get();
            timer.armMillis(extra, 20_000);
            timer.armMillis(new WorkerTimer.Timeout(() -> { }), 20_000);
            assertEquals(before + 1, loop.scheduled.get(), "one queue (one wake-up) for the new duration");
            assertEquals(WorkerTimer.MAX_QUEUES, timer.queueCount());
            armed.forEach(WorkerTimer.Timeout::cancel);
            extra.cancel();
            return null;
        });
    }

    @Test
    void aTaskMayArmAnotherTimeoutOfItsOwnDuration() throws Exception {
        CountDownLatch second = new CountDownLatch(1);
        WorkerTimer.Timeout b = new WorkerTimer.Timeout(second::countDown);
        WorkerTimer.Timeout a = new WorkerTimer.Timeout(() -> WorkerTimer.of(loop).armMillis(b, 20));
        onLoop(() -> {
            WorkerTimer.of(loop).armMillis(a, 20);
            return null;
        });
        assertTrue(second.await(5, TimeUnit.SECONDS));
    }
}
