package io.remora.server;

import io.netty.channel.IoEventLoop;
import io.netty.channel.IoEventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SingleThreadIoEventLoop;

import java.util.concurrent.Executor;
import java.util.concurrent.ThreadFactory;

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

    public ClosingIoEventLoopGroup(int threads, ThreadFactory threadFactory, IoHandlerFactory factory) {
        super(threads, threadFactory, factory);
    }

    @Override
    protected IoEventLoop newChild(Executor executor, IoHandlerFactory factory, Object... args) {
        return new Loop(this, executor, factory);
    }

    private static final class Loop extends SingleThreadIoEventLoop {
        Loop(IoEventLoopGroup parent, Executor executor, IoHandlerFactory factory) {
            super(parent, executor, factory);
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
