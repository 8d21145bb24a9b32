package io.remora.xds.ads;

import io.remora.util.JitteredBackOff;
import io.envoyproxy.envoy.config.core.v3.Node;
import io.micrometer.core.instrument.MeterRegistry;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Envoy's xDS client: one ADS stream to the control plane (state of the world or delta), LDS and CDS by
 * wildcard, RDS and EDS by the names the current listeners and clusters need, ACK/NACK of every response,
 * warming of new listeners and clusters, reconnection with back-off. It hands the {@link XdsConfigApplier}
 * only complete snapshots: a new or changed listener once its route configurations have arrived, an EDS cluster
 * once its load assignment has, or when initial_fetch_timeout runs out.
 *
 * <p>All state lives on one control thread; gRPC callbacks, file events and public calls hop onto it. What is
 * subscribed and ACKed on the stream is {@link AdsSubscriptions}; updates received and not yet applied are
 * {@link PendingUpdates}; this class decides when they are applied, ACKed or NACKed.
 */
public final class XdsClient implements AutoCloseable {
    private static final Logger log = Logger.getLogger(XdsClient.class.getName());
    static final String USER_AGENT = "remora";

    private final XdsClientOptions options;
    private final XdsStats stats;
    private final ScheduledExecutorService control;
    private final AdsStream stream;
    /** The channels of the ADS and separate streams, on one event loop. */
    private final XdsChannels channels;
    /**
     * What comes from an api_config_source of its own (LDS, CDS, RDS, EDS, RTDS; secrets from pilot-agent's
     * sds-grpc): one stream per source and type.
     */
    private final ApiSourceStreams sources;
    private final AdsSubscriptions subscriptions;
    private final List<FileConfigWatcher> fileWatchers = new ArrayList<>();
    /** Discovered filter configs from path_config_source files (ECDS). */
    private final EcdsFiles ecdsFiles;
    /** Route configurations and load assignments from path_config_source files (RDS and EDS). */
    private final FileSubscriptions files;
    /** Warned once that on-demand CDS cannot be asked (read and written on any thread: a repeat is harmless). */
    private volatile boolean odcdsWarned;
    /** What happens to updates, on the control thread. */
    private final XdsUpdateCycle cycle;
    /** CDS waits for the runtime, LDS for the cluster manager's initialization, as Envoy's server init orders it. */
    private final StartOrder startOrder;

    public XdsClient(XdsClientOptions options, XdsConfigApplier applier, MeterRegistry registry) {
        this(options, applier, registry, null);
    }

    /**
     * As above; an envoy_grpc service's streams go to its cluster's hosts in {@code clusters} (null: to the static
     * cluster's first endpoint).
     */
    public XdsClient(XdsClientOptions options, XdsConfigApplier applier, MeterRegistry registry,
                     io.remora.upstream.ClusterManager clusters) {
        this.options = options;
        this.channels = new XdsChannels(clusters);
        this.stats = new XdsStats(registry);
        this.control = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "remora-xds");
            t.setDaemon(true);
            return t;
        });
        this.ecdsFiles = new EcdsFiles(options.typeRegistry(), this::onFileUpdate);
        this.files = new FileSubscriptions(options.typeRegistry(), this::onFileSubscriptionUpdate);
        Node node = withUserAgent(options.node());
        XdsProtocolStream<?, ?> protocol = options.delta() ? new DeltaProtocol(node, options.nodeOnFirstMessageOnly())
                : new SotwProtocol(node, options.nodeOnFirstMessageOnly());
        if (options.target() != null && options.adsRateLimit() != null) {
            protocol.rateLimit(DiscoveryRequestLimiter.of(options.adsRateLimit(), control, stats.controlPlane().rateLimit()));
        }
        this.stream = options.target() == null ? null : new AdsStream(options.target(), channels, protocol, control,
                backOff(options.target(), options.backoffBaseMs(), options.backoffMaxMs()), stats.controlPlane()::connected, new AdsStream.Listener() {
                    @Override
                    public void onStreamOpen() {
                        subscriptions.startAll(cycle.acknowledged());
                    }

                    @Override
                    public void onUpdate(XdsUpdate update) {
                        cycle.onAdsUpdate(update);
                    }

                    @Override
                    public void onControlPlane(String identifier) {
                        stats.controlPlane().identifier(identifier);
                    }

                    @Override
                    public void onStreamClosed() {
                        cycle.connectionFailed(null);
                        cycle.dropUnackedUpdates();
                    }
                });
        this.sources = new ApiSourceStreams(node, control, channels, options.sourceResolver(), options.backoffBaseMs(),
                options.backoffMaxMs(), new ApiSourceStreams.Sink() {
                    @Override
                    public void onUpdate(ApiSourceKey key, XdsUpdate update) {
                        cycle.onSourceUpdate(key, update);
                    }

                    @Override
                    public void onStreamRestart(ApiSourceKey key) {
                        cycle.onSourceStreamRestart(key);
                    }

                    @Override
                    public void onStreamClosed(ApiSourceKey key) {
                        cycle.connectionFailed(key);
                    }
                }, stats.controlPlane()::sourceConnected);
        this.startOrder = new StartOrder(new RuntimeGate(options, control), new ListenerGate(options, control));
        this.subscriptions = new AdsSubscriptions(stream, options.adsTypes(), options.delta(), sources,
                options.apiSubscriptions(), startOrder);
        if (options.clustersOnDemandOnly()) {
            stats.clustersOnDemandOnly(); // CDS responses then answer on-demand CDS: cluster_manager.odcds.*
        }
        this.cycle = new XdsUpdateCycle(options, applier, stats, subscriptions, sources, ecdsFiles, files,
                control, startOrder, this::watchFile);
    }

    /** The target's own back-off (envoy_grpc.retry_policy.retry_back_off), else the client's. */
    static JitteredBackOff backOff(XdsTarget target, long baseMs, long maxMs) {
        XdsTarget.BackOff b = target == null ? null : target.backoff();
        return b == null ? new JitteredBackOff(baseMs, maxMs) : new JitteredBackOff(b.baseMillis(), b.maxMillis());
    }

    /** As Envoy names itself "envoy" whatever the bootstrap says, Remora names itself "remora". */
    public static Node withUserAgent(Node node) {
        String v = XdsClient.class.getPackage().getImplementationVersion();
        return node.toBuilder().setUserAgentName(USER_AGENT).setUserAgentVersion(v == null ? "dev" : v).build();
    }

    /** Connects (if a target is configured) and starts watching the files; returns at once. */
    public void start() {
        control.execute(() -> {
            cycle.start();
            for (XdsResourceType type : options.fileSources().keySet()) {
                if (!startOrder.held(type)) {
                    watchFile(type);
                }
            }
            if (stream != null) {
                stream.start();
            }
            if (!options.apiSubscriptions().isEmpty() || files.anyStatic()) {
                cycle.evaluate(); // opens the LDS, CDS and RTDS streams of their own, reads the static EDS files
            }
            cycle.checkStartOrder();
        });
    }

    /** Starts watching the file of a type (control thread). */
    private void watchFile(XdsResourceType type) {
        java.nio.file.Path file = options.fileSources().get(type);
        if (file == null) {
            return;
        }
        FileConfigWatcher w = new FileConfigWatcher(file, type, options.typeRegistry(), this::onFileUpdate);
        fileWatchers.add(w);
        w.start();
    }

    /**
     * Set before {@link #start}: the server's cluster initialization, all the clusters it has when asked (Envoy's
     * cluster manager initialized callback). Without it, LDS starts once CDS's first response is done.
     */
    public void clustersInitialized(java.util.function.Supplier<CompletableFuture<Void>> init) {
        startOrder.listeners.clustersInitialized(init);
        startOrder.runtime.primaryClustersInitialized(init); // asked as the client starts: the static clusters
    }

    /**
     * The server still waits for RTDS, CDS or LDS (held until their turn, or LDS's first response not applied), or
     * the snapshot being applied holds only named types applied ahead of what warms: a snapshot applied meanwhile
     * (the clusters of CDS) does not end its initialization. On the control thread.
     */
    public boolean initializing() {
        return startOrder.initializing() || cycle.applyingAhead();
    }

    /**
     * Completes once the runtime is ready: RTDS's first responses applied, rejected or timed out (at once without
     * RTDS). Envoy's cluster manager makes its LoadStatsReporter then (initializeSecondaryClusters).
     */
    public CompletableFuture<Void> runtimeReady() {
        return startOrder.runtime.ready();
    }

    /** The last snapshot the applier accepted. */
    public XdsSnapshot current() {
        return cycle.current();
    }

    public XdsStats stats() {
        return stats;
    }

    /** The listeners' error_state for /config_dump (any thread). */
    public ListenerErrorStates listenerErrors() {
        return cycle.listenerErrors();
    }

    /**
     * Names to subscribe for a type beyond those the client derives itself (RDS from the listeners' HCMs, EDS
     * from the EDS clusters), e.g. SDS secrets. The subscription is the union; a change is sent at once.
     */
    public void updateSubscriptions(String typeUrl, Set<String> names) {
        XdsResourceType type = XdsResourceType.fromTypeUrl(typeUrl);
        if (type == null || type.wildcard) {
            throw new IllegalArgumentException("not a named xDS type: " + typeUrl);
        }
        Set<String> copy = Set.copyOf(names);
        // queued, so an applier may call this from apply(): it runs once that snapshot is settled
        control.execute(() -> {
            subscriptions.explicit(type, copy);
            cycle.evaluate(); // subscribes the new names and lets go of what is no longer asked for
        });
    }

    /**
     * The secrets the bootstrap's static listeners and clusters fetch (TLS and filters' generic secrets), with
     * their sources: those over ADS join its SDS subscription, the others their SDS streams, for as long as the
     * client runs, as Envoy's secret manager subscribes when it builds a static transport socket or filter.
     */
    public void staticSecrets(java.util.Map<String, io.envoyproxy.envoy.config.core.v3.ConfigSource> refs) {
        var copy = java.util.Map.copyOf(refs);
        control.execute(() -> {
            subscriptions.staticSecrets(copy);
            cycle.evaluate();
        });
    }

    /**
     * Set before {@link #start}: the bootstrap's static EDS clusters, which count their EDS stats
     * ({@code cluster.<name>.update_*}); those reading a file (Envoy's primary clusters) and the static listeners
     * whose RDS reads one are read from the start, and the server's initialization waits for them.
     */
    void staticResources(io.envoyproxy.envoy.config.bootstrap.v3.Bootstrap bootstrap, StaticEdsClusters eds) {
        stats.staticEds(eds.clusters(), eds.files().values().stream().flatMap(Set::stream)
                .collect(java.util.stream.Collectors.toSet()));
        stats.staticRds(FileSubscriptions.staticRoutes(bootstrap));
        var statics = FileSubscriptions.statics(bootstrap, eds);
        control.execute(() -> files.statics(statics));
        fileRuntimes = RtdsSources.fileResourceNames(bootstrap, options.fileSources().get(XdsResourceType.RUNTIME));
    }

    /** The layers reading the RTDS file, by resource name. */
    private volatile Set<String> fileRuntimes = Set.of();

    // ---- the stream -------------------------------------------------------------------------------------

    /**
     * VHDS on demand (Envoy's requestVirtualHostsUpdate): asks the control plane for {@code alias}
     * ({@code <route config name>/<host>}); {@code done} runs on the control thread once a response answered it
     * (or was rejected). Requests for one alias share one subscription. False, and nothing asked, when the
     * route configuration does not use VHDS or the ADS stream is not delta: Envoy then goes on at once.
     */
    public boolean requestVirtualHost(String routeConfigName, String alias, Runnable done) {
        var rc = cycle.current().routes().get(routeConfigName);
        if (stream == null || !options.delta() || rc == null || !rc.hasVhds()) {
            return false;
        }
        hop(() -> cycle.onDemand().hosts().request(alias, done, cycle));
        return true;
    }

    /**
     * On-demand CDS (Envoy's requestOnDemandClusterDiscovery) over the delta ADS stream: see
     * {@link OnDemandClusters}. {@code done} runs on the control thread. False, and nothing asked, without a delta
     * ADS stream: Envoy's on-demand CDS is delta xDS only.
     */
    public boolean requestCluster(String name, java.time.Duration timeout, java.util.function.Consumer<io.remora.server.ClusterDiscoveryStatus> done) {
        if (stream == null || !options.delta()) {
            if (!odcdsWarned) {
                odcdsWarned = true;
                log.warning("ODCDS: on-demand cluster discovery needs a DELTA_GRPC ads_config; cluster " + name
                        + " is not asked for");
            }
            return false;
        }
        hop(() -> cycle.onDemand().clusters().request(name, timeout, done, cycle));
        return true;
    }

    /** What the server's filters ask of this client on demand (VHDS and on-demand CDS). */
    public io.remora.server.OnDemandDiscovery onDemandDiscovery() {
        return new io.remora.server.OnDemandDiscovery() {
            @Override
            public boolean requestVirtualHost(String routeConfigName, String host, Runnable done) {
                return XdsClient.this.requestVirtualHost(routeConfigName, routeConfigName + "/" + host, done);
            }

            @Override
            public boolean requestCluster(String name, java.time.Duration timeout, java.util.function.Consumer<io.remora.server.ClusterDiscoveryStatus> done) {
                return XdsClient.this.requestCluster(name, timeout, done);
            }

            @Override
            public boolean requestScope(List<String> key, Runnable done) {
                hop(() -> cycle.onDemand().scopes().request(key, done, cycle));
                return true;
            }
        };
    }

    void onFileUpdate(XdsUpdate u) {
        XdsUpdate named = u;
        if (u.type() == XdsResourceType.RUNTIME && u.error() == null && u.listed() == 1
                && !fileRuntimes.contains(u.resources().keySet().iterator().next())) {
            // RtdsSubscription::onConfigUpdate refuses a Runtime named otherwise than its layer asks
            named = new XdsUpdate(u.type(), u.nonce(), u.versionInfo(), Map.of(), Set.of(), false,
                    "Unexpected RTDS runtime (expecting " + String.join(", ", fileRuntimes) + "): "
                            + u.resources().keySet().iterator().next());
        }
        XdsUpdate update = named;
        hop(() -> cycle.onUpdate(update, false));
    }

    private void onFileSubscriptionUpdate(FileSubscriptions.Key key, XdsUpdate u) {
        hop(() -> cycle.onFileSubscriptionUpdate(key, u));
    }

    /** Runs on the control thread; after close, callbacks still in flight are dropped. */
    private void hop(Runnable task) {
        try {
            control.execute(task);
        } catch (RejectedExecutionException e) {
            // closed
        }
    }

    // ---- shutdown ---------------------------------------------------------------------------------------

    @Override
    public void close() {
        if (control.isShutdown()) {
            return; // a proxy that drained closes its client again as it stops
        }
        CompletableFuture<Void> done = new CompletableFuture<>();
        try {
            control.execute(() -> {
                cycle.close();
                fileWatchers.forEach(FileConfigWatcher::close);
                ecdsFiles.close();
                files.close();
                if (stream != null) {
                    stream.close();
                }
                sources.close();
                done.complete(null);
            });
            done.get(5, TimeUnit.SECONDS);
        } catch (Exception e) {
            log.log(Level.FINE, "xDS client close", e);
        } finally {
            control.shutdownNow();
            try {
                if (stream != null) {
                    stream.awaitTermination();
                }
                sources.awaitTermination();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            channels.close();
        }
    }
}
