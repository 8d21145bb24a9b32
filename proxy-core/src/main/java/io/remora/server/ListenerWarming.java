package io.remora.server;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

/**
 * The listeners waiting for their filters' init targets, by name, as Envoy's listener manager keeps its warming
 * list: a listener replaced or removed before it warmed is settled without being served; one whose targets are all
 * ready takes over through the server. Guarded by the {@link Server}'s monitor: the map is replaced whole.
 */
final class ListenerWarming {
    private Map<String, ListenerUpdate.WarmingListener> warming = Map.of();

    /** What warms now, for the next {@link ListenerUpdate}. */
    Map<String, ListenerUpdate.WarmingListener> current() {
        return warming;
    }

    /**
     * An update's warming listeners replace the previous ones: those no longer there are settled, and the new ones
     * go to {@code onReady} once their targets are ready (off the thread that readied the last target: binding
     * waits on the workers' loops).
     */
    void replace(Map<String, ListenerUpdate.WarmingListener> next, Consumer<ListenerUpdate.WarmingListener> onReady) {
        Map<String, ListenerUpdate.WarmingListener> before = warming;
        warming = Collections.unmodifiableMap(next);
        for (ListenerUpdate.WarmingListener w : before.values()) {
            if (next.get(w.config().name()) != w) {
                w.settled().complete(null); // replaced or removed before it warmed: never served
            }
        }
        for (ListenerUpdate.WarmingListener w : next.values()) {
            if (before.get(w.config().name()) != w) {
                w.ready().thenRunAsync(() -> onReady.accept(w));
            }
        }
    }

    /** A listener warmed: false when it was replaced or removed meanwhile, else it leaves the warming list. */
    boolean take(ListenerUpdate.WarmingListener w) {
        if (warming.get(w.config().name()) != w) {
            return false;
        }
        Map<String, ListenerUpdate.WarmingListener> rest = new LinkedHashMap<>(warming);
        rest.remove(w.config().name());
        warming = Collections.unmodifiableMap(rest);
        return true;
    }

    boolean contains(String name) {
        return warming.containsKey(name);
    }

    /** Completes when none of the listeners warming now is warming any more (active or dropped). */
    CompletableFuture<Void> settled() {
        return CompletableFuture.allOf(warming.values().stream().map(ListenerUpdate.WarmingListener::settled)
                .toArray(CompletableFuture[]::new));
    }

    /** The init targets still pending, as Envoy's {@code /init_dump} names them. */
    Map<String, List<String>> unreadyTargets() {
        Map<String, List<String>> out = new LinkedHashMap<>();
        for (ListenerUpdate.WarmingListener w : warming.values()) {
            List<String> pending = w.init().pending();
            if (!pending.isEmpty()) {
                out.put("init manager Listener-local-init-manager " + w.config().name(), pending);
            }
        }
        return out;
    }
}
