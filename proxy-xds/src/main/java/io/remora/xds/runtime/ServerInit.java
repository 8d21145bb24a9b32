package io.remora.xds.runtime;

import io.envoyproxy.envoy.config.bootstrap.v3.Bootstrap;
import io.remora.admin.ServerState;
import io.remora.config.ServerConfig;
import io.remora.server.Server;
import io.remora.xds.ads.ResourcesRejected;
import io.remora.xds.ads.XdsClient;
import io.remora.xds.ads.XdsClientFactory;
import io.remora.xds.ads.XdsConfigApplier;
import io.remora.xds.ads.XdsRejectedException;
import io.remora.xds.ads.XdsResourceType;
import io.remora.xds.ads.XdsSnapshot;

import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.logging.Logger;

/**
 * The way from a bound server to a LIVE one, as Envoy's server init and RunHelper order it: the
 * control-plane streams (the xDS client, load reporting) opened once the clusters they need are
 * initialized, each xDS snapshot applied whole or rejected (naming the listeners and clusters that
 * failed, for the client to apply the rest without them), and the listeners started once
 * the clusters are initialized and no listener warms.
 */
final class ServerInit {

    private static final Logger LOG = Logger.getLogger("remora.main");

    private final Bootstrap bootstrap;
    private final Server server;
    private final ServerState state;
    private final DynamicConfig dynamic;
    private final RtdsLayers rtdsLayers;
    private final SdsSecrets sdsSecrets;
    private final io.remora.xds.ads.SdsFileSecrets fileSecrets;
    private XdsClient xds;
    /** Set when the proxy stops: an xDS client whose start was still waiting for its cluster never starts. */
    private boolean xdsClosed;
    /** cluster_manager.load_stats_config and clusters' lrs_server streams; null when there are none. */
    private volatile io.remora.xds.lrs.LoadReporting loadReporting;
    private volatile XdsSnapshot applied;
    /** The listeners LDS brought that warm before the server has them. */
    private final ListenersAhead listenersAhead = new ListenersAhead();
    /** The listeners updates replaced or removed, while they may drain. */
    private final DrainingListeners drainingListeners = new DrainingListeners();
    /** The server's init ended once (several first-config paths may reach it). */
    private final java.util.concurrent.atomic.AtomicBoolean wentLive = new java.util.concurrent.atomic.AtomicBoolean();

    ServerInit(Bootstrap bootstrap, Server server, ServerState state, DynamicConfig dynamic, RtdsLayers rtdsLayers,
               SdsSecrets sdsSecrets, io.remora.xds.ads.SdsFileSecrets fileSecrets) {
        this.bootstrap = bootstrap;
        this.server = server;
        this.state = state;
        this.dynamic = dynamic;
        this.rtdsLayers = rtdsLayers;
        this.sdsSecrets = sdsSecrets;
        this.fileSecrets = fileSecrets;
    }

    /** Opens the control-plane streams (or, without xDS, waits for the static config's targets); the server is initialized. */
    void start(io.micrometer.core.instrument.MeterRegistry meters) {
        loadReporting = io.remora.xds.lrs.LoadReporting.start(bootstrap, XdsClient.withUserAgent(bootstrap.getNode()),
                server.clusterManager());
        xds = XdsClientFactory.fromBootstrap(bootstrap, new Applier(), meters, null, server.clusterManager());
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
    }

    /** Like Envoy's init manager: ready once the first LDS/CDS update has been applied (or timed out). */
    private synchronized void startXds() {
        if (!xdsClosed) {
            xds.start();
        }
    }

    /** The proxy stops: the xDS client closes, or never starts if it still waits for its cluster. */
    synchronized void closeXds() {
        xdsClosed = true;
        if (xds != null) {
            xds.close();
        }
    }

    void closeLoadReporting() {
        if (loadReporting != null) {
            loadReporting.close();
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

    /** The xDS snapshot last applied, or null. */
    XdsSnapshot applied() {
        return applied;
    }

    /** The listeners LDS brought that warm before the server has them, for their warming_state. */
    Map<String, io.remora.xds.ads.XdsResource> listenersWarmingAhead() {
        return listenersAhead.warming();
    }

    /** The replaced versions of the dynamic listeners the server drains now, for their draining_state. */
    Map<String, io.remora.xds.ads.XdsResource> listenersDraining() {
        return drainingListeners.draining(server.drainingListeners());
    }

    /** What the last LDS update left failing, for the listeners' error_state. */
    io.remora.xds.ads.ListenerErrorStates listenerErrors() {
        XdsClient x = xds;
        return x != null ? x.listenerErrors() : io.remora.xds.ads.ListenerErrorStates.NONE;
    }

    /** LDS is still owed its first response (held until the clusters are initialized, or not answered yet). */
    boolean ldsOwed() {
        XdsClient x = xds;
        return x != null && x.initializing();
    }

    /** Applies xDS snapshots: translate everything, then one server update; or reject, naming what failed. */
    private final class Applier implements XdsConfigApplier {
        @Override
        public void apply(XdsSnapshot snapshot) throws XdsRejectedException {
            var runtimeChanges = rtdsLayers.prepare(snapshot.runtimes());
            sdsSecrets.refuseBadStaticUses(snapshot);
            Map<XdsResourceType, Map<String, String>> failures = new EnumMap<>(XdsResourceType.class);
            ServerConfig merged = dynamic.merge(snapshot, failures);
            refuseFailed(snapshot, merged.listeners(), failures);
            // Secrets first: listeners and clusters of this snapshot resolve them by name.
            fileSecrets.watch(snapshot);
            sdsSecrets.apply(snapshot.secrets());
            // before the listeners of this snapshot serve: Envoy's server loads RTDS before it starts them
            rtdsLayers.publish(snapshot.runtimes(), runtimeChanges);
            try {
                server.update(merged, listenersAhead.takeApplied(snapshot));
            } catch (RuntimeException e) {
                throw new XdsRejectedException("", "update failed: " + e.getMessage(), e);
            }
            dynamic.commit(snapshot);
            drainingListeners.applied(applied, snapshot, server.drainingListeners());
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
        public void check(XdsSnapshot snapshot) throws XdsRejectedException {
            sdsSecrets.refuseBadStaticUses(snapshot);
            Map<XdsResourceType, Map<String, String>> failures = new EnumMap<>(XdsResourceType.class);
            refuseFailed(snapshot, dynamic.check(snapshot, failures), failures);
        }

        /**
         * Envoy binds a listener's sockets as it takes the LDS update: one that cannot bind fails as one that does
         * not translate, in the same NACK (LdsApiImpl::onConfigUpdate's failure_state).
         */
        private void refuseFailed(XdsSnapshot snapshot, java.util.List<io.remora.config.ListenerConfig> listeners,
                                  Map<XdsResourceType, Map<String, String>> failures) throws ResourcesRejected {
            server.unbindable(listeners).forEach((name, reason) ->
                    failures.computeIfAbsent(XdsResourceType.LISTENER, t -> new java.util.LinkedHashMap<>())
                            .put(name, reason));
            ResourcesRejected rejected = ResourcesRejected.inOrder(snapshot, failures);
            if (rejected != null) {
                throw rejected;
            }
        }

        @Override
        public void listenersWarming(Map<String, io.remora.xds.ads.XdsResource> warming, XdsSnapshot candidate) {
            XdsSnapshot accepted = applied;
            listenersAhead.update(warming, candidate, accepted != null ? accepted : XdsSnapshot.EMPTY,
                    server::listenerChangesAhead);
            server.listenersWarmingAhead(warming.keySet());
        }

        @Override
        public void initialized() {
            // Envoy's init manager completes on a rejected or timed-out first fetch too: LIVE with what there is
            liveOnceInitialized(() -> { });
        }
    }
}
