package io.remora.extensions.filters.common;

import java.util.function.Supplier;

/**
 * The per-instance home of a config's runtime state (token buckets, stats): each translated config
 * gets its own, as each of Envoy's filter configs owns its state, so two routes with equal configs
 * still have separate buckets. All slots are equal to each other, so that the config keeps value
 * equality (a listener whose config did not change is kept, state included).
 */
public final class RuntimeSlot {

    private volatile Object state;

    /** The state, made by {@code make} on first use (per-route configs arrive with routes, on any worker). */
    public <T> T get(Class<T> type, Supplier<T> make) {
        Object s = state;
        if (type.isInstance(s)) {
            return type.cast(s);
        }
        synchronized (this) {
            if (!type.isInstance(state)) {
                state = make.get();
            }
            return type.cast(state);
        }
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof RuntimeSlot;
    }

    @Override
    public int hashCode() {
        return 1;
    }

    @Override
    public String toString() {
        return "RuntimeSlot";
    }
}
