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
    /** Event loop, balancer, event loop, balancer, ...: a handful of workers, scanned by identity. */
    private volatile Object[] byLoop = new Object[0];
    private WorkerLoadBalancer offLoop;

    WorkerBalancers(PrioritySet set) {
        this.set = set;
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
        return forLoop(loop).pick(context, zone, stats, forced);
    }

    /** The calling worker's balancer; only its own thread uses it, so it needs no lock. */
    private WorkerLoadBalancer forLoop(EventExecutor loop) {
        Object[] a = byLoop;
        for (int i = 0; i < a.length; i += 2) {
            if (a[i] == loop) {
                return (WorkerLoadBalancer) a[i + 1];
            }
        }
        WorkerLoadBalancer mine = new WorkerLoadBalancer(set);
        synchronized (this) {
            Object[] now = byLoop;
            Object[] grown = java.util.Arrays.copyOf(now, now.length + 2);
            grown[now.length] = loop;
            grown[now.length + 1] = mine;
            byLoop = grown;
        }
        return mine;
    }

    /** How many workers have their own balancer over this host set (tests). */
    int workerCount() {
        return byLoop.length / 2;
    }
}
