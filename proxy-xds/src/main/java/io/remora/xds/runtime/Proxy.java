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
import io.remora.xds.ads.XdsSnapshot;
import io.remora.xds.bootstrap.ConfigDumpBuilder;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
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
    private final ServerInit init;
    private final io.remora.runtime.RuntimeLoader runtime;
    private final TracingExporters tracing;
    /** Set once the server is initialized; the admin may read stats before. */
    private volatile BootstrapStatsSinks statsSinks;
    private io.remora.runtime.RuntimeWatcher runtimeWatcher;
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
        DynamicConfig dynamic = new DynamicConfig(config, stats.meterRegistry(), VhdsRouteConfigs.Ads.of(bootstrap),
                bootstrap.getClusterManager().getLocalClusterName());
        this.commandLine = commandLine;
        this.quit = quit;
        this.accessLogs = new AccessLogs(fileFlushInterval.toMillis(), AccessLogs.DEFAULT_QUEUE_CAPACITY);
        this.staticDump = new ConfigDumpBuilder(bootstrap, Instant.now());
        this.runtime = new io.remora.runtime.RuntimeLoader(
                io.remora.xds.translate.RuntimeTranslator.translate(bootstrap,
                        io.remora.xds.translate.TranslationContext.lenient()),
                config.node() == null ? null : config.node().cluster(), stats.meterRegistry());
        accessLogs.runtime(runtime::snapshot);
        dynamic.runtime(runtime::snapshot);
        DropOverloadChecks.staticClusters(bootstrap, config, runtime.snapshot());
        RtdsLayers rtdsLayers = new RtdsLayers(runtime);
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
                .accessLogFiles(path -> accessLogs.writer(io.remora.config.AccessLogConfig
                        .builder(io.remora.config.AccessLogConfig.Sink.FILE).path(path).build())::write)
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
        SdsSecrets sdsSecrets = new SdsSecrets(server.secrets(), secretFiles);
        sdsSecrets.applyStatic(bootstrap.getStaticResources().getSecretsList());
        this.fileSecrets = new io.remora.xds.ads.SdsFileSecrets(server.secrets(), secretFiles);
        fileSecrets.watch(io.remora.xds.ads.SdsFileRefs.find(bootstrap.getStaticResources(),
                io.remora.xds.translate.FieldPath.ROOT.field("static_resources")));
        this.init = new ServerInit(bootstrap, server, state, dynamic, rtdsLayers, sdsSecrets, fileSecrets);
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
        // typed_dns_resolver_config / dns_resolution_config: DNS clusters without their own resolver use
        // it; dynamic forward proxy caches without one use the typed config only.
        io.remora.xds.translate.TranslationContext lenient = io.remora.xds.translate.TranslationContext.lenient();
        server.clusterManager().defaultDnsResolver(
                io.remora.xds.translate.DnsResolverTranslator.bootstrap(bootstrap, lenient),
                io.remora.xds.translate.DnsResolverTranslator.bootstrapTyped(bootstrap, lenient));
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
        // Bound, not listening: Envoy listens when its server is initialized (ServerInit starts the workers).
        server.initialize(base);
        statsSinks = BootstrapStatsSinks.start(bootstrap, server, stats);
        init.start(stats.meterRegistry());
        return this;
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
    public io.remora.server.DrainReport drainAndStop(Duration drainTime) {
        state.startDraining();
        init.closeXds();
        init.closeLoadReporting();
        return server.drainAndStop(drainTime);
    }

    @Override
    public void close() {
        init.closeXds();
        if (mainGuardDog != null) {
            mainGuardDog.close();
        }
        init.closeLoadReporting();
        fileSecrets.close();
        secretFiles.close();
        server.close();
        if (statsSinks != null) {
            statsSinks.close();
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
        return init.applied();
    }

    /** LDS is still owed its first response (held until the clusters are initialized, or not answered yet). */
    boolean ldsOwed() {
        return init.ldsOwed();
    }

    io.remora.xds.ads.ListenerErrorStates listenerErrors() {
        return init.listenerErrors();
    }

    /** The replaced versions of the dynamic listeners the server drains now. */
    java.util.Map<String, io.remora.xds.ads.XdsResource> listenersDraining() {
        return init.listenersDraining();
    }

    /** The listeners LDS brought that warm before the server has them. */
    java.util.Map<String, io.remora.xds.ads.XdsResource> listenersWarmingAhead() {
        return init.listenersWarmingAhead();
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
        BootstrapStatsSinks sinks = statsSinks;
        if (sinks != null) {
            sinks.flushForAdmin();
        }
    }
}
