package io.remora.overload;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Downstream connection limits, checked at every accept as Envoy's proactive
 * {@code global_downstream_max_connections} monitor and per-listener
 * {@code envoy.resource_limits.listener.<name>.connection_limit} are. A connection over a limit is
 * closed as soon as it is accepted; its slot is released when it closes.
 */
public final class ConnectionLimits {

    /** Why a connection was refused. */
    public enum Refusal { NONE, GLOBAL, LISTENER, OVERLOAD }

    private final long globalMax;
    private final Map<String, Long> listenerMax;
    private final AtomicLong global = new AtomicLong();
    private final Map<String, AtomicLong> perListener = new ConcurrentHashMap<>();

    ConnectionLimits(long globalMax, Map<String, Long> listenerMax) {
        this.globalMax = globalMax;
        this.listenerMax = Map.copyOf(listenerMax);
    }

    /** Takes a slot for a new connection of this listener, or says which limit refuses it. */
    public Refusal tryAcquire(String listener) {
        return tryAcquire(listener, true);
    }

    /**
     * As above; {@code global} false for a listener with ignore_global_conn_limit, whose
     * connections the global limit neither counts nor refuses.
     */
    public Refusal tryAcquire(String listener, boolean global) {
        if (global && !tryAcquireGlobal()) {
            return Refusal.GLOBAL;
        }
        Long max = listenerMax.get(listener);
        if (max != null) {
            AtomicLong n = perListener.computeIfAbsent(listener, k -> new AtomicLong());
            if (n.incrementAndGet() > max) {
                n.decrementAndGet();
                if (global) {
                    this.global.decrementAndGet();
                }
                return Refusal.LISTENER;
            }
        }
        return Refusal.NONE;
    }

    /**
     * A slot under the global limit only, for a connection no listener limit applies to (the
     * admin's, as Envoy counts them unless admin.ignore_global_conn_limit); false when full.
     */
    public boolean tryAcquireGlobal() {
        if (globalMax > 0 && global.incrementAndGet() > globalMax) {
            global.decrementAndGet();
            return false;
        } else if (globalMax <= 0) {
            global.incrementAndGet();
        }
        return true;
    }

    /** Gives back a slot {@link #tryAcquireGlobal} took. */
    public void releaseGlobal() {
        global.decrementAndGet();
    }

    /** Gives back the slot of a connection that {@link #tryAcquire} admitted. */
    public void release(String listener) {
        release(listener, true);
    }

    public void release(String listener, boolean global) {
        if (global) {
            releaseGlobal();
        }
        if (listenerMax.containsKey(listener)) {
            AtomicLong n = perListener.get(listener);
            if (n != null) {
                n.decrementAndGet();
            }
        }
    }

    public long active() {
        return global.get();
    }

    long globalMax() {
        return globalMax;
    }
}
