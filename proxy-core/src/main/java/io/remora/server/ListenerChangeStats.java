package io.remora.server;

import io.netty.channel.EventLoopGroup;
import io.remora.config.ListenerConfig;
import io.remora.config.ServerConfig;
import io.remora.stats.ListenerManagerStats;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * What the listener updates count in {@link ListenerManagerStats}, at the points Envoy's ListenerManagerImpl counts
 * them: addOrUpdateListener (added, modified, in place), removeListener, the workers' adds (create_success, one per
 * worker), socket failures, the warming and active lists and what drains (for the drain time). Under the server's
 * monitor.
 */
final class ListenerChangeStats {
    private final ListenerManagerStats stats;
    private final int workers;
    /** The listeners /drain_listeners stopped: Envoy counts each listener tag once. */
    private final Set<ActiveListener> stopped = Collections.newSetFromMap(new IdentityHashMap<>());
    /** The listeners draining, by name, with how many of that name drain (the drain's timer ends on a loop). */
    private final Map<String, Integer> drainingNames = new java.util.HashMap<>();
    /** The listeners a configuration source holds back while they warm, not yet applied. */
    private Set<String> warmingAhead = Set.of();
    /** The listeners of the next update its source counted already, as it took them ({@link #changedAhead}). */
    private Set<String> countedAhead = Set.of();

    ListenerChangeStats(ListenerManagerStats stats, int workers) {
        this.stats = stats;
        this.workers = workers;
    }

    /**
     * An update bound: each listener of a new name is added; one replacing what runs or warms under its name is
     * modified (also one set back to what runs while its replacement warmed); a name gone is removed.
     */
    void updated(ServerSnapshot old, Map<String, ListenerUpdate.WarmingListener> oldWarming, ServerConfig config,
                 ListenerUpdate u, boolean workersStarted) {
        Set<String> names = new HashSet<>();
        Set<String> ahead = countedAhead;
        countedAhead = Set.of();
        for (ListenerConfig lc : config.listeners()) {
            names.add(lc.name());
            ActiveListener cur = old.listeners().get(lc.name());
            ListenerUpdate.WarmingListener w = oldWarming.get(lc.name());
            if (w != null && w.config().equals(lc)) {
                continue;
            }
            if (cur != null && cur.runtime.config().equals(lc)) {
                if (w != null) {
                    stats.addedOrModified(false);
                }
                continue;
            }
            if (!ahead.contains(lc.name())) {
                stats.addedOrModified(cur == null && w == null);
            }
            if (cur != null && workersStarted && ListenerUpdate.inPlace(cur.runtime.config(), lc)) {
                stats.inPlaceUpdated();
            }
        }
        Set<String> gone = new HashSet<>(old.listeners().keySet());
        gone.addAll(oldWarming.keySet());
        gone.removeAll(names);
        gone.forEach(n -> stats.removed());
        applied(u);
    }

    /** What an update (or a warmed listener) handed to the workers. */
    void applied(ListenerUpdate u) {
        stats.created(u.created * workers);
    }

    void createFailed(int listeners) {
        for (int i = 0; i < listeners; i++) {
            stats.createFailed();
        }
    }

    /** The workers start: each listener that listens is added to every worker; one that cannot failed. */
    void workersStarted(boolean listens) {
        if (listens) {
            stats.created(workers);
        } else {
            stats.createFailed();
        }
    }

    /**
     * Envoy's total_listeners_active and total_listeners_warming: before its workers start every listener is in the
     * active list, warming or not.
     */
    void lists(ServerSnapshot snapshot, Map<String, ListenerUpdate.WarmingListener> warming, boolean workersStarted) {
        Set<String> warmingNames = new HashSet<>(warming.keySet());
        warmingNames.addAll(warmingAhead);
        if (workersStarted) {
            stats.listeners(snapshot.listeners().size(), warmingNames.size());
            return;
        }
        Set<String> names = new HashSet<>(snapshot.listeners().keySet());
        names.addAll(warmingNames);
        stats.listeners(names.size(), 0);
    }

    /** See {@link Server#listenersWarmingAhead}. */
    void warmingAhead(Set<String> names) {
        warmingAhead = Set.copyOf(names);
    }

    /** See {@link Server#listenerChangesAhead}. */
    void changedAhead(int added, int modified, int removed) {
        for (int i = 0; i < added; i++) {
            stats.addedOrModified(true);
        }
        for (int i = 0; i < modified; i++) {
            stats.addedOrModified(false);
        }
        for (int i = 0; i < removed; i++) {
            stats.removed();
        }
    }

    /** The next update's listeners of these names were counted by {@link #changedAhead} already. */
    void countedAhead(Set<String> names) {
        countedAhead = Set.copyOf(names);
    }

    /** Listeners and in-place filter chains that drain for {@code drainTime}, then are gone. */
    void draining(EventLoopGroup loops, ListenerUpdate u, Duration drainTime) {
        List<String> names = new ArrayList<>(u.replacedOnSocket);
        u.toStop.forEach(al -> names.add(al.name));
        long listeners = names.size();
        long chains = u.inPlaceDrainingChains;
        if (listeners == 0 && chains == 0) {
            return;
        }
        stats.drainingListeners(listeners);
        stats.drainingFilterChains(chains);
        synchronized (drainingNames) {
            names.forEach(n -> drainingNames.merge(n, 1, Integer::sum));
        }
        loops.next().schedule(() -> {
            stats.drainingListeners(-listeners);
            stats.drainingFilterChains(-chains);
            synchronized (drainingNames) {
                names.forEach(n -> drainingNames.computeIfPresent(n, (k, c) -> c == 1 ? null : c - 1));
            }
        }, Math.max(0, drainTime.toMillis()), TimeUnit.MILLISECONDS);
    }

    /** The names of the listeners draining now, replaced in full or removed (Envoy's draining list). */
    Set<String> drainingListeners() {
        synchronized (drainingNames) {
            return Set.copyOf(drainingNames.keySet());
        }
    }

    /** {@code /drain_listeners} stopped these listeners. */
    void stopped(Collection<ActiveListener> listeners) {
        for (ActiveListener al : listeners) {
            if (stopped.add(al)) {
                stats.stopped();
            }
        }
    }
}
