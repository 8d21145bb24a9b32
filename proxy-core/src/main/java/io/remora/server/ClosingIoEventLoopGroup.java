package io.remora.server;

import io.netty.channel.IoEventLoop;
import io.netty.channel.IoEventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SingleThreadIoEventLoop;

import io.remora.stats.DispatcherStats;

import java.util.concurrent.Executor;
import java.util.concurrent.ThreadFactory;
import java.util.function.IntFunction;

/**
 * Netty's event loop group, whose loops close every channel still registered when they shut down,
 * however the shutdown was timed.
 *
 * <p>Netty 4.2's loop closes its channels ({@code prepareToDestroy}) only when it sees the shutdown
 * right after an I/O pass. A shutdown requested while the loop runs tasks, with a zero quiet period
 * (how every group here is shut), ends the loop at the next check with its channels still open:
 * their handlers never see {@code channelInactive}, so what they hold (a parser's unparsed bytes,
 * pooled connections, timers) is never released and the sockets stay open until the process ends.
 * Closing them once more after the loop ends, while it still accepts tasks, lets the close events
 * run before the loop terminates.
 */
public final class ClosingIoEventLoopGroup extends MultiThreadIoEventLoopGroup {

    /**
     * The next loop's index. No initializer: the super constructor makes the loops, before field
     * initializers would run (one would reset it afterwards).
     */
    private int nextIndex;

    public ClosingIoEventLoopGroup(int threads, ThreadFactory threadFactory, IoHandlerFactory factory) {
        super(threads, threadFactory, factory);
    }

    /**
     * @param dispatcherStats each loop's Envoy dispatcher stats by its index: its I/O handler is
     *                        measured ({@link DispatcherStatsHandler})
     */
    public ClosingIoEventLoopGroup(int threads, ThreadFactory threadFactory, IoHandlerFactory factory,
                                   IntFunction<DispatcherStats> dispatcherStats) {
        // Through the constructor's arguments: the loops are made before this class's fields are set.
        super(threads, threadFactory, factory, dispatcherStats);
    }

    @Override
    @SuppressWarnings("unchecked")
    protected IoEventLoop newChild(Executor executor, IoHandlerFactory factory, Object... args) {
        int index = nextIndex++;
        if (args.length > 0 && args[0] instanceof IntFunction<?> stats) {
            factory = DispatcherStatsHandler.wrap(factory, ((IntFunction<DispatcherStats>) stats).apply(index));
        }
        return new Loop(this, executor, factory, index);
    }

    /** The loop's index in its group (Envoy's worker_<index>), or -1 for a loop of another group. */
    public static int workerIndex(io.netty.util.concurrent.EventExecutor loop) {
        return loop instanceof Loop l ? l.index : -1;
    }

    private static final class Loop extends SingleThreadIoEventLoop {
        final int index;

        Loop(IoEventLoopGroup parent, Executor executor, IoHandlerFactory factory, int index) {
            super(parent, executor, factory);
            this.index = index;
        }

        @Override
        protected void run() {
            super.run();
            if (isShuttingDown()) {
                // Idempotent: channels Netty already closed are no longer registered.
                ioHandler().prepareToDestroy();
            }
        }
    }
}
