package io.remora.upstream;

import io.netty.channel.EventLoop;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Who must hear that a host failed its active health check or was ejected as an outlier (Envoy's
 * onHostHealthFailure): each worker's HTTP pools of the host, which drain, and, with
 * {@code close_connections_on_host_health_failure}, each {@code tcp_proxy} connection to it,
 * which closes; they register while they hold connections. The checker's or detector's thread
 * only posts; every action runs on the loop that owns the connections, as Envoy posts the
 * failure to each worker.
 */
public final class HealthFailureWatchers {

    /** One registration: {@code action} runs on {@code loop}. */
    public static final class Watch {
        private final EventLoop loop;
        private final Runnable action;
        private final boolean pool;

        private Watch(EventLoop loop, Runnable action, boolean pool) {
            this.loop = loop;
            this.action = action;
            this.pool = pool;
        }
    }

    private final Set<Watch> watches = ConcurrentHashMap.newKeySet();

    /** Runs {@code action} on {@code loop} at each failure until {@link #remove}d. */
    public Watch add(EventLoop loop, Runnable action) {
        return add(loop, action, false);
    }

    /** A pool's drain: also run by {@link #drainPools}. */
    public Watch addPool(EventLoop loop, Runnable drain) {
        return add(loop, drain, true);
    }

    private Watch add(EventLoop loop, Runnable action, boolean pool) {
        Watch w = new Watch(loop, action, pool);
        watches.add(w);
        return w;
    }

    public void remove(Watch w) {
        if (w != null) {
            watches.remove(w);
        }
    }

    /** The host just became unhealthy: every action, each on its own loop. */
    public void fire() {
        for (Watch w : watches) {
            w.loop.execute(w.action);
        }
    }

    /** The cluster's host set changed (close_connections_on_host_set_change): the pools alone drain. */
    public void drainPools() {
        for (Watch w : watches) {
            if (w.pool) {
                w.loop.execute(w.action);
            }
        }
    }

    /** How many are registered (tests). */
    public int size() {
        return watches.size();
    }
}
