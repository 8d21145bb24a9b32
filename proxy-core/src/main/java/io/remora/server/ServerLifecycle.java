package io.remora.server;

import io.netty.channel.EventLoopGroup;
import io.remora.listener.FilterChainRuntime;
import io.remora.stats.StatsRegistry;
import io.remora.upstream.ClusterManagerImpl;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The server's life from its workers' start to its close: the worker loops and the overload manager it starts,
 * its drains ({@code /drain_listeners}, the shutdown drain) and its close, as Envoy's server and drain manager
 * take them. The workers only read the drain's {@link ServerDrainScope}.
 *
 * <p>Guarded by the {@link Server}'s monitor, as {@link ListenerManager}: the server calls in holding it, and
 * the shutdown drain takes it for its first step only, so that nothing else waits through the drain.
 */
final class ServerLifecycle {
    private final Object monitor;
    private final ServerOptions options;
    private final StatsRegistry stats;
    private final ClusterManagerImpl clusterManager;
    private final ServerListenerRegistry registry;
    private final ListenerManager listeners;
    private final ServerDrainScope drainScope;
    private volatile io.remora.overload.OverloadManager overload;
    private EventLoopGroup workers;
    private WorkerLoops workerLoops;
    private boolean stopped;

    ServerLifecycle(Object monitor, ServerOptions options, StatsRegistry stats, ClusterManagerImpl clusterManager,
                    ServerListenerRegistry registry, ListenerManager listeners, ServerDrainScope drainScope) {
        this.monitor = monitor;
        this.options = options;
        this.stats = stats;
        this.clusterManager = clusterManager;
        this.registry = registry;
        this.listeners = listeners;
        this.drainScope = drainScope;
    }

    io.remora.overload.OverloadManager overload() {
        return overload;
    }

    /** Started and not stopped: config updates may apply. */
    boolean running() {
        return workers != null && !stopped;
    }

    boolean started() {
        return workers != null;
    }

    /** Starts the workers' loops (listeners bind on them from now on) and the overload manager. */
    void startLoops(io.remora.config.WatchdogConfig watchdog, boolean dispatcherStats,
                    io.remora.config.OverloadManagerConfig overloadConfig) {
        if (workers != null) {
            throw new IllegalStateException("already started");
        }
        workerLoops = WorkerLoops.start(options, stats, watchdog, dispatcherStats);
        workers = workerLoops.group;
        listeners.workers(workers, new ListenerBinder(options.transport(), workers));
        overload = io.remora.overload.OverloadManager.create(overloadConfig, stats).start();
    }

    /** See {@link Server#startWorkers}. */
    void startWorkers() {
        if (workers == null || stopped || drainScope.any()) {
            return; // draining before it was initialized: its listeners never listen
        }
        listeners.startWorkers();
    }

    /**
     * See {@link Server#drainListeners}. As Envoy's handlerDrainListeners: a graceful drain the running one
     * already covers changes nothing; with {@code skipExit} the listeners are never stopped.
     */
    void drainListeners(boolean inboundOnly, boolean graceful, boolean skipExit) {
        if (workers == null || stopped || graceful && drainScope.reaches(inboundOnly)) {
            return;
        }
        ServerSnapshot current = listeners.snapshot();
        Duration drainTime = listeners.drainTime(current.config());
        DrainDecision drain = DrainDecision.begin(options.drainStrategy(), drainTime);
        drainScope.start(inboundOnly, drain);
        ServerDrain.drainListeners(workers, current.listeners().values(), inboundOnly, graceful, skipExit,
                drainTime, drain, stoppedListeners -> {
                    synchronized (monitor) {
                        listeners.stopped(stoppedListeners);
                    }
                });
    }

    /** See {@link Server#drainAndStop}. */
    DrainReport drainAndStop(Duration drainTime) {
        List<FilterChainRuntime> chains;
        long start = System.nanoTime();
        synchronized (monitor) {
            if (stopped || workers == null) {
                stopped = true;
                return new DrainReport(Duration.ZERO, false, 0, 0);
            }
            drainScope.start(false, DrainDecision.immediate());
            stats.server().live.set(0);
            chains = new ArrayList<>();
            for (ActiveListener al : listeners.snapshot().listeners().values()) {
                al.stopAccepting();
                chains.addAll(al.runtime.chains());
            }
        }
        chains.forEach(ServerDrain::startShutdownDrain);
        clusterManager.drainPoolsForShutdown();
        ServerDrain.awaitConnections(registry, stats, start, drainTime);
        long connectionsLeft = registry.activeConnections();
        long requestsLeft = stats.activeRequests();
        synchronized (monitor) {
            close();
        }
        return ServerDrain.report(start, drainTime, connectionsLeft, requestsLeft);
    }

    /** See {@link Server#close}. */
    void close() {
        if (overload != null) {
            overload.close();
        }
        if (workerLoops != null) {
            workerLoops.stopWatching();
        }
        if (workers == null) {
            stopped = true;
            clusterManager.close();
            return;
        }
        if (stopped && workers.isShutdown()) {
            return;
        }
        stopped = true;
        listeners.stop();
        drainScope.start(false, DrainDecision.immediate());
        stats.server().live.set(0);
        listeners.snapshot().listeners().values().forEach(ServerDrain::closeNow);
        workers.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
        clusterManager.close();
    }
}
