package io.remora.server;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Envoy's per-listener init manager: the targets a listener's filters register while it is built
 * (a JWKS fetch with {@code async_fetch.fast_listener: false}), and the moment all of them are ready.
 * Until then the listener is warming: not listened on if new, its old filters serving if changed.
 */
final class ListenerInit {
    /** What {@link ServerContext#initTarget} gives when no listener is being built. */
    static final Runnable NOTHING_TO_WAIT = () -> { };

    private final String listener;
    private final CompletableFuture<Void> ready = new CompletableFuture<>();
    private final Set<String> pending = new LinkedHashSet<>();
    private int unnamed;
    private boolean sealed;

    ListenerInit(String listener) {
        this.listener = listener;
    }

    /** Registers a target; the action marks it ready (once; later runs do nothing). */
    synchronized Runnable add(String target) {
        if (sealed) {
            return NOTHING_TO_WAIT; // built after the listener's init: Envoy's init manager ignores it too
        }
        String name = pending.add(target) ? target : target + "#" + ++unnamed;
        AtomicBoolean once = new AtomicBoolean();
        return () -> {
            if (once.compareAndSet(false, true)) {
                done(name);
            }
        };
    }

    /** No more targets: ready completes when those registered are (at once when none was). */
    CompletableFuture<Void> seal() {
        boolean now;
        synchronized (this) {
            sealed = true;
            now = pending.isEmpty();
        }
        if (now) {
            ready.complete(null);
        }
        return ready;
    }

    String listener() {
        return listener;
    }

    /** The targets not ready yet, for the admin's unready targets. */
    synchronized List<String> pending() {
        return new ArrayList<>(pending);
    }

    private void done(String name) {
        boolean now;
        synchronized (this) {
            now = pending.remove(name) && pending.isEmpty() && sealed;
        }
        if (now) {
            ready.complete(null);
        }
    }
}
