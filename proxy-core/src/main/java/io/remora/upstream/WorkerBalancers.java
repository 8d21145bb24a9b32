package io.remora.upstream;

import io.netty.util.concurrent.EventExecutor;
import io.netty.util.internal.ThreadExecutorMap;

/**
 * The load balancers of one host set, one per worker, as Envoy's thread-local cluster keeps a
 * load balancer per worker: made lazily on a worker's first pick, keyed by its event loop, and
 * dropped with the host set (a host-set or priority change builds a new {@link PrioritySet},
 * so every worker starts a fresh balancer over it). A thread that is no event loop (a test, the
 * control thread) shares one balancer under a lock.
 */
final class WorkerBalancers {
    private final PrioritySet set;
    private final io.remora.util.PerEventLoop<WorkerLoadBalancer> byLoop;
    private WorkerLoadBalancer offLoop;

    WorkerBalancers(PrioritySet set) {
        this.set = set;
        this.byLoop = new io.remora.util.PerEventLoop<>(loop -> new WorkerLoadBalancer(set));
    }

    Host pick(LoadBalancerContext context, LocalZone zone, ZoneStats stats, int[] forced) {
        EventExecutor loop = ThreadExecutorMap.currentExecutor();
        if (loop == null) {
            synchronized (this) {
                if (offLoop == null) {
                    offLoop = new WorkerLoadBalancer(set);
                }
                return offLoop.pick(context, zone, stats, forced);
            }
        }
        return byLoop.get(loop).pick(context, zone, stats, forced);
    }

    /** How many workers have their own balancer over this host set (tests). */
    int workerCount() {
        return byLoop.size();
    }
}
