package io.remora.server;

import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelPromise;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.util.concurrent.AbstractEventExecutorGroup;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.Future;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Envoy's {@code ExactConnectionBalancerImpl} as the child group of one listener address's server
 * sockets: each accepted connection is registered on the worker holding the fewest of this
 * address's connections, under a lock as Envoy's (it trades accept throughput for balance). The
 * worker that accepted it does not matter, so it works with one socket per worker (SO_REUSEPORT)
 * as with one shared socket. Lifecycle calls go to the workers' group, which owns the loops.
 */
final class ExactBalanceGroup extends AbstractEventExecutorGroup implements EventLoopGroup {
    private final EventLoopGroup workers;
    private final EventLoop[] loops;
    /** This address's open connections per loop; guarded by {@code this}. */
    private final int[] connections;
    /** Per loop, so no connection allocates its own: counting the connection's close, or a failed registration. */
    private final ChannelFutureListener[] onRegistered;
    private final ChannelFutureListener[] onClosed;

    ExactBalanceGroup(EventLoopGroup workers) {
        this.workers = workers;
        List<EventLoop> all = new ArrayList<>();
        workers.forEach(e -> all.add((EventLoop) e));
        loops = all.toArray(new EventLoop[0]);
        connections = new int[loops.length];
        onRegistered = new ChannelFutureListener[loops.length];
        onClosed = new ChannelFutureListener[loops.length];
        for (int i = 0; i < loops.length; i++) {
            int index = i;
            onClosed[i] = f -> release(index);
            onRegistered[i] = f -> {
                if (f.isSuccess()) {
                    f.channel().closeFuture().addListener(onClosed[index]);
                } else {
                    release(index);
                }
            };
        }
    }

    /** The loop with the fewest connections, counted as holding one more from now on. */
    private synchronized int pick() {
        int best = 0;
        for (int i = 1; i < connections.length; i++) {
            if (connections[i] < connections[best]) {
                best = i;
            }
        }
        connections[best]++;
        return best;
    }

    private synchronized void release(int index) {
        connections[index]--;
    }

    /** The connections each loop holds (tests, diagnostics). */
    synchronized int[] connections() {
        return connections.clone();
    }

    @Override
    public ChannelFuture register(Channel channel) {
        int i = pick();
        return loops[i].register(channel).addListener(onRegistered[i]);
    }

    @Override
    public ChannelFuture register(ChannelPromise promise) {
        int i = pick();
        return loops[i].register(promise).addListener(onRegistered[i]);
    }

    @Deprecated
    @Override
    public ChannelFuture register(Channel channel, ChannelPromise promise) {
        return register(promise);
    }

    @Override
    public EventLoop next() {
        return workers.next();
    }

    @Override
    public Iterator<EventExecutor> iterator() {
        return workers.iterator();
    }

    @Override
    public boolean isShuttingDown() {
        return workers.isShuttingDown();
    }

    @Override
    public Future<?> shutdownGracefully(long quietPeriod, long timeout, TimeUnit unit) {
        return workers.shutdownGracefully(quietPeriod, timeout, unit);
    }

    @Override
    public Future<?> terminationFuture() {
        return workers.terminationFuture();
    }

    @Deprecated
    @Override
    public void shutdown() {
        workers.shutdown();
    }

    @Override
    public boolean isShutdown() {
        return workers.isShutdown();
    }

    @Override
    public boolean isTerminated() {
        return workers.isTerminated();
    }

    @Override
    public boolean awaitTermination(long timeout, TimeUnit unit) throws InterruptedException {
        return workers.awaitTermination(timeout, unit);
    }
}
