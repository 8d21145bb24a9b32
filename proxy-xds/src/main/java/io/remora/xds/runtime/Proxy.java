package io.remora.xds.runtime;

import io.envoyproxy.envoy.config.bootstrap.v3.Bootstrap;
import io.remora.accesslog.AccessLogs;
import io.remora.admin.AdminServer;
import io.remora.admin.ServerState;
import io.remora.config.NodeInfo;
import io.remora.config.ServerConfig;
import io.remora.extensions.ExtensionRegistry;
import io.remora.server.Server;
import io.remora.server.ServerOptions;
import io.remora.stats.StatsRegistry;
import io.remora.xds.ads.XdsClient;
import io.remora.xds.ads.XdsClientFactory;
import io.remora.xds.ads.XdsConfigApplier;
import io.remora.xds.ads.XdsRejectedException;
import io.remora.xds.ads.XdsSnapshot;
import io.remora.xds.bootstrap.ConfigDumpBuilder;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.logging.Logger;

/**
 * One running Remora: the data plane {@link Server}, the admin API, access logs and, when the
 * bootstrap asks for it, the xDS client feeding both. Everything a process needs between
 * "config loaded" and "exit".
 */
public final class Proxy implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger("remora.main");

    private final Bootstrap bootstrap;
    private final ServerConfig base;
    private final StatsRegistry stats;
    private final ServerState state;
    private final AccessLogs accessLogs;
    private final io.remora.xds.accesslog.GrpcAccessLogFactory grpcAccessLogs;
    private final io.remora.xds.fluentd.FluentdLoggers fluentdLoggers;
    private final Server server;
    private final ConfigDumpBuilder staticDump;
    private final Map<String, Object> commandLine;
    private final Runnable quit;
    private AdminServer admin;
    private final io.remora.xds.translate.WatchdogTranslator.Watchdogs watchdogs;
    private io.remora.server.GuardDog mainGuardDog;
    private XdsClient xds;
    /** Set when the proxy stops: an xDS client whose start was still waiting for its cluster never starts. */
    private boolean xdsClosed;
    /** cluster_manager.load_stats_config and clusters' lrs_server streams; null when there are none. */
    private volatile io.remora.xds.lrs.LoadReporting loadReporting;
    private final DynamicConfig dynamic;
    private final io.remora.runtime.RuntimeLoader runtime;
    private final RtdsLayers rtdsLayers;
    private final TracingExporters tracing;
    private io.remora.stats.StatsFlusher statsFlusher;
    private volatile boolean flushStatsOnAdmin;
    private io.remora.runtime.RuntimeWatcher runtimeWatcher;
    private volatile XdsSnapshot applied;
    /** The server's init ended once (several first-config paths may reach it). */
    private final java.util.concurrent.atomic.AtomicBoolean wentLive = new java.util.concurrent.atomic.AtomicBoolean();
    private final SdsSecrets sdsSecrets;
    /** Secrets from sds_config path_config_source files, static and dynamic listeners' and clusters'. */
    private final io.remora.xds.ads.SdsFileSecrets fileSecrets;
    private final io.remora.xds.ads.SecretFileWatch secretFiles;

    /**
     * @param quit what {@code /quitquitquit} does (the caller's shutdown path)
     */
    public Proxy(Bootstrap bootstrap, ServerConfig config, ServerOptions options, Duration fileFlushInterval,
                 Map<String, Object> commandLine, Runnable quit) {
        this.bootstrap = bootstrap;
        this.base = config;
        io.remora.xds.translate.StatsConfigTranslator.Settings statsSettings =
                io.remora.xds.translate.StatsConfigTranslator.settings(bootstrap,
                        io.remora.xds.translate.TranslationContext.lenient());
        // Its histograms can hand every sample to the statsd sinks (kept only when one is configured).
        this.stats = new StatsRegistry(new io.remora.stats.SampledMeterRegistry(),
                statsSettings.inclusion(), statsSettings.tags(), statsSettings.buckets());
        if (statsSettings.serverVersion() != null) {
            stats.server().version.set(statsSettings.serverVersion());
        }
        this.state = new ServerState(stats.server());
        ServerFlags.load(bootstrap, state);
        // The bootstrap's tracing.http: for connection managers whose tracing names no provider.
        io.remora.config.TracingConfig.Provider bootstrapTracer = io.remora.xds.translate.TracingTranslator
                .bootstrapProvider(bootstrap, io.remora.xds.translate.TranslationContext.lenient());
        this.dynamic = new DynamicConfig(config, stats.meterRegistry(), VhdsRouteConfigs.Ads.of(bootstrap));
        this.commandLine = commandLine;
        this.quit = quit;
        this.accessLogs = new AccessLogs(fileFlushInterval.toMillis(), AccessLogs.DEFAULT_QUEUE_CAPACITY);
        this.staticDump = new ConfigDumpBuilder(bootstrap, Instant.now());
        this.runtime = new io.remora.runtime.RuntimeLoader(
                io.remora.xds.translate.RuntimeTranslator.translate(bootstrap,
                        io.remora.xds.translate.TranslationContext.lenient()),
                config.node() == null ? null : config.node().cluster(), stats.meterRegistry());
        accessLogs.runtime(runtime::snapshot);
        this.rtdsLayers = new RtdsLayers(runtime);
        try {
            this.runtimeWatcher = io.remora.runtime.RuntimeWatcher.start(runtime);
        } catch (java.io.IOException e) {
            LOG.warning("runtime: cannot watch the disk layers for symlink swaps: " + e.getMessage());
        }
        this.tracing = new TracingExporters(bootstrapTracer, config.node(), () -> server().clusterManager(),
                runtime::snapshot, stats.meterRegistry(), this::fluentdLoggers);
        ExtensionRegistry extensions = ExtensionRegistry.get();
        this.server = new Server(options, stats, extensions.terminalFilterRuntimes(),
                extensions.networkFilterRuntimes()).accessLogFactory(accessLogs::create).runtime(runtime)
                .upstreamHttpFilters(extensions.httpFilterRuntimes())
                .healthCheckFailed(state::healthCheckFailed)
                .spanSinks(tracing::sink)
                .overloadManager(io.remora.xds.translate.OverloadManagerTranslator.translate(bootstrap,
                        io.remora.xds.translate.TranslationContext.lenient()));
        // The gRPC access log service's identifier: the bootstrap's node with the id and cluster in effect.
        var alsNode = bootstrap.getNode().toBuilder();
        if (config.node() != null) {
            alsNode.setId(config.node().id()).setCluster(config.node().cluster());
        }
        this.grpcAccessLogs = new io.remora.xds.accesslog.GrpcAccessLogFactory(config.node(), alsNode.build(),
                server.clusterManager(), stats.meterRegistry());
        this.fluentdLoggers = new io.remora.xds.fluentd.FluentdLoggers(server.clusterManager(),
                server.context().transport(), stats.meterRegistry());
        accessLogs.external(c -> c.external() instanceof io.remora.xds.fluentd.FluentdLogConfig f
                ? fluentdLoggers.create(f) : grpcAccessLogs.create(c));
        this.secretFiles = new io.remora.xds.ads.SecretFileWatch(server.secrets());
        this.sdsSecrets = new SdsSecrets(server.secrets(), secretFiles);
        sdsSecrets.applyStatic(bootstrap.getStaticResources().getSecretsList());
        this.fileSecrets = new io.remora.xds.ads.SdsFileSecrets(server.secrets(), secretFiles);
        fileSecrets.watch(io.remora.xds.ads.SdsFileRefs.find(bootstrap.getStaticResources(),
                io.remora.xds.translate.FieldPath.ROOT.field("static_resources")));
        stats.server().concurrency.set(options.concurrency());
        this.watchdogs = io.remora.xds.translate.WatchdogTranslator.translate(bootstrap,
                io.remora.xds.translate.TranslationContext.lenient());
        server.workerWatchdog(watchdogs.workers());
        server.dispatcherStats(bootstrap.getEnableDispatcherStats());
        // inline_headers: more names Envoy's header maps hold in one entry, joined when repeated.
        for (var h : bootstrap.getInlineHeadersList()) {
            io.remora.http.InlineHeaders.register(switch (h.getInlineHeaderType()) {
                case REQUEST_TRAILER -> io.remora.http.InlineHeaders.Kind.REQUEST_TRAILERS;
                case RESPONSE_HEADER -> io.remora.http.InlineHeaders.Kind.RESPONSE_HEADERS;
                case RESPONSE_TRAILER -> io.remora.http.InlineHeaders.Kind.RESPONSE_TRAILERS;
                default -> io.remora.http.InlineHeaders.Kind.REQUEST_HEADERS;
            }, h.getInlineHeaderName());
        }
        // cluster_manager.outlier_detection.event_log_path: one outlier event log for every cluster.
        server.clusterManager().outlierEventLogPath(bootstrap.getClusterManager().getOutlierDetection().getEventLogPath());
        // cluster_manager.upstream_bind_config: clusters without their own bind config use it.
        server.clusterManager().defaultUpstreamBind(io.remora.xds.translate.BindConfigTranslator.clusterManagerDefault(
                bootstrap, io.remora.xds.translate.TranslationContext.lenient()));
        // typed_dns_resolver_config / dns_resolution_config: DNS clusters without their own resolver use it.
        server.clusterManager().defaultDnsResolver(io.remora.xds.translate.DnsResolverTranslator.bootstrap(bootstrap,
                io.remora.xds.translate.TranslationContext.lenient()));
        // cluster_manager.local_cluster_name with the node's locality: zone-aware routing.
        io.remora.config.NodeInfo node = config.node();
        server.clusterManager().localCluster(bootstrap.getClusterManager().getLocalClusterName(), node == null ? null
                : new io.remora.config.ClusterLoadAssignment.Locality(node.region(), node.zone(), node.subZone()));
    }

    /** Binds the admin and the static listeners, then connects to the control plane if any. */
    public Proxy start() throws InterruptedException {
        if (base.admin() != null) {
            admin = new AdminServer(new ProxyAdmin(this), base.admin().address(), server.context().transport())
                    .socketOptions(base.admin().socketOptions());
            if (bootstrap.getEnableDispatcherStats()) {
                // As the watchdog's main_thread: the admin's loop stands for Envoy's main thread.
                admin.dispatcherStats(io.remora.stats.DispatcherStats.server(stats.meterRegistry()));
            }
            if (!base.admin().ignoreGlobalConnLimit()) {
                // Envoy's admin listener counts against the global limit unless told not to.
                admin.globalConnectionLimit(() -> {
                    io.remora.overload.OverloadManager o = server.overload();
                    return o == null ? null : o.connections();
                }, io.micrometer.core.instrument.Counter.builder("envoy_listener_downstream_global_cx_overflow")
                        .tag(io.remora.stats.ListenerStats.TAG, "admin").register(stats.meterRegistry()));
            }
            admin
                    .streamingEndpoint(io.remora.extensions.filters.common.tap.TapAdmin.PATH,
                            io.remora.extensions.filters.common.tap.TapAdmin.HELP,
                            io.remora.extensions.filters.common.tap.TapAdmin.of(server.context()))
                    .start();
            if (base.admin().accessLogPath() != null && !base.admin().accessLogPath().isEmpty()) {
                admin.accessLogs(accessLogs.create(List.of(io.remora.config.AccessLogConfig.builder(
                        io.remora.config.AccessLogConfig.Sink.FILE).path(base.admin().accessLogPath()).build())));
            }
        }
        // Envoy's main thread runs its admin; Remora's admin event loop is the one watched as main_thread.
        mainGuardDog = new io.remora.server.GuardDog("main_thread", watchdogs.mainThread(), stats.meterRegistry());
        if (admin != null) {
            mainGuardDog.watch("main_thread", admin.eventLoop());
        }
        // Bound, not listening: Envoy listens when its server is initialized (startWorkers below).
        server.initialize(base);
        startStatsSinks();
        loadReporting = io.remora.xds.lrs.LoadReporting.start(bootstrap, XdsClient.withUserAgent(bootstrap.getNode()),
                server.clusterManager());
        xds = XdsClientFactory.fromBootstrap(bootstrap, new Applier(), stats.meterRegistry(), null,
                server.clusterManager());
        if (loadReporting != null) {
            // Envoy's LRS stream opens in initializeSecondaryClusters: once the static clusters are initialized and
            // the runtime is ready (RTDS's first responses in)
            CompletableFuture<Void> runtimeReady = xds == null ? CompletableFuture.completedFuture(null)
                    : xds.runtimeReady();
            server.clustersInitialized().thenCombine(runtimeReady, (a, b) -> null)
                    .thenRunAsync(loadReporting::secondaryClustersInitializing);
        }
        if (xds == null) {
            // Envoy's server init: the static clusters' first health checks, the static listeners' targets
            liveOnceInitialized(() -> { });
        } else {
            server.onDemand(xds.onDemandDiscovery());
            // LDS (over ADS too) starts once every cluster (CDS's too) is initialized, as Envoy's RunHelper orders it
            xds.clustersInitialized(server::clustersInitialized);
            // named in /init_dump until the first config asks again, with its own
            CompletableFuture<Void> clusters = server.clustersInitialized();
            String adsCluster = XdsClientFactory.adsCluster(bootstrap);
            // Envoy opens the ADS stream once the ADS cluster is initialized (its first DNS answer, its first
            // health checks); over google_grpc at once; other subscriptions once the static clusters are.
            CompletableFuture<Void> first = adsCluster != null ? server.clusterInitialized(adsCluster)
                    : bootstrap.getDynamicResources().hasAdsConfig() ? CompletableFuture.completedFuture(null)
                    : clusters;
            if (first.isDone()) {
                startXds();
            } else {
                // Off the DNS or upstream thread that completed it: starting the client connects.
                first.thenRunAsync(this::startXds);
            }
        }
        return this;
    }

    /** Like Envoy's init manager: ready once the first LDS/CDS update has been applied (or timed out). */
    private synchronized void startXds() {
        if (!xdsClosed) {
            xds.start();
        }
    }

    private synchronized void closeXds() {
        xdsClosed = true;
        if (xds != null) {
            xds.close();
        }
    }

    /**
     * The end of Envoy's server init: once the clusters are initialized (first DNS answers, first
     * health-check rounds) and no listener warms, every listener listens (startWorkers) and the
     * server is LIVE. Inline when nothing is pending (a static config without DNS clusters or
     * health checks listens at once).
     */
    private void liveOnceInitialized(Runnable then) {
        CompletableFuture<Void> checked = server.clustersInitialized();
        // A round ends on an upstream loop, which must not wait for the server's monitor.
        CompletableFuture<Void> ready = checked.isDone() ? server.listenersWarmed()
                : checked.thenComposeAsync(v -> server.listenersWarmed());
        Runnable live = () -> {
            if (state.state() == ServerState.State.INITIALIZING && !wentLive.getAndSet(true)) {
                server.startWorkers();
                state.initialized();
                then.run();
            }
        };
        if (ready.isDone()) {
            live.run();
        } else {
            // Off the thread that completed the last target (a worker's loop): listening waits on the loops.
            ready.thenRunAsync(live);
        }
    }

    /** stats_sinks: a flusher feeding each sink every stats_flush_interval; none without sinks. */
    private void startStatsSinks() {
        io.remora.xds.translate.StatsSinksTranslator.Sinks config = io.remora.xds.translate.StatsSinksTranslator
                .translate(bootstrap, io.remora.xds.translate.TranslationContext.lenient());
        List<io.remora.stats.StatsSink> sinks = new ArrayList<>();
        for (io.remora.xds.translate.StatsSinksTranslator.Sink s : config.sinks()) {
            if (s instanceof io.remora.xds.translate.StatsSinksTranslator.Statsd statsd) {
                sinks.add(new io.remora.stats.UdpStatsdSink(statsd.address(), statsd.prefix()));
            } else if (s instanceof io.remora.xds.translate.StatsSinksTranslator.TcpStatsd tcp) {
                sinks.add(new io.remora.stats.TcpStatsdSink(server.clusterManager(), tcp.cluster(), tcp.prefix(),
                        stats.meterRegistry()));
            } else if (s instanceof io.remora.xds.translate.StatsSinksTranslator.DogStatsd dog) {
                sinks.add(new io.remora.stats.UdpStatsdSink(dog.address(), dog.prefix(),
                        io.remora.stats.StatsdTagFormat.DOG_STATSD, dog.maxBytesPerDatagram()));
            } else if (s instanceof io.remora.xds.translate.StatsSinksTranslator.GraphiteStatsd graphite) {
                sinks.add(new io.remora.stats.UdpStatsdSink(graphite.address(), graphite.prefix(),
                        io.remora.stats.StatsdTagFormat.GRAPHITE, graphite.maxBytesPerDatagram()));
            } else if (s instanceof io.remora.xds.translate.StatsSinksTranslator.MetricsService ms) {
                sinks.add(new io.remora.xds.stats.MetricsServiceSink(ms, bootstrap.getNode(), server.clusterManager()));
            } else if (s instanceof io.remora.xds.translate.StatsSinksTranslator.OpenTelemetry otel) {
                sinks.add(new io.remora.xds.stats.OtlpStatsSink(otel, server.clusterManager()));
            }
        }
        if (!sinks.isEmpty()) {
            statsFlusher = new io.remora.stats.StatsFlusher(stats, sinks, config.flushInterval());
            flushStatsOnAdmin = config.flushOnAdmin();
        }
    }

    public Server server() {
        return server;
    }

    /** The Fluentd access logs' and tracers' upstreams (made after the tracing exporters that ask for them). */
    private io.remora.xds.fluentd.FluentdLoggers fluentdLoggers() {
        return fluentdLoggers;
    }

    public AdminServer admin() {
        return admin;
    }

    public StatsRegistry stats() {
        return stats;
    }

    public io.remora.runtime.RuntimeLoader runtime() {
        return runtime;
    }

    /** Stops taking new work, lets in-flight work finish up to drainTime, then stops. */
    public Server.DrainReport drainAndStop(Duration drainTime) {
        state.startDraining();
        closeXds();
        if (loadReporting != null) {
            loadReporting.close();
        }
        return server.drainAndStop(drainTime);
    }

    @Override
    public void close() {
        closeXds();
        if (mainGuardDog != null) {
            mainGuardDog.close();
        }
        if (loadReporting != null) {
            loadReporting.close();
        }
        fileSecrets.close();
        secretFiles.close();
        server.close();
        if (statsFlusher != null) {
            statsFlusher.close();
        }
        if (runtimeWatcher != null) {
            runtimeWatcher.close();
        }
        tracing.close();
        if (admin != null) {
            admin.close();
        }
        grpcAccessLogs.close();
        fluentdLoggers.close();
        accessLogs.close();
    }

    /** Applies xDS snapshots: translate everything, then one server update; or reject whole. */
    private final class Applier implements XdsConfigApplier {
        @Override
        public void apply(XdsSnapshot snapshot) throws XdsRejectedException {
            var runtimeChanges = rtdsLayers.prepare(snapshot.runtimes());
            sdsSecrets.refuseBadStaticUses(snapshot);
            ServerConfig merged = dynamic.merge(snapshot);
            // Secrets first: listeners and clusters of this snapshot resolve them by name.
            fileSecrets.watch(snapshot);
            sdsSecrets.apply(snapshot.secrets());
            // before the listeners of this snapshot serve: Envoy's server loads RTDS before it starts them
            rtdsLayers.publish(snapshot.runtimes(), runtimeChanges);
            try {
                server.update(merged);
            } catch (RuntimeException e) {
                throw new XdsRejectedException("", "update failed: " + e.getMessage(), e);
            }
            dynamic.commit(snapshot);
            applied = snapshot;
            if (loadReporting != null) {
                loadReporting.clustersChanged();
            }
            if ((state.state() == ServerState.State.INITIALIZING || state.state() == ServerState.State.PRE_INITIALIZING)
                    && !xds.initializing()) {
                // Listeners added while the server initializes hold it until they warm, as in Envoy's server init.
                liveOnceInitialized(() -> LOG.info(() -> "initial xDS configuration applied: "
                        + merged.listeners().size() + " listener(s), " + merged.clusters().size() + " cluster(s)"));
            }
        }

        @Override
        public void initialized() {
            // Envoy's init manager completes on a rejected or timed-out first fetch too: LIVE with what there is
            liveOnceInitialized(() -> { });
        }
    }

    // What the admin reads (ProxyAdmin).

    ServerState state() {
        return state;
    }

    ServerConfig base() {
        return base;
    }

    Bootstrap bootstrap() {
        return bootstrap;
    }

    Map<String, Object> commandLine() {
        return commandLine;
    }

    ConfigDumpBuilder staticDump() {
        return staticDump;
    }

    XdsSnapshot applied() {
        return applied;
    }

    /** LDS is still owed its first response (held until the clusters are initialized, or not answered yet). */
    boolean ldsOwed() {
        XdsClient x = xds;
        return x != null && x.initializing();
    }

    io.remora.xds.ads.SdsFileSecrets fileSecrets() {
        return fileSecrets;
    }

    AccessLogs accessLogs() {
        return accessLogs;
    }

    void quit() {
        quit.run();
    }

    /** stats_flush_on_admin: the sinks get a flush whenever the admin's stats are read. */
    void flushStatsForAdmin() {
        if (flushStatsOnAdmin) { // read first: it publishes statsFlusher
            statsFlusher.flushNow();
        }
    }
}
