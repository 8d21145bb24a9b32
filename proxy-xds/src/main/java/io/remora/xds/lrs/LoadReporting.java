package io.remora.xds.lrs;

import io.envoyproxy.envoy.config.bootstrap.v3.Bootstrap;
import io.envoyproxy.envoy.config.core.v3.ApiConfigSource;
import io.envoyproxy.envoy.config.core.v3.Node;
import io.remora.upstream.Cluster;
import io.remora.upstream.ClusterManager;
import io.remora.xds.ads.XdsChannels;
import io.remora.xds.ads.XdsClientFactory;
import io.remora.xds.ads.XdsTarget;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;

/**
 * The process's load reporting streams. {@code cluster_manager.load_stats_config} opens one once the
 * static clusters are initialized, as Envoy does, for whichever clusters its server asks about. A cluster whose
 * {@code lrs_server} is {@code self} or {@code ads} (a field Envoy leaves to gRPC's xDS clients)
 * is reported to the ADS server, on a stream opened when the first such cluster arrives; when that
 * server is also the load_stats_config server, the one stream serves both.
 */
public final class LoadReporting implements AutoCloseable {
    private final Node node;
    private final ClusterManager clusters;
    private final ScheduledExecutorService exec;
    private final XdsChannels channels;
    private final List<io.remora.xds.grpc.StreamChannel> opened = new ArrayList<>();
    private final XdsTarget loadStatsTarget;
    private final XdsTarget adsTarget;
    private final List<LoadStatsReporter> reporters = new ArrayList<>();
    private boolean adsStarted;
    private boolean loadStatsStarted;
    private boolean closed;

    private LoadReporting(Node node, ClusterManager clusters, XdsTarget loadStatsTarget, XdsTarget adsTarget) {
        this.node = node;
        this.clusters = clusters;
        this.channels = new XdsChannels(clusters);
        this.loadStatsTarget = loadStatsTarget;
        this.adsTarget = adsTarget;
        this.exec = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "remora-lrs");
            t.setDaemon(true);
            return t;
        });
    }

    /**
     * The bootstrap's load reporting, started; null when it has neither load_stats_config nor an
     * ads_config that lrs_server could name.
     *
     * @throws IllegalArgumentException naming the field, for a load_stats_config Envoy refuses
     */
    public static LoadReporting start(Bootstrap bootstrap, Node node, ClusterManager clusters) {
        XdsTarget loadStats = null;
        if (bootstrap.getClusterManager().hasLoadStatsConfig()) {
            ApiConfigSource api = bootstrap.getClusterManager().getLoadStatsConfig();
            if (api.getApiType() != ApiConfigSource.ApiType.GRPC) {
                throw new IllegalArgumentException("cluster_manager.load_stats_config.api_type: must be GRPC, got "
                        + api.getApiType());
            }
            loadStats = XdsClientFactory.target(bootstrap, api, "cluster_manager.load_stats_config");
        }
        XdsTarget ads = bootstrap.getDynamicResources().hasAdsConfig()
                ? XdsClientFactory.target(bootstrap, bootstrap.getDynamicResources().getAdsConfig(),
                "dynamic_resources.ads_config") : null;
        if (loadStats == null && ads == null) {
            return null;
        }
        LoadReporting r = new LoadReporting(node, clusters, loadStats, ads);
        r.clustersChanged();
        return r;
    }

    /**
     * Opens the load_stats_config stream: Envoy's cluster manager makes its LoadStatsReporter (which opens the
     * stream at once) in initializeSecondaryClusters, once the primary (static, non-EDS) clusters are initialized
     * and the runtime is ready (onRuntimeReady: RTDS's first responses in).
     */
    public synchronized void secondaryClustersInitializing() {
        if (loadStatsTarget != null && !loadStatsStarted && !closed) {
            loadStatsStarted = true;
            open(loadStatsTarget, c -> true);
        }
    }

    /**
     * Called after each cluster update: the first cluster whose load reports go to the xDS server
     * opens that stream (a server that never asked is never sent one).
     */
    public synchronized void clustersChanged() {
        if (closed || adsStarted || adsTarget == null || adsTarget.equals(loadStatsTarget)) {
            return;
        }
        for (Cluster c : clusters.all()) {
            if (reportsToXdsServer(c)) {
                adsStarted = true;
                open(adsTarget, LoadReporting::reportsToXdsServer);
                return;
            }
        }
    }

    private static boolean reportsToXdsServer(Cluster c) {
        return c.config().options() != null && c.config().options().lrsServerSelf();
    }

    private void open(XdsTarget target, java.util.function.Predicate<Cluster> eligible) {
        io.remora.xds.grpc.StreamChannel channel = channels.open(target);
        opened.add(channel);
        LoadStatsReporter r = new LoadStatsReporter(target.toString(), channel, node, clusters,
                eligible, exec, LoadStatsReporter.RETRY_DELAY_MS);
        reporters.add(r);
        r.start();
    }

    @Override
    public synchronized void close() {
        closed = true;
        reporters.forEach(LoadStatsReporter::close);
        exec.shutdown();
        opened.forEach(io.remora.xds.grpc.StreamChannel::close);
        channels.close();
    }
}
