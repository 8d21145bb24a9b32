package io.remora.util;

import io.netty.channel.DefaultEventLoop;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DeadlineHeapTest {

    private final WorkerTimerTest.CountingLoop loop = new WorkerTimerTest.CountingLoop();

    @AfterEach
    void stop() throws Exception {
        loop.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
    }

    private <T> T onLoop(Callable<T> c) throws Exception {
        return loop.submit(c).get(5, TimeUnit.SECONDS);
    }

    /** An entry keeping its heap slot, as the heap's owners do. */
    private abstract static class Slotted implements DeadlineHeap.Entry {
        int slot;

        @Override
        public int heapSlot() {
            return slot;
        }

        @Override
        public void heapSlot(int s) {
            slot = s;
        }
    }

    /** An owner that records when it fired. */
    private static final class Owner extends Slotted {
        final int id;
        final CountDownLatch done;
        final List<Owner> order;
        long deadline;
        long firedAt;
        int fired;

        Owner(int id, CountDownLatch done, List<Owner> order) {
            this.id = id;
            this.done = done;
            this.order = order;
        }

        @Override
        public void onDeadline() {
            firedAt = System.nanoTime();
            fired++;
            order.add(this);
            done.countDown();
        }
    }

    @Test
    void deadlinesFireInOrderNeverEarlyAndOnlyWhenHeld() throws Exception {
        DeadlineHeap heap = new DeadlineHeap(loop);
        Random random = new Random(12);
        int n = 300;
        List<Owner> order = new ArrayList<>();
        List<Owner> owners = new ArrayList<>();
        int[] kept = new int[1];
        CountDownLatch done = new CountDownLatch(n - n / 5);
        onLoop(() -> {
            long now = System.nanoTime();
            for (int i = 0; i < n; i++) {
                Owner o = new Owner(i, done, order);
                owners.add(o);
                o.deadline = now + TimeUnit.MILLISECONDS.toNanos(20 + random.nextInt(400));
                heap.schedule(o, o.deadline);
            }
            // Some move earlier, some later, some are dropped: the heap keeps only the latest.
            for (int i = 0; i < n; i++) {
                Owner o = owners.get(i);
                if (i % 5 == 0) {
                    heap.remove(o);
                } else if (i % 3 == 0) {
                    o.deadline = now + TimeUnit.MILLISECONDS.toNanos(10 + random.nextInt(500));
                    heap.schedule(o, o.deadline);
                }
            }
            kept[0] = heap.size();
            return null;
        });
        assertEquals(n - n / 5, kept[0]);
        assertTrue(done.await(5, TimeUnit.SECONDS), done.getCount() + " deadlines did not fire");
        onLoop(() -> {
            for (Owner o : owners) {
                if (o.id % 5 == 0) {
                    assertEquals(0, o.fired, "removed " + o.id + " fired");
                } else {
                    assertEquals(1, o.fired, "owner " + o.id);
                    assertTrue(o.firedAt - o.deadline >= 0, "owner " + o.id + " fired early");
                }
            }
            for (int i = 1; i < order.size(); i++) {
                assertTrue(order.get(i).deadline - order.get(i - 1).deadline >= 0, "out of order at " + i);
            }
            assertEquals(0, heap.size());
            return null;
        });
    }

    @Test
    void laterDeadlinesScheduleNoTaskOfTheirOwn() throws Exception {
        // Idle connections arm in the order they went idle: one wake-up serves them all.
        DeadlineHeap heap = new DeadlineHeap(loop);
        CountDownLatch done = new CountDownLatch(1000);
        List<Owner> order = new ArrayList<>();
        int before = loop.scheduled.get();
        onLoop(() -> {
            long now = System.nanoTime();
            for (int i = 0; i < 1000; i++) {
                Owner o = new Owner(i, done, order);
                o.deadline = now + TimeUnit.MILLISECONDS.toNanos(50) + i;
                heap.schedule(o, o.deadline);
            }
            return null;
        });
        assertEquals(1, loop.scheduled.get() - before);
        assertTrue(done.await(5, TimeUnit.SECONDS));
    }

    @Test
    void anOwnerMayArmAgainFromItsDeadline() throws Exception {
        DeadlineHeap heap = new DeadlineHeap(loop);
        CountDownLatch twice = new CountDownLatch(2);
        DeadlineHeap.Entry e = new Slotted() {
            @Override
            public void onDeadline() {
                twice.countDown();
                if (twice.getCount() > 0) {
                    heap.schedule(this, System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(20));
                }
            }
        };
        onLoop(() -> {
            heap.schedule(e, System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(20));
            return null;
        });
        assertTrue(twice.await(5, TimeUnit.SECONDS));
        assertEquals(0, (int) onLoop(heap::size));
    }
}
