package io.remora.tcp;

import io.netty.util.concurrent.FastThreadLocal;
import io.remora.upstream.Cluster;
import io.remora.upstream.Host;

import java.util.ArrayDeque;
import java.util.IdentityHashMap;
import java.util.Map;

/**
 * The per-host {@code max_connections} circuit breaker of tcp_proxy's own connections, as
 * Envoy's TCP connection pool (one per worker and host) applies it: when the host already has its
 * share of connections, {@code upstream_cx_overflow} counts and the session waits as a pending
 * stream of this worker's pool until one of the pool's connections to the host closes; a pool
 * with no connection at all still opens one past the limit (Envoy's "always create one" rule).
 * Only clusters with a per-host limit come here: the others pay nothing.
 */
final class TcpHostSlots {
    /** This worker's pools by host; a host's entry goes once it has no connection and no waiter. */
    private static final FastThreadLocal<Map<Host, Slot>> SLOTS = new FastThreadLocal<>() {
        @Override
        protected Map<Host, Slot> initialValue() {
            return new IdentityHashMap<>();
        }
    };

    private static final class Slot {
        /** tcp_proxy connections of this worker to the host, connecting or open. */
        int connections;
        final ArrayDeque<TcpProxySession> waiting = new ArrayDeque<>(2);
    }

    private TcpHostSlots() {
    }

    /**
     * Envoy's canCreateConnection on the host (its connections against the per-host limit): true
     * takes one of this worker's slots for {@code h}; false queued the session (a pending stream
     * already, {@link TcpPoolCounts}) until {@link #release} frees one.
     */
    static boolean acquire(TcpProxySession s, Cluster cluster, Host h) {
        Map<Host, Slot> slots = SLOTS.get();
        Slot slot = slots.get(h);
        // Every pool's connections to the host, connecting or open (HTTP's and tcp_proxy's alike):
        // Envoy's host cx_active counts a connection from its connect.
        if (h.poolConnections.get() >= cluster.config().options().maxConnectionsPerHost()) {
            s.clusterStats.upstreamCxOverflow.increment();
            if (slot != null && slot.connections > 0) {
                Slot waitingIn = slot;
                waitingIn.waiting.add(s);
                // A downstream that leaves while waiting gives its place up.
                s.downstream.closeFuture().addListener(f -> {
                    if (waitingIn.waiting.remove(s)) {
                        forgetIfIdle(h, waitingIn);
                    }
                });
                return false;
            }
        }
        if (slot == null) {
            slot = new Slot();
            slots.put(h, slot);
        }
        slot.connections++;
        return true;
    }

    /**
     * One of this worker's connections to {@code h} closed (or failed to open): the longest
     * waiting session, if any, tries again for the host (on the worker's loop, where the connection closed).
     */
    static void release(Cluster cluster, Host h) {
        Slot slot = SLOTS.get().get(h);
        if (slot == null) {
            return;
        }
        slot.connections--;
        TcpProxySession next;
        while ((next = slot.waiting.poll()) != null) {
            if (next.downstream.isActive()) {
                break;
            }
        }
        forgetIfIdle(h, slot);
        if (next != null) {
            TcpUpstreamAttempts.resume(next, cluster, h);
        }
    }

    private static void forgetIfIdle(Host h, Slot slot) {
        if (slot.connections <= 0 && slot.waiting.isEmpty()) {
            SLOTS.get().remove(h, slot);
        }
    }
}
