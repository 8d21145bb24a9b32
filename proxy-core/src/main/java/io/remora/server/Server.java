package io.remora.server;

import io.remora.accesslog.AccessLog;
import io.remora.config.AccessLogConfig;
import io.remora.config.ServerConfig;
import io.remora.listener.ListenerRuntime;
import io.remora.network.ConnectionFilterFactory;
import io.remora.network.NetworkFilterFactory;
import io.remora.stats.StatsRegistry;
import io.remora.upstream.ClusterManagerImpl;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;

/**
 * The running data plane: worker event loops, listeners ({@link ListenerManager}), clusters.
 * Config arrives as whole {@link ServerConfig} snapshots; {@link #update} diffs them against what
 * runs.
 *
 * <p>All mutations run on the caller's (control) thread and are serialized by this object's
 * monitor; workers only read the published {@link ServerSnapshot} and each listener's runtime.
 */
public final class Server implements AutoCloseable {
    private final ClusterManagerImpl clusterManager;
    private final io.remora.tls.SecretManager secrets = new io.remora.tls.SecretManager();
    private final ServerContextImpl context;
    private final ServerListenerRegistry registry = new ServerListenerRegistry(this);
    private final ListenerManager listeners;
    private final ServerLifecycle lifecycle;
    private final ServerDrainScope drainScope = new ServerDrainScope();
    private volatile Function<List<AccessLogConfig>, List<AccessLog>> accessLogFactory = c -> List.of();
    private io.remora.config.OverloadManagerConfig overloadConfig;
    private io.remora.config.WatchdogConfig workerWatchdog = io.remora.config.WatchdogConfig.DEFAULTS;
    /** Envoy's enable_dispatcher_stats: the workers' loops measured. */
    private boolean dispatcherStats;
    /** What of the clusters the server's initialization waits for. */
    private final ClusterInit clusterInit;

    public Server(ServerOptions options, StatsRegistry stats, List<NetworkFilterFactory<?>> filterFactories) {
        this(options, stats, filterFactories, List.of());
    }

    /**
     * @param filterFactories           one per terminal network filter kind (tcp_proxy, HCM)
     * @param connectionFilterProviders one per non-terminal network filter kind
     */
    public Server(ServerOptions options, StatsRegistry stats, List<NetworkFilterFactory<?>> filterFactories,
                  List<ConnectionFilterFactory.Provider<?>> connectionFilterProviders) {
        io.remora.tls.CertificateExpiry.register(stats.meterRegistry(), secrets);
        this.clusterManager = new ClusterManagerImpl(stats, null, secrets,
                options.transport());
        this.clusterInit = new ClusterInit(clusterManager);
        this.context = new ServerContextImpl(options.transport(), clusterManager, stats,
                () -> snapshot().config(), () -> accessLogFactory, drainScope,
                name -> snapshot().routeTables().get(name), this::overload, secrets);
        ListenerRuntimeFactory runtimes = new ListenerRuntimeFactory(filterFactories, connectionFilterProviders,
                context, secrets, stats);
        clusterManager.upstreamFilters(runtimes::connectionFilter, context);
        this.listeners = new ListenerManager(this, runtimes, registry, options.drainTime(), options.drainStrategy(),
                new ListenerChangeStats(stats.listenerManager(), options.concurrency()));
        this.lifecycle = new ServerLifecycle(this, options, stats, clusterManager, registry, listeners, drainScope);
    }

    /** The bootstrap's overload_manager (null: the defaults); takes effect at {@link #start}. */
    public synchronized Server overloadManager(io.remora.config.OverloadManagerConfig config) {
        this.overloadConfig = config;
        return this;
    }

    /** The bootstrap's worker watchdog (default: Envoy's); takes effect at {@link #start}. */
    public synchronized Server workerWatchdog(io.remora.config.WatchdogConfig config) {
        this.workerWatchdog = config;
        return this;
    }

    /** The bootstrap's enable_dispatcher_stats: each worker's {@code listener_manager.worker_<N>.dispatcher.*}; at {@link #start}. */
    public synchronized Server dispatcherStats(boolean enabled) {
        this.dispatcherStats = enabled;
        return this;
    }

    /** The running overload manager (null before start). */
    public io.remora.overload.OverloadManager overload() {
        return lifecycle.overload();
    }

    /**
     * The HTTP filter kinds clusters' upstream HTTP filters may use (Envoy's upstream-capable
     * filters); without it a cluster listing any is refused.
     */
    public Server upstreamHttpFilters(List<io.remora.http.filter.HttpFilterFactory.Provider<?>> providers) {
        clusterManager.upstreamHttpFilters(new io.remora.http.filter.HttpFilterFactories(providers));
        return this;
    }

    /** Plugs in the access log implementation; the default logs nothing. */
    public Server accessLogFactory(Function<List<AccessLogConfig>, List<AccessLog>> factory) {
        this.accessLogFactory = factory;
        return this;
    }

    /** Plugs in the line writers of filters' own log files (mongo_proxy's access_log). */
    public Server accessLogFiles(Function<String, java.util.function.Consumer<String>> files) {
        context.accessLogFiles(files);
        return this;
    }

    /** Plugs in the tracing providers' exporters (one sink per provider config); the default has none. */
    public Server spanSinks(Function<io.remora.config.TracingConfig.Provider, io.remora.tracing.SpanSink> sinks) {
        context.spanSinks(sinks);
        return this;
    }

    /** Who answers {@link ServerContext#onDemand()} (the xDS client, once it runs). */
    public Server onDemand(OnDemandDiscovery discovery) {
        context.onDemand(discovery);
        return this;
    }

    /** Where {@link ServerContext#healthCheckFailed()} reads the admin's health-check state; the default: never failed. */
    public Server healthCheckFailed(java.util.function.BooleanSupplier failed) {
        context.healthCheckFailed(failed);
        return this;
    }

    /** Envoy's local address ({@code --local-address-ip-version}), see {@link LocalAddress}. */
    public Server localAddress(java.net.InetAddress address) {
        context.localAddress(address);
        return this;
    }

    /** Plugs in the layered runtime that {@link ServerContext#runtime()} reads; the default is empty. */
    public Server runtime(io.remora.runtime.RuntimeLoader loader) {
        context.runtime(loader::snapshot);
        return this;
    }

    /** Builds clusters, binds every listener of the config and listens; throws if a bind fails. */
    public synchronized void start(ServerConfig config) {
        initialize(config);
        startWorkers();
    }

    /**
     * Builds clusters and binds every listener of the config without listening: connects are refused
     * until {@link #startWorkers}, as Envoy's until its server is initialized. Throws if a bind fails.
     */
    public synchronized void initialize(ServerConfig config) {
        lifecycle.startLoops(workerWatchdog, dispatcherStats, overloadConfig);
        try {
            clusterManager.update(config.clusters());
            listeners.apply(config, true);
        } catch (RuntimeException e) {
            close();
            throw e;
        }
    }

    /**
     * Envoy's startWorkers: the server is initialized, every listener bound so far listens, and those
     * added from now on listen once they warm. One that cannot listen is logged and left out.
     */
    public synchronized void startWorkers() {
        lifecycle.startWorkers();
    }

    /**
     * Completes when each cluster the server has now is initialized, as Envoy's cluster manager
     * initializes one: a DNS cluster's first resolution (answered or failed; unless
     * wait_for_warm_on_init is false), then the first active health check of each of its hosts,
     * pass or fail. At once when no cluster waits for either.
     */
    public CompletableFuture<Void> clustersInitialized() {
        return clusterInit.initialized();
    }

    /** Completes when the cluster of this name is initialized (see {@link #clustersInitialized}); at once without one. */
    public CompletableFuture<Void> clusterInitialized(String name) {
        return clusterInit.initialized(name);
    }

    /**
     * The clusters whose initialization the server still waits for, as {@code /init_dump} names
     * them: {@code "init manager ClusterManager"} with {@code "Cluster <name>"}.
     */
    public Map<String, List<String>> unreadyClusterTargets() {
        return listeners.workersStarted() ? Map.of() : clusterInit.unready();
    }

    /** Applies a new snapshot: unchanged listeners keep their sockets, changed ones drain. */
    public synchronized void update(ServerConfig config) {
        update(config, java.util.Set.of());
    }

    /** As {@link #update(ServerConfig)}, {@code countedAhead} counted by {@link #listenerChangesAhead} already. */
    public synchronized void update(ServerConfig config, java.util.Set<String> countedAhead) {
        if (!lifecycle.running()) {
            throw new IllegalStateException("not running");
        }
        clusterManager.update(config.clusters());
        listeners.changes().countedAhead(countedAhead);
        try {
            listeners.apply(config, false);
        } finally { // also when the bind fails before the stats are counted
            listeners.changes().countedAhead(java.util.Set.of());
        }
    }

    /** Listener changes a source took while they warm, before applying them (Envoy counts them as LDS brings them). */
    public synchronized void listenerChangesAhead(int added, int modified, int removed) {
        listeners.changes().changedAhead(added, modified, removed);
    }

    /**
     * The listeners of {@code listeners} whose address this server could not bind now (in use, not on this host), by
     * name, with Envoy's reason ({@code cannot bind '127.0.0.1:80': Address already in use}); those that keep their
     * running socket are not probed. Envoy binds as it takes an LDS update, so such a listener fails the update.
     */
    public synchronized Map<String, String> unbindable(List<io.remora.config.ListenerConfig> listeners) {
        return !lifecycle.running() ? Map.of() : this.listeners.unbindable(listeners);
    }

    /**
     * The listeners a configuration source holds back while what they need is fetched (not applied yet, so not in
     * {@link #listenerWarming}): Envoy's warming list has them already, and so does {@code total_listeners_warming}.
     */
    public synchronized void listenersWarmingAhead(java.util.Set<String> names) {
        listeners.warmingAhead(names);
    }

    /** Envoy's workers started: the server is initialized and its listeners listen (any thread). */
    public boolean workersStarted() {
        return listeners.workersStarted();
    }

    /** The listeners draining after an update replaced them in full or removed them, by name (any thread). */
    public java.util.Set<String> drainingListeners() {
        return listeners.changes().drainingListeners();
    }

    /** Whether the listener of this name waits for its filters' init targets. */
    public synchronized boolean listenerWarming(String name) {
        return listeners.warming(name);
    }

    /** Completes when no listener of the configs applied so far is warming any more (active or dropped). */
    public synchronized CompletableFuture<Void> listenersWarmed() {
        return listeners.warmed();
    }

    /**
     * The init targets warming listeners still wait for, as Envoy's {@code /init_dump} names them: by
     * {@code "init manager Listener-local-init-manager <listener>"}.
     */
    public synchronized Map<String, List<String>> unreadyListenerTargets() {
        return listeners.unreadyTargets();
    }

    public ServerConfig config() {
        return snapshot().config();
    }

    public ServerContext context() {
        return context;
    }

    /** The TLS secrets (static and SDS) that listeners and clusters resolve by name. */
    public io.remora.tls.SecretManager secrets() {
        return secrets;
    }

    /** The cluster manager (for admin and xDS). */
    public ClusterManagerImpl clusterManager() {
        return clusterManager;
    }

    /** The listener use_original_dst hands a connection to for this destination, or null. */
    ListenerRuntime listenerForOriginalDestination(InetSocketAddress destination) {
        return registry.forOriginalDestination(destination);
    }

    /** What accept-time code reads (the last published snapshot). */
    ServerSnapshot snapshot() {
        return listeners.snapshot();
    }

    /** Connections currently open across all listeners. */
    public long activeConnections() {
        return registry.activeConnections();
    }

    /** The address a listener is bound to (after port 0 was resolved), or null. */
    public SocketAddress boundAddress(String listenerName) {
        return ListenerAddresses.of(snapshot(), listenerName);
    }

    /**
     * Listener names and every address their sockets are bound to (the main one first, then the
     * additional ones; empty when not bound), in config order; for /listeners.
     */
    public Map<String, List<SocketAddress>> listenerAddresses() {
        return ListenerAddresses.all(snapshot());
    }

    /** Listener names and bound addresses (null when not bound), in config order. */
    public Map<String, SocketAddress> boundAddresses() {
        return ListenerAddresses.main(snapshot());
    }

    /**
     * Envoy's {@code POST /drain_listeners}: the filters of the chosen listeners start draining
     * (HTTP answers with {@code connection: close} / GOAWAY) and the server reports draining
     * (see {@link ServerDrain#drainListeners}); {@link #drainAndStop} ends what stays open.
     *
     * @param inboundOnly only listeners whose traffic direction is INBOUND
     */
    public synchronized void drainListeners(boolean inboundOnly, boolean graceful) {
        drainListeners(inboundOnly, graceful, false);
    }

    /** As {@link #drainListeners(boolean, boolean)}; {@code skipExit}: the listeners are never stopped. */
    public synchronized void drainListeners(boolean inboundOnly, boolean graceful, boolean skipExit) {
        lifecycle.drainListeners(inboundOnly, graceful, skipExit);
    }

    /** Stops accepting, lets in-flight work finish up to drainTime, then closes everything. */
    public DrainReport drainAndStop(Duration drainTime) {
        return lifecycle.drainAndStop(drainTime);
    }

    @Override
    public synchronized void close() {
        lifecycle.close();
    }
}
