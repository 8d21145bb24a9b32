package io.remora.upstream;

import io.remora.config.ClusterConfig;
import io.remora.config.ClusterConfig.DiscoveryType;
import io.remora.server.Transport;
import io.remora.stats.ClusterManagerStats;
import io.remora.stats.RetiredClusters;
import io.remora.stats.StatsRegistry;
import java.time.Duration;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * All clusters by name. {@link #update} runs on the control thread: it creates, updates in place
 * and removes clusters and publishes the new name map with one volatile write. Workers read
 * the map without locks. DNS clusters' names re-resolve each on its own timer, on one DNS thread,
 * every {@code dns_refresh_rate} (or as their TTLs and failure backoff say), looked up
 * asynchronously through the resolver {@link DnsResolvers} picks.
 */
public final class ClusterManagerImpl implements ClusterManager, AutoCloseable {
    /** Envoy's default dns_refresh_rate. */
    static final Duration DEFAULT_DNS_REFRESH = Duration.ofSeconds(5);

    private final StatsRegistry stats;
    private final DnsResolvers resolvers;
    private final io.remora.tls.SecretManager secrets;
    private final UpstreamRuntime runtime;
    private volatile Map<String, Cluster> clusters = Map.of();
    /** How each cluster's periodic task (DNS rounds, ORIGINAL_DST sweeps) is stopped. */
    private final Map<String, Runnable> refreshers = new HashMap<>();
    private ScheduledExecutorService dnsThread;
    private java.util.concurrent.ExecutorService dnsLookups;
    private final DnsCaches dnsCaches;
    private LocalZone localZone;
    private io.remora.config.BindConfig defaultUpstreamBind; // guarded by this

    public ClusterManagerImpl(StatsRegistry stats) {
        this(stats, null);
    }

    public ClusterManagerImpl(StatsRegistry stats, DnsResolver resolver) {
        this(stats, resolver, new io.remora.tls.SecretManager(), Transport.detect());
    }

    /**
     * @param resolver  null: the platform's resolvers (c-ares' default for DNS clusters and caches
     *                  without a resolver config, getaddrinfo where one is configured); else a stand-in for both
     * @param secrets   where clusters find the SDS secrets their transport sockets name
     * @param transport the socket transport health check connections use
     */
    public ClusterManagerImpl(StatsRegistry stats, DnsResolver resolver, io.remora.tls.SecretManager secrets,
                              Transport transport) {
        this.stats = stats;
        this.resolvers = new DnsResolvers(resolver);
        this.secrets = secrets;
        this.runtime = new UpstreamRuntime(transport, stats.meterRegistry());
        this.dnsCaches = new DnsCaches(resolvers, this::dns, this::dnsLookups, stats.meterRegistry());
    }

    /** How clusters' upstream HTTP filters ({@code http_filters} of their HTTP protocol options) become runtimes. */
    public void upstreamHttpFilters(io.remora.http.filter.HttpFilterFactories factories) {
        runtime.upstreamHttpFilters(factories);
    }

    /**
     * How clusters' upstream network filters ({@code filters}) become runtimes: the server's
     * network filter providers, and the context the filters run in.
     */
    public void upstreamFilters(java.util.function.Function<io.remora.config.NetworkFilterConfig,
            io.remora.network.ConnectionFilterFactory> factories, io.remora.server.ServerContext context) {
        runtime.upstreamFilters(factories, context);
    }

    /**
     * The bootstrap's resolver ({@code typed_dns_resolver_config}, {@code dns_resolution_config} or
     * {@code use_tcp_for_dns_lookups}), for DNS clusters that have none of their own, and its
     * {@code typed_dns_resolver_config} alone, for dynamic forward proxy caches that have none;
     * null: c-ares' default.
     */
    public void defaultDnsResolver(io.remora.config.DnsResolverConfig config,
                                   io.remora.config.DnsResolverConfig typed) {
        resolvers.bootstrap(config, typed);
    }

    /**
     * Bootstrap {@code cluster_manager.upstream_bind_config}: the bind config of the clusters that have
     * none of their own, from the next {@link #update} on; null: none.
     */
    public synchronized void defaultUpstreamBind(io.remora.config.BindConfig bind) {
        defaultUpstreamBind = bind;
    }

    /** Bootstrap {@code cluster_manager.outlier_detection.event_log_path} (empty: no event log). */
    public void outlierEventLogPath(String path) {
        runtime.outlierEventLogPath(path);
    }

    /**
     * Bootstrap {@code cluster_manager.local_cluster_name} and the node's locality: every cluster
     * then routes zone aware (Envoy's zone_aware_lb_config, defaults when unset). An empty name: none.
     */
    public synchronized void localCluster(String name, io.remora.config.ClusterLoadAssignment.Locality locality) {
        localZone = name == null || name.isEmpty() ? null : new LocalZone(name,
                locality == null ? io.remora.config.ClusterLoadAssignment.Locality.NONE : locality);
        applyLocalZone(clusters);
    }

    @Override
    public synchronized String localClusterName() {
        LocalZone z = localZone;
        return z == null ? "" : z.clusterName;
    }

    private void applyLocalZone(Map<String, Cluster> current) {
        LocalZone z = localZone;
        if (z != null) {
            z.cluster(current.get(z.clusterName) instanceof ClusterImpl ci ? ci : null);
        }
        for (Cluster c : current.values()) {
            if (c instanceof ClusterImpl ci) {
                ci.localZone(z, z == null ? null : new ZoneStats(stats.meterRegistry(), statName(ci.config())));
            }
        }
    }

    @Override
    public Cluster get(String name) {
        return clusters.get(name);
    }

    @Override
    public Collection<Cluster> all() {
        return clusters.values();
    }

    /**
     * The server shuts down: every HTTP pool closes its idle connections now and each busy one
     * after its request. An idle pooled connection to one of this proxy's own listeners (a CONNECT
     * tunnel, an internal hop) would otherwise hold that listener's drain to its deadline.
     */
    public void drainPoolsForShutdown() {
        for (Cluster c : all()) {
            for (Host h : c.hosts()) {
                h.healthFailure.drainPools();
            }
        }
    }

    @Override
    public DnsCache dnsCache(io.remora.config.DnsCacheConfig config) {
        return dnsCaches.get(config);
    }

    @Override
    public java.util.concurrent.CompletableFuture<DnsAnswer> lookup(io.remora.config.DnsResolverConfig resolver,
            String name, ClusterConfig.DnsLookupFamily family) {
        return dnsCaches.lookup(resolver, name, family);
    }

    /**
     * Applies the complete set of clusters: new ones are created, existing ones updated in place
     * (their hosts keep identity where addresses remain), missing ones removed.
     */
    public synchronized void update(Map<String, ClusterConfig> configs) {
        Map<String, Cluster> current = clusters;
        Map<String, Cluster> next = new LinkedHashMap<>();
        ClusterManagerStats counts = stats.clusterManager();
        for (ClusterConfig given : configs.values()) {
            ClusterConfig c = given.upstreamBind() == null && defaultUpstreamBind != null
                    ? given.toBuilder().upstreamBind(defaultUpstreamBind).build() : given;
            Cluster before = current.get(c.name());
            if (before == null) {
                counts.clusterAdded.increment();
            } else if (!sameCluster(before.config(), c)) {
                counts.clusterModified.increment();
            }
            if (c.type() == DiscoveryType.AGGREGATE) {
                next.put(c.name(), aggregate(c, current.get(c.name())));
                continue;
            }
            ClusterImpl existing = current.get(c.name()) instanceof ClusterImpl ci ? ci : null;
            if (existing != null && existing.config().type() != c.type()) {
                // A different discovery type is a different cluster; start afresh.
                stopRefresher(c.name());
                existing = null;
            }
            if (existing == null) {
                RetiredClusters.restore(stats.meterRegistry(), statName(c));
                ClusterImpl created = new ClusterImpl(c, stats.cluster(statName(c)), secrets,
                        () -> io.remora.tls.TlsStats.cluster(stats.meterRegistry(), statName(c)), runtime);
                created.update(c);
                created.dnsCache(c.dnsCache() == null ? null : dnsCaches.get(c.dnsCache()), created.stats());
                next.put(c.name(), created);
                startRefresher(created);
            } else {
                boolean endpointsChanged = !java.util.Objects.equals(existing.config().loadAssignment(), c.loadAssignment())
                        || existing.config().dnsLookupFamily() != c.dnsLookupFamily();
                boolean rateChanged = !java.util.Objects.equals(existing.config().dnsRefreshRate(), c.dnsRefreshRate())
                        || !java.util.Objects.equals(existing.config().dnsResolver(), c.dnsResolver())
                        || existing.config().respectDnsTtl() != c.respectDnsTtl()
                        || !java.util.Objects.equals(existing.config().dnsFailureRefresh(), c.dnsFailureRefresh());
                existing.update(c);
                existing.dnsCache(c.dnsCache() == null ? null : dnsCaches.get(c.dnsCache()), existing.stats());
                next.put(c.name(), existing);
                boolean sweepChanged = c.type() == DiscoveryType.ORIGINAL_DST
                        && !existing.config().options().cleanupInterval().equals(c.options().cleanupInterval());
                if (isDns(c) && (endpointsChanged || rateChanged) || sweepChanged) {
                    stopRefresher(c.name());
                    startRefresher(existing);
                }
            }
        }
        for (Map.Entry<String, Cluster> e : current.entrySet()) {
            if (next.get(e.getKey()) != e.getValue()) {
                if (!next.containsKey(e.getKey())) {
                    stopRefresher(e.getKey());
                    counts.clusterRemoved.increment();
                }
                if (e.getValue() instanceof ClusterImpl ci) {
                    ci.close();
                }
            }
        }
        for (Cluster c : next.values()) {
            if (c instanceof AggregateCluster a) {
                // Before the map is published: no pick sees the new map with the old members.
                a.members(next);
            }
        }
        clusters = Collections.unmodifiableMap(next);
        counts.active(next.size());
        retireStats(current, next);
        applyLocalZone(clusters);
    }

    /** Stat names no cluster has any more: their stats leave the exports, as Envoy's go with the cluster's scope. */
    private void retireStats(Map<String, Cluster> before, Map<String, Cluster> after) {
        java.util.Set<String> kept = new java.util.HashSet<>();
        for (Cluster c : after.values()) {
            kept.add(statName(c.config()));
        }
        for (Cluster c : before.values()) {
            if (!kept.contains(statName(c.config()))) {
                RetiredClusters.retire(stats.meterRegistry(), statName(c.config()));
            }
        }
    }

    /** The same cluster config: an EDS cluster's load assignment comes from EDS, not from the cluster. */
    private static boolean sameCluster(ClusterConfig before, ClusterConfig now) {
        if (now.type() == DiscoveryType.EDS && before.type() == DiscoveryType.EDS
                && !java.util.Objects.equals(before.loadAssignment(), now.loadAssignment())) {
            return before.toBuilder().loadAssignment(now.loadAssignment()).build().equals(now);
        }
        return before.equals(now);
    }

    /**
     * An aggregate cluster for this config: the existing one updated, or a new one (replacing a
     * cluster of another type of that name, whose periodic task stops).
     */
    private AggregateCluster aggregate(ClusterConfig c, Cluster existing) {
        AggregateCluster a;
        if (existing instanceof AggregateCluster found) {
            a = found;
        } else {
            if (existing != null) {
                stopRefresher(c.name());
            }
            RetiredClusters.restore(stats.meterRegistry(), statName(c));
            a = new AggregateCluster(c, stats.cluster(statName(c)), runtime::layeredRuntime);
        }
        a.update(c);
        return a;
    }

    /** Completes when every current cluster has its first host set (or failed to get one). */
    public CompletableFuture<Void> initialized() {
        return CompletableFuture.allOf(clusters.values().stream()
                .filter(c -> c instanceof ClusterImpl && c.config().options().waitForWarmOnInit())
                .map(c -> ((ClusterImpl) c).initialized()).toArray(CompletableFuture[]::new));
    }

    /**
     * Each current cluster's first round of active health checks (of the hosts it has now), by name;
     * clusters without health checks are left out.
     */
    public Map<String, CompletableFuture<Void>> firstHealthChecks() {
        Map<String, CompletableFuture<Void>> out = new LinkedHashMap<>();
        for (Cluster c : clusters.values()) {
            if (c instanceof ClusterImpl impl && !c.config().healthChecks().isEmpty()) {
                out.put(c.name(), impl.firstHealthChecks());
            }
        }
        return out;
    }

    private static String statName(ClusterConfig c) {
        return c.altStatName() != null && !c.altStatName().isEmpty() ? c.altStatName() : c.name();
    }

    private static boolean isDns(ClusterConfig c) {
        return c.type() == DiscoveryType.STRICT_DNS || c.type() == DiscoveryType.LOGICAL_DNS;
    }

    private void startRefresher(ClusterImpl cluster) {
        ClusterConfig c = cluster.config();
        if (isDns(c)) {
            Duration rate = c.dnsRefreshRate() != null && !c.dnsRefreshRate().isZero()
                    ? c.dnsRefreshRate() : DEFAULT_DNS_REFRESH;
            DnsRefreshTask task = new DnsRefreshTask(cluster, resolvers, dns(), dnsLookups(), rate,
                    new DnsUpdateStats(stats.meterRegistry(), statName(c)));
            refreshers.put(c.name(), task::stop);
            task.start();
        } else if (c.type() == DiscoveryType.ORIGINAL_DST) {
            long ms = Math.max(1, c.options().cleanupInterval().toMillis());
            ScheduledFuture<?> sweeps = dns().scheduleWithFixedDelay(cluster::sweepOriginalDstHosts, ms, ms,
                    TimeUnit.MILLISECONDS);
            refreshers.put(c.name(), () -> sweeps.cancel(false));
        }
    }

    private void stopRefresher(String name) {
        Runnable stop = refreshers.remove(name);
        if (stop != null) {
            stop.run();
        }
    }

    /**
     * Where blocking DNS work runs: tests' stand-in resolvers, each lookup on a thread of its own
     * so that a slow name delays no other, and the building of a resolver (it reads files). The
     * platform's resolvers need none: name-server lookups hold no thread, getaddrinfo has its own.
     */
    private synchronized java.util.concurrent.ExecutorService dnsLookups() {
        if (dnsLookups == null) {
            dnsLookups = new java.util.concurrent.ThreadPoolExecutor(0, Integer.MAX_VALUE, 30, TimeUnit.SECONDS,
                    new java.util.concurrent.SynchronousQueue<>(), r -> {
                        Thread t = new Thread(r, "remora-dns-lookup");
                        t.setDaemon(true);
                        return t;
                    });
        }
        return dnsLookups;
    }

    private synchronized ScheduledExecutorService dns() {
        if (dnsThread == null) {
            dnsThread = Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "remora-dns");
                t.setDaemon(true);
                return t;
            });
        }
        return dnsThread;
    }

    @Override
    public synchronized void close() {
        refreshers.values().forEach(Runnable::run);
        refreshers.clear();
        for (Cluster c : clusters.values()) {
            if (c instanceof ClusterImpl ci) {
                ci.close();
            }
        }
        runtime.close();
        dnsCaches.close();
        if (dnsThread != null) {
            dnsThread.shutdownNow();
        }
        if (dnsLookups != null) {
            dnsLookups.shutdownNow();
        }
        resolvers.close();
    }
}
