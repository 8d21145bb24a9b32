package io.remora.server;

import io.netty.channel.EventLoopGroup;
import io.remora.config.ServerConfig;
import io.remora.listener.FilterChainRuntime;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * The server's listeners, as Envoy's listener manager keeps them: each config binds what changed
 * ({@link ListenerUpdate}), swaps filter-chain runtimes, stops and drains what left, and publishes
 * the {@link ServerSnapshot} workers read; a listener with init targets warms
 * ({@link ListenerWarming}) and takes over once they are ready. Until the workers start, bound
 * listeners do not listen.
 *
 * <p>Guarded by the {@link Server}'s monitor: the server calls in holding it, and the warmed
 * callback, which runs on another thread, takes it.
 */
final class ListenerManager {
    private static final java.util.logging.Logger LOG = io.remora.log.Logging.logger("main");

    private final Object monitor;
    private final ListenerRuntimeFactory runtimes;
    private final ServerListenerRegistry registry;
    /** The server's drain time, for a config that names none. */
    private final Duration drainTime;
    private final DrainStrategy drainStrategy;
    private final ListenerWarming warming = new ListenerWarming();
    private volatile ServerSnapshot snapshot = ServerSnapshot.EMPTY;
    /** Envoy's workers started: the server is initialized and its listeners listen. */
    private volatile boolean workersStarted;
    /** A listener that warms from now on is dropped. */
    private boolean stopped;
    private EventLoopGroup workers;
    private ListenerBinder binder;
    private final ListenerChangeStats stats;

    ListenerManager(Object monitor, ListenerRuntimeFactory runtimes, ServerListenerRegistry registry,
                    Duration drainTime, DrainStrategy drainStrategy, ListenerChangeStats stats) {
        this.monitor = monitor;
        this.runtimes = runtimes;
        this.registry = registry;
        this.drainTime = drainTime;
        this.drainStrategy = drainStrategy;
        this.stats = stats;
    }

    /** The workers' loops are up: listeners bind on them from now on. */
    void workers(EventLoopGroup workers, ListenerBinder binder) {
        this.workers = workers;
        this.binder = binder;
    }

    /** What accept-time code reads (the last published snapshot). */
    ServerSnapshot snapshot() {
        return snapshot;
    }

    /** @param serverInit the first config: its listeners wait for one another's init targets (Envoy's server init) */
    void apply(ServerConfig config, boolean serverInit) {
        ListenerUpdate u;
        try {
            u = ListenerUpdate.bind(snapshot, warming.current(), config, runtimes, binder, registry,
                    serverInit, workersStarted);
        } catch (ListenerUpdate.BindFailure e) {
            stats.createFailed(1);
            throw e;
        }
        stats.updated(snapshot, warming.current(), config, u, workersStarted);
        publish(config, u);
        warming.replace(u.warming, this::warmed);
        stats.lists(snapshot, warming.current(), workersStarted);
    }

    /**
     * Envoy's startWorkers: every listener bound so far listens, and those added from now on
     * listen once they warm. One that cannot listen is logged and left out.
     */
    void startWorkers() {
        if (workersStarted) {
            return;
        }
        workersStarted = true;
        snapshot.listeners().values().forEach(al -> stats.workersStarted(ListenerUpdate.listen(al)));
        stats.lists(snapshot, warming.current(), true);
    }

    boolean workersStarted() {
        return workersStarted;
    }

    /** The server stops: a listener that warms from now on is not served. */
    void stop() {
        stopped = true;
    }

    /** A warming listener's targets are all ready: it takes over, unless replaced or removed meanwhile. */
    private void warmed(ListenerUpdate.WarmingListener w) {
        synchronized (monitor) {
            if (stopped || !warming.take(w)) {
                return;
            }
            try {
                ListenerUpdate u = ListenerUpdate.warmed(snapshot, w, runtimes, binder, registry, workersStarted);
                stats.applied(u);
                publish(snapshot.config(), u);
            } catch (RuntimeException e) {
                // Envoy drops a listener whose final pre-worker init (listen()) fails
                stats.createFailed(1);
                LOG.log(java.util.logging.Level.SEVERE, "listener '" + w.config().name()
                        + "' warmed but cannot listen: " + e.getMessage());
            } finally {
                w.settled().complete(null);
                stats.lists(snapshot, warming.current(), workersStarted);
            }
        }
    }

    /** The listeners of {@code listeners} that could not bind now, with Envoy's reason ({@link BindProbe}). */
    Map<String, String> unbindable(List<io.remora.config.ListenerConfig> listeners) {
        Map<String, String> failed = binder == null ? Map.of() : BindProbe.unbindable(snapshot, listeners, binder);
        stats.createFailed(failed.size()); // Envoy makes the sockets as it takes the update
        return failed;
    }

    /** See {@link Server#listenersWarmingAhead}. */
    void warmingAhead(java.util.Set<String> names) {
        stats.warmingAhead(names);
        stats.lists(snapshot, warming.current(), workersStarted);
    }

    /** See {@link Server#listenerChangesAhead}. */
    ListenerChangeStats changes() {
        return stats;
    }

    /** {@code /drain_listeners} stopped these listeners from accepting. */
    void stopped(java.util.Collection<ActiveListener> listeners) {
        stats.stopped(listeners);
    }

    /** Whether the listener of this name waits for its filters' init targets. */
    boolean warming(String name) {
        return warming.contains(name);
    }

    /** Completes when no listener of the configs applied so far is warming any more (active or dropped). */
    CompletableFuture<Void> warmed() {
        return warming.settled();
    }

    /** The init targets warming listeners still wait for, by init manager (see {@link Server#unreadyListenerTargets}). */
    Map<String, List<String>> unreadyTargets() {
        return warming.unreadyTargets();
    }

    /** How long what a config replaces or drains may finish: its drain time, else the server's. */
    Duration drainTime(ServerConfig config) {
        return config != null && config.drainTime() != null ? config.drainTime() : drainTime;
    }

    private void publish(ServerConfig config, ListenerUpdate u) {
        ServerSnapshot old = snapshot;
        u.runtimeSwaps.forEach((al, rt) -> al.runtime = rt);
        snapshot = ServerSnapshot.of(config, u.next, old);
        for (ActiveListener al : u.toStop) {
            al.stopAccepting();
        }
        Duration d = drainTime(config);
        for (FilterChainRuntime fc : u.toDrain) {
            ServerDrain.drainThenClose(workers, fc, d, drainStrategy);
        }
        if (workersStarted) {
            stats.draining(workers, u, d);
        }
    }
}
