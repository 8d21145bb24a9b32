package io.remora.server;

import io.netty.channel.IoHandler;
import io.netty.channel.IoHandlerContext;
import io.netty.channel.IoHandlerFactory;
import io.remora.stats.DispatcherStats;

import java.util.concurrent.TimeUnit;

/**
 * An event loop's I/O handler measured as Envoy's libevent scheduler measures its dispatcher
 * ({@code enable_dispatcher_stats}): the loop's iteration is Netty's {@code IoHandler.run} (wait
 * for I/O, handle it), then the loop's tasks and timers. Envoy's prepare point is this handler's
 * entry, its check point the poll's return: the handler is asked to report its active I/O time,
 * which it measures from the poll's return to the end of the I/O handling, so the return is that
 * report's time minus the active time (the report's time itself when no I/O was ready).
 * {@code loop_duration_us} is a check-to-next-prepare interval (handling the I/O, then the tasks);
 * {@code poll_delay_us} the poll's duration past the timeout the handler asked of the loop (0 when
 * tasks wait, the time to the next scheduled task otherwise; none without one), recorded only when
 * not negative, as Envoy's.
 *
 * <p>Only loops of a config with dispatcher stats get this handler: others pay nothing.
 */
final class DispatcherStatsHandler extends DelegatingIoHandler {
    private final DispatcherStats stats;
    private final Context context = new Context();
    /** The previous poll's return (System.nanoTime); none before the first. */
    private long lastCheck;
    private boolean checked;

    private DispatcherStatsHandler(IoHandler delegate, DispatcherStats stats) {
        super(delegate);
        this.stats = stats;
    }

    static IoHandlerFactory wrap(IoHandlerFactory factory, DispatcherStats stats) {
        return wrapping(factory, h -> new DispatcherStatsHandler(h, stats));
    }

    @Override
    public int run(IoHandlerContext loop) {
        long prepare = System.nanoTime();
        if (checked) {
            stats.loopDurationMicros(TimeUnit.NANOSECONDS.toMicros(prepare - lastCheck));
        }
        context.start(loop);
        int handled = delegate.run(context);
        long check = context.reported ? context.reportNanos - context.activeNanos : System.nanoTime();
        if (context.timeoutNanos >= 0) {
            long delay = check - prepare - context.timeoutNanos;
            if (delay >= 0) {
                stats.pollDelayMicros(TimeUnit.NANOSECONDS.toMicros(delay));
            }
        }
        lastCheck = check;
        checked = true;
        return handled;
    }

    /** The loop's context, noting the poll timeout the handler asks for and its active I/O time. */
    private static final class Context implements IoHandlerContext {
        private IoHandlerContext loop;
        /** The poll's timeout; -1 when it has none (waits for I/O or a wakeup only). */
        long timeoutNanos;
        boolean reported;
        long reportNanos;
        long activeNanos;

        void start(IoHandlerContext loop) {
            this.loop = loop;
            timeoutNanos = -1;
            reported = false;
        }

        @Override
        public boolean canBlock() {
            boolean canBlock = loop.canBlock();
            if (!canBlock) {
                timeoutNanos = 0; // tasks are waiting: the handler only looks for ready I/O
            }
            return canBlock;
        }

        @Override
        public long delayNanos(long currentTimeNanos) {
            long delay = loop.delayNanos(currentTimeNanos);
            // Long.MAX_VALUE: nothing is scheduled, the poll waits for I/O alone.
            timeoutNanos = delay == Long.MAX_VALUE ? -1 : Math.max(0, delay);
            return delay;
        }

        @Override
        public long deadlineNanos() {
            long deadline = loop.deadlineNanos();
            if (deadline != -1) {
                timeoutNanos = Math.max(0, loop.delayNanos(System.nanoTime()));
            }
            return deadline;
        }

        @Override
        public boolean shouldReportActiveIoTime() {
            return true;
        }

        @Override
        public void reportActiveIoTime(long activeNanos) {
            reportNanos = System.nanoTime();
            this.activeNanos = activeNanos;
            reported = true;
            if (loop.shouldReportActiveIoTime()) {
                loop.reportActiveIoTime(activeNanos);
            }
        }
    }
}
