package io.remora.server;

import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.util.concurrent.EventExecutor;
import io.remora.config.WatchdogConfig;
import io.remora.stats.StatsRegistry;

/**
 * The server's worker event loops, as Envoy's workers: {@code concurrency} of them (at least one), each watched by
 * the workers' guard dog as {@code worker_<N>} and, with enable_dispatcher_stats, measured.
 */
final class WorkerLoops {
    final EventLoopGroup group;
    private final GuardDog guardDog;

    private WorkerLoops(EventLoopGroup group, GuardDog guardDog) {
        this.group = group;
        this.guardDog = guardDog;
    }

    static WorkerLoops start(ServerOptions options, StatsRegistry stats, WatchdogConfig watchdog,
                             boolean dispatcherStats) {
        int n = Math.max(1, options.concurrency());
        EventLoopGroup group = options.transport().newEventLoopGroup(n, "remora-worker", !dispatcherStats ? null
                : i -> io.remora.stats.DispatcherStats.worker(stats.meterRegistry(), i));
        GuardDog guardDog = new GuardDog("workers", watchdog, stats.meterRegistry());
        int index = 0;
        for (EventExecutor loop : group) {
            guardDog.watch("worker_" + index++, (EventLoop) loop);
        }
        stats.server().concurrency.set(n);
        return new WorkerLoops(group, guardDog);
    }

    /** Before the loops stop: a slow shutdown is no stall. */
    void stopWatching() {
        guardDog.close();
    }
}
