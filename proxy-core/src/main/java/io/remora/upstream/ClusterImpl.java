package io.remora.upstream;

import io.remora.config.ClusterConfig;
import io.remora.config.ClusterConfig.DiscoveryType;
import io.remora.config.ClusterLoadAssignment;
import io.remora.network.SocketTap;
import io.remora.stats.ClusterStats;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * The runtime of one cluster of any discovery type. Membership changes (config update, DNS
 * answer) run on the control or DNS thread, serialized by this object's monitor, and end in one
 * volatile write of a new {@link PrioritySet}; picks read that field once and never lock.
 */
public final class ClusterImpl implements Cluster {

    private final String name;
    private final ClusterStats stats;
    private final ResourceLimits limits;
    private final CompletableFuture<Void> initialized = new CompletableFuture<>();
    private volatile ClusterConfig config;
    private volatile PrioritySet prioritySet = PrioritySet.EMPTY;
    /** lb_subset_config's subsets of the host set; null when the cluster has none. */
    private volatile SubsetSets subsets;
    private final io.remora.tls.SecretManager secrets;
    private final java.util.function.Supplier<io.remora.tls.TlsStats> tlsStats;
    private volatile TransportSocketFactory transportSockets = TransportSocketFactory.RAW;
    private volatile UpstreamFilterChain upstreamFilters;
    private volatile io.remora.http.filter.UpstreamHttpFilterChain upstreamHttpFilters;
    /** The last endpoints, so a health change or config change can rebuild the set. */
    private List<ResolvedEndpoint> endpoints = List.of();
    /** ORIGINAL_DST hosts by destination; created on first use, swept when idle. */
    private final OriginalDstHosts originalDstHosts;
    /** A DYNAMIC_FORWARD_PROXY cluster's hosts, by its DNS cache; null for other types. */
    private volatile DynamicForwardProxyHosts dynamicHosts;
    /** Null for a cluster built without a cluster manager (tests): no outlier detection, no health checks. */
    private final UpstreamRuntime runtime;
    private final ClusterResilience resilience;
    private final MembershipStats membershipStats;
    private final ClusterSocketTap socketTap;
    /** Zone-aware routing against the local cluster; null when the proxy has none. */
    private volatile LocalZone localZone;
    private volatile ZoneStats zoneStats;
    /** {@code cluster.<name>.lb_healthy_panic}; null without a cluster manager (tests). */
    private final io.micrometer.core.instrument.Counter healthyPanic;
    private final HashTableStats hashTableStats;
    /** endpoint_stale_after of an EDS cluster's assignment. */
    private final StaleAssignments staleness;
    /** Client-side weighted round robin's weights from ORCA reports (idle under other policies). */
    private final ClientSideWeightUpdater clientSideWeights;
    private volatile double dropOverload;
    private final MaintenanceMode maintenance;

    ClusterImpl(ClusterConfig config, ClusterStats stats, io.remora.tls.SecretManager secrets,
                java.util.function.Supplier<io.remora.tls.TlsStats> tlsStats) {
        this(config, stats, secrets, tlsStats, null);
    }

    /** @param runtime what outlier detection and health checks run on; null: neither (tests) */
    ClusterImpl(ClusterConfig config, ClusterStats stats, io.remora.tls.SecretManager secrets,
                java.util.function.Supplier<io.remora.tls.TlsStats> tlsStats, UpstreamRuntime runtime) {
        this.name = config.name();
        this.secrets = secrets;
        this.tlsStats = tlsStats;
        this.config = config;
        this.stats = stats;
        this.runtime = runtime;
        java.util.function.Supplier<io.remora.runtime.Runtime> layered =
                runtime == null ? () -> io.remora.runtime.Runtime.EMPTY : runtime::layeredRuntime;
        this.limits = ResourceLimits.of(config, layered);
        this.maintenance = new MaintenanceMode(name, layered);
        this.originalDstHosts = new OriginalDstHosts(this::config, stats);
        this.membershipStats = new MembershipStats(stats, runtime == null ? null
                : io.remora.stats.ClusterManagerStats.of(runtime.registry()).clusterUpdated);
        this.resilience = new ClusterResilience(name, stats, runtime, this::hostHealthChanged,
                this::transportSocketFactory);
        this.socketTap = new ClusterSocketTap(runtime);
        this.clientSideWeights = new ClientSideWeightUpdater(runtime, this::clientSideWeightsDue, System::nanoTime);
        this.staleness = new StaleAssignments(runtime, stats, this::assignmentStale);
        this.healthyPanic = runtime == null ? null : io.micrometer.core.instrument.Counter
                .builder("envoy_cluster_lb_healthy_panic").tag(ClusterStats.TAG, stats.name()).register(runtime.registry());
        this.hashTableStats = new HashTableStats(runtime == null ? null : runtime.registry(), stats.name());
        if (config.type() == DiscoveryType.ORIGINAL_DST || config.type() == DiscoveryType.DYNAMIC_FORWARD_PROXY) {
            initialized.complete(null);
        }
    }

    /** The cluster's circuit_breakers thresholds, Envoy's defaults when it has none. */
    static ClusterConfig.CircuitBreakers breakers(ClusterConfig c) {
        return c.circuitBreakers() != null ? c.circuitBreakers() : ClusterConfig.CircuitBreakers.DEFAULT;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public ClusterConfig config() {
        return config;
    }

    @Override
    public boolean maintenanceMode() {
        return maintenance.drawn();
    }

    @Override
    public ClusterStats stats() {
        return stats;
    }

    @Override
    public TransportSocketFactory transportSocketFactory() {
        return transportSockets;
    }

    @Override
    public SocketTap socketTap() {
        return socketTap.tap(config.socketTap());
    }

    @Override
    public UpstreamFilterChain upstreamFilters() {
        return upstreamFilters;
    }

    @Override
    public io.remora.http.filter.UpstreamHttpFilterChain upstreamHttpFilters() {
        return upstreamHttpFilters;
    }

    @Override
    public ResourceLimits limits() {
        return limits;
    }

    @Override
    public double dropOverload() {
        return dropOverload;
    }

    @Override
    public io.remora.overload.LoadShedPoint newConnectionShedPoint() {
        io.remora.server.ServerContext c = runtime == null ? null : runtime.context();
        return c == null ? io.remora.overload.LoadShedPoint.NEVER : c.overload().shedPoolNewConnection;
    }

    @Override
    public List<Host> hosts() {
        if (config.type() == DiscoveryType.ORIGINAL_DST) {
            return originalDstHosts.hosts();
        }
        DynamicForwardProxyHosts dynamic = dynamicHosts;
        if (dynamic != null) {
            return dynamic.hosts();
        }
        return prioritySet.hosts();
    }

    /** Completes once the cluster has its first host set (DNS answered, EDS delivered). */
    public CompletableFuture<Void> initialized() {
        return initialized;
    }

    @Override
    public Host chooseHost(LoadBalancerContext context) {
        return chooseHost(context, null);
    }

    /** @param forced the level an aggregate cluster chose (see {@link PriorityLoad#forced}), or null */
    Host chooseHost(LoadBalancerContext context, int[] forced) {
        if (config.type() == DiscoveryType.ORIGINAL_DST) {
            return originalDstHosts.host(context);
        }
        DynamicForwardProxyHosts dynamic = dynamicHosts;
        if (dynamic != null) {
            return dynamic.host(context, transportSockets != TransportSocketFactory.RAW);
        }
        OverrideHost override = context == null ? null : context.overrideHost();
        if (override != null) {
            Host h = override.pick(prioritySet.hosts(), config.loadBalancing());
            if (h != null || override.strict()) {
                return h;
            }
        }
        LocalZone zone = localZone;
        SubsetSets ss = subsets;
        if (ss != null) {
            return ss.pick(context, zone, zoneStats);
        }
        return prioritySet.pick(context, zone, zoneStats, forced);
    }

    /** Routes zone aware against this local cluster from now on (null: not). */
    void localZone(LocalZone zone, ZoneStats stats) {
        this.zoneStats = stats;
        this.localZone = zone;
    }

    PrioritySet prioritySet() {
        return prioritySet;
    }

    /**
     * {@code cluster.<name>.upstream.proxyprotocol.v2_tlvs_exceed_max_length}, registered only for
     * a cluster that sends PROXY headers (as Envoy's socket factory makes it).
     */
    private Runnable proxyProtocolTlvsDropped(ClusterConfig c) {
        if (runtime == null || !c.usesProxyProtocol()) {
            return () -> { };
        }
        io.micrometer.core.instrument.Counter counter = io.micrometer.core.instrument.Counter
                .builder("envoy_cluster_upstream_proxyprotocol_v2_tlvs_exceed_max_length")
                .tag(ClusterStats.TAG, stats.name()).register(runtime.registry());
        return counter::increment;
    }

    /** A DYNAMIC_FORWARD_PROXY cluster's DNS cache (kept when the same cache comes again); null: none. */
    void dnsCache(DnsCache cache, ClusterStats stats) {
        DynamicForwardProxyHosts current = dynamicHosts;
        if (cache == null) {
            dynamicHosts = null;
        } else if (current == null || current.cache() != cache) {
            dynamicHosts = new DynamicForwardProxyHosts(cache, stats);
        }
    }

    /** Drops ORIGINAL_DST hosts idle since the previous sweep (Envoy's cleanup_interval). */
    void sweepOriginalDstHosts() {
        originalDstHosts.sweep();
    }

    /** Applies a new config: thresholds in place; STATIC/EDS hosts from its load assignment. */
    synchronized void update(ClusterConfig next) {
        ClusterConfig previous = this.config;
        this.config = next;
        if (transportSockets == TransportSocketFactory.RAW || previous != next
                && (!java.util.Objects.equals(previous.transportSocket(), next.transportSocket())
                || !previous.transportSocketMatches().equals(next.transportSocketMatches())
                || !java.util.Objects.equals(previous.upstreamProxyProtocol(), next.upstreamProxyProtocol()))) {
            transportSockets = io.remora.tls.UpstreamTransportSockets.of(next, secrets, tlsStats,
                    proxyProtocolTlvsDropped(next));
        }
        if (upstreamFilters == null || !previous.upstreamFilters().equals(next.upstreamFilters())) {
            upstreamFilters = runtime != null ? runtime.upstreamFilters(next.name(), next.upstreamFilters())
                    : UpstreamFilterChain.NONE;
        }
        if (previous == next || !java.util.Objects.equals(previous.upstreamHttpFilters(), next.upstreamHttpFilters())) {
            upstreamHttpFilters = runtime != null ? runtime.upstreamHttpFilters(next) : null;
        }
        limits.configure(next, stats);
        stats.track(next.options().trackTimeoutBudgets(), next.options().trackRequestResponseSizes());
        resilience.configure(next, prioritySet.hosts());
        clientSideWeights.configure(next.loadBalancing().clientSideWeights());
        dropOverload = DropOverloadLimit.share(next, runtime); // as Envoy reads it with each assignment
        switch (next.type()) {
            case STATIC, EDS -> {
                if (next.loadAssignment() != null) {
                    if (next.type() == DiscoveryType.EDS && staleness.assignment(next.loadAssignment())) {
                        // endpoint_stale_after expired on this very assignment: it stays dropped.
                        return;
                    }
                    setEndpoints(HostMembership.staticEndpoints(next.loadAssignment()));
                    markInitialized();
                } else {
                    setEndpoints(List.of());
                    // EDS without an assignment yet: no hosts, not initialized.
                    return;
                }
            }
            case STRICT_DNS, LOGICAL_DNS -> rebuild(); // the LB policy may have changed
            case ORIGINAL_DST -> {
            }
        }
    }

    /** Called by the DNS refresher with the union of every endpoint's resolved addresses. */
    synchronized void setEndpoints(List<ResolvedEndpoint> resolved) {
        this.endpoints = resolved;
        rebuild();
    }

    /** The endpoints the current host set was built from. */
    synchronized List<ResolvedEndpoint> endpoints() {
        return endpoints;
    }

    /**
     * Completes once its active health checks have checked each host it has now (at once without
     * health checks): Envoy's cluster initialization ends with that first round.
     */
    public CompletableFuture<Void> firstHealthChecks() {
        return resilience.firstHealthChecks();
    }

    @Override
    public io.remora.upstream.outlier.OutlierDetector outlierDetector() {
        return resilience.outlierDetector();
    }

    /** Marks the cluster initialized even without hosts (a DNS answer that was empty). */
    void markInitialized() {
        initialized.complete(null);
    }

    /** endpoint_stale_after passed without a new assignment: as Envoy, the cluster has no endpoints. */
    private synchronized void assignmentStale(ClusterLoadAssignment cla) {
        if (staleness.expire(cla)) {
            setEndpoints(List.of());
        }
    }

    /** Stops timers and health checks of a cluster that was removed or replaced. */
    synchronized void close() {
        staleness.close();
        resilience.close();
        clientSideWeights.close();
    }

    /** The weight update timer: regroups when an ORCA weight moved a host's weight. */
    synchronized void clientSideWeightsDue() {
        if (clientSideWeights.apply(prioritySet.hosts())) {
            rebuildFrom(prioritySet.hosts(), endpoints, false);
        }
    }

    @Override
    public void immediateHealthCheckFail(Host host) {
        resilience.immediateFail(host);
    }

    @Override
    public synchronized void hostHealthChanged() {
        // Health was changed in place by the data plane; keep it, only regroup.
        rebuildFrom(prioritySet.hosts(), endpoints, false);
    }

    private void rebuild() {
        rebuildFrom(prioritySet.hosts(), endpoints, true);
    }

    /**
     * @param applyConfigHealth a membership update carries the endpoints' configured health and
     *                          weight (EDS is authoritative); a health notification does not
     */
    private void rebuildFrom(List<Host> previous, List<ResolvedEndpoint> eps, boolean applyConfigHealth) {
        HostMembership.Result members = HostMembership.merge(previous, eps, applyConfigHealth,
                resilience.healthChecked(), config);
        List<Host> all = members.all();
        ClusterConfig c = config;
        List<List<Host>> levels = c.options().ignoreNewHostsUntilFirstHc() && resilience.healthChecked()
                ? HostMembership.withoutPendingFirstCheck(members.levels()) : members.levels();
        if (applyConfigHealth && c.options().closeConnectionsOnHostSetChange()
                && HostMembership.changed(previous, all)) {
            HostMembership.drainPools(previous, all);
        }
        // An EDS update carries configured weights: under ORCA weights the hosts keep theirs.
        clientSideWeights.apply(all);
        boolean pendingDropped = members.pendingDropped();
        int overprovisioning = c.loadAssignment() != null && c.loadAssignment().overprovisioningFactor() > 0
                ? c.loadAssignment().overprovisioningFactor() : PrioritySet.DEFAULT_OVERPROVISIONING;
        // only locality-weighted balancing reads the weights; not building them otherwise keeps the
        // Locality record's first hashCode (its ObjectMethods bootstrap) out of start-up
        Map<Integer, Map<ClusterLoadAssignment.Locality, Integer>> weights = c.loadBalancing().localityWeighted()
                ? HostMembership.localityWeights(c.loadAssignment()) : Map.of();
        boolean weightedHealth = c.loadAssignment() != null && c.loadAssignment().policy().weightedPriorityHealth();
        var lb = PanicThresholdRuntime.apply(c.loadBalancing(), runtime);
        PrioritySet next = new PrioritySet(all, levels, c.lbPolicy(), c.leastRequestChoiceCount(), overprovisioning,
                lb, weights, healthyPanic, weightedHealth, stats.upstreamRqActive::get);
        subsets = c.subsets() == null ? null : SubsetSets.build(c.subsets(), next, levels, weights,
                (lv, w) -> new PrioritySet(lv.stream().flatMap(List::stream).toList(), lv, c.lbPolicy(),
                        c.leastRequestChoiceCount(), overprovisioning, lb, w, healthyPanic,
                        weightedHealth, stats.upstreamRqActive::get),
                runtime == null ? null : stats.lbSubsets());
        prioritySet = next;
        hashTableStats.published(c.lbPolicy(), next.lastHashTable());
        membershipStats.published(all, members.levels(), c, initialized.isDone());
        if (applyConfigHealth || pendingDropped) {
            resilience.hostsChanged(all);
        }
    }
}
