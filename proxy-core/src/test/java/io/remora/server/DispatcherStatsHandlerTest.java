package io.remora.server;

import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.netty.channel.IoHandle;
import io.netty.channel.IoHandler;
import io.netty.channel.IoHandlerContext;
import io.netty.channel.IoRegistration;
import io.remora.stats.DispatcherStats;
import org.junit.jupiter.api.Test;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The measurement against a scripted I/O handler: it asks the loop for its poll timeout, "polls"
 * past it, handles I/O and reports that time, then the loop "runs tasks". Only lower bounds are
 * asserted: a slow machine makes every interval longer, never shorter.
 */
class DispatcherStatsHandlerTest {
    private static final long MS = TimeUnit.MILLISECONDS.toNanos(1);

    /** The loop's side: tasks pending or not, and the delay to its next scheduled task (MAX: none). */
    private static final class Loop implements IoHandlerContext {
        boolean canBlock = true;
        long delayNanos = 2 * MS;
        int reported;

        @Override
        public boolean canBlock() {
            return canBlock;
        }

        @Override
        public long delayNanos(long currentTimeNanos) {
            return delayNanos;
        }

        @Override
        public long deadlineNanos() {
            return delayNanos == Long.MAX_VALUE ? -1 : 42;
        }

        @Override
        public void reportActiveIoTime(long activeNanos) {
            reported++;
        }

        @Override
        public boolean shouldReportActiveIoTime() {
            return true;
        }
    }

    /** Epoll's order: canBlock, then the deadline, the poll (pollNanos), the I/O (ioNanos) and its report. */
    private static final class Scripted implements IoHandler {
        long pollNanos = 5 * MS;
        long ioNanos = 20 * MS;

        @Override
        public int run(IoHandlerContext context) {
            if (context.canBlock()) {
                context.deadlineNanos();
            }
            spin(pollNanos);
            long start = System.nanoTime();
            spin(ioNanos);
            if (context.shouldReportActiveIoTime()) {
                context.reportActiveIoTime(System.nanoTime() - start);
            }
            return 1;
        }

        @Override
        public IoRegistration register(IoHandle handle) {
            throw new UnsupportedOperationException();
        }

        @Override
        public void wakeup() {
        }

        @Override
        public boolean isCompatible(Class<? extends IoHandle> handleType) {
            return false;
        }
    }

    private static void spin(long nanos) {
        long end = System.nanoTime() + nanos;
        while (System.nanoTime() < end) {
            LockSupport.parkNanos(Math.max(1, end - System.nanoTime()));
        }
    }

    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final Scripted io = new Scripted();
    private final IoHandler handler = DispatcherStatsHandler.wrap(e -> io, DispatcherStats.worker(registry, 3))
            .newHandler(null);
    private final Loop loop = new Loop();

    private DistributionSummary histogram(String stat) {
        return registry.get("envoy_listener_manager_dispatcher_" + stat).tag("envoy_worker_id", "worker_3").summary();
    }

    @Test
    void pollDelayIsThePollPastItsTimeoutAndLoopDurationTheWorkAfterThePoll() {
        handler.run(loop);
        assertEquals(0, histogram("loop_duration_us").count(), "no iteration has ended before the first poll");
        assertEquals(1, histogram("poll_delay_us").count());
        // Polled 5 ms against a 2 ms timeout.
        assertTrue(histogram("poll_delay_us").max() >= 3000, () -> "poll delay " + histogram("poll_delay_us").max());
        assertEquals(1, loop.reported, "the loop's own report still reaches it");

        spin(3 * MS); // the loop's tasks
        handler.run(loop);
        // 20 ms of I/O after the first poll, then 3 ms of tasks; the I/O of the second run is after its poll.
        assertEquals(1, histogram("loop_duration_us").count());
        assertTrue(histogram("loop_duration_us").max() >= 23000, () -> "loop " + histogram("loop_duration_us").max());
    }

    @Test
    void aPollWithoutTimeoutHasNoDelayAndWaitingTasksMakeItZero() {
        loop.delayNanos = Long.MAX_VALUE; // nothing scheduled: the poll waits for I/O alone
        handler.run(loop);
        assertEquals(0, histogram("poll_delay_us").count());

        loop.canBlock = false; // tasks wait: the poll only looks, its whole time is past a zero timeout
        io.pollNanos = 2 * MS;
        handler.run(loop);
        assertEquals(1, histogram("poll_delay_us").count());
        assertTrue(histogram("poll_delay_us").max() >= 2000, () -> "poll delay " + histogram("poll_delay_us").max());
    }
}
