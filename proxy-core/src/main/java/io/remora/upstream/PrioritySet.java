package io.remora.upstream;

import io.remora.config.ClusterConfig.LbPolicy;
import io.remora.config.ClusterLoadAssignment.Locality;
import io.remora.config.LoadBalancingConfig;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * An immutable snapshot of a cluster's hosts by priority, with the load balancers and Envoy's
 * priority load and panic decisions precomputed. Rebuilt on every membership or health change
 * (control or upstream thread) and then read by every worker without locks.
 *
 * <p>The priority load and panic levels are Envoy's, as {@link PriorityLoad} computes them.
 */
final class PrioritySet {
    /** Envoy's default {@code healthy_panic_threshold}. */
    static final int PANIC_THRESHOLD = 50;
    /** Envoy's default overprovisioning factor, in percent. */
    static final int DEFAULT_OVERPROVISIONING = 140;

    static final PrioritySet EMPTY = new PrioritySet(List.of(), List.of(), LbPolicy.ROUND_ROBIN, 0,
            DEFAULT_OVERPROVISIONING, LoadBalancingConfig.DEFAULT, Map.of());

    private final List<Host> all;
    private final boolean hashed;
    /** Per priority: what healthy load picks from, what degraded load picks from. */
    private final HostSource[] healthySources;
    private final HostSource[] degradedSources;
    /** Cumulative load out of 100: healthy loads of P0..Pn, then degraded loads of P0..Pn. */
    private final int[] cumulative;
    /** Zone-aware routing applies to P0's healthy load (not hashed, not locality weighted, no panic). */
    private final boolean zoneEligible;
    private final Host[] p0Hosts;
    private final LbPolicy policy;
    private final int choiceCount;
    private final LoadBalancingConfig lbConfig;
    /** Per priority health and degraded availability (percent, overprovisioned), for retry priorities. */
    private final int[] health;
    private final int[] degradedAvailability;
    /** Per priority: all hosts, and healthy plus degraded ones (an aggregate cluster's panic reads them). */
    private final int[] levelSizes;
    /** Per level, its hosts less the excluded ones: what its panic is judged over. */
    private final int[] countedSizes;
    private final int[] availableCounts;
    /** Computed on first use against the local cluster's host set of the moment. */
    private volatile ZoneRouting zoneRouting;
    final boolean failTrafficOnPanic;
    /** Per priority: fewer healthy and degraded hosts than the panic threshold (and not all load available). */
    private final boolean[] panic;
    private final io.micrometer.core.instrument.Counter healthyPanic;
    /** The workers' balancers over this host set (Envoy's thread-local load balancers). */
    private final WorkerBalancers workers = new WorkerBalancers(this);

    PrioritySet(List<Host> all, List<List<Host>> levels, LbPolicy policy, int choiceCount, int overprovisioning) {
        this(all, levels, policy, choiceCount, overprovisioning, LoadBalancingConfig.DEFAULT, Map.of());
    }

    /**
     * @param levels          hosts per priority (index = priority; empty levels allowed)
     * @param localityWeights per priority, each locality's {@code load_balancing_weight}
     */
    PrioritySet(List<Host> all, List<List<Host>> levels, LbPolicy policy, int choiceCount, int overprovisioning,
                LoadBalancingConfig lbConfig, Map<Integer, Map<Locality, Integer>> localityWeights) {
        this(all, levels, policy, choiceCount, overprovisioning, lbConfig, localityWeights, null);
    }

    /** @param healthyPanic {@code cluster.<name>.lb_healthy_panic}, counted per pick from a priority in panic; null: none */
    PrioritySet(List<Host> all, List<List<Host>> levels, LbPolicy policy, int choiceCount, int overprovisioning,
                LoadBalancingConfig lbConfig, Map<Integer, Map<Locality, Integer>> localityWeights,
                io.micrometer.core.instrument.Counter healthyPanic) {
        this(all, levels, policy, choiceCount, overprovisioning, lbConfig, localityWeights, healthyPanic, false);
    }

    /**
     * @param weightedHealth weighted_priority_health: a priority's health and degraded share are
     *                       its hosts' weights, not their numbers (the panic threshold still counts hosts)
     */
    PrioritySet(List<Host> all, List<List<Host>> levels, LbPolicy policy, int choiceCount, int overprovisioning,
                LoadBalancingConfig lbConfig, Map<Integer, Map<Locality, Integer>> localityWeights,
                io.micrometer.core.instrument.Counter healthyPanic, boolean weightedHealth) {
        this(all, levels, policy, choiceCount, overprovisioning, lbConfig, localityWeights, healthyPanic, weightedHealth,
                null);
    }

    /**
     * @param clusterActive the cluster's active requests (its {@code upstream_rq_active}), which
     *                      bounded-load hashing bounds each host by; null: the sum over {@code all}
     */
    PrioritySet(List<Host> all, List<List<Host>> levels, LbPolicy policy, int choiceCount, int overprovisioning,
                LoadBalancingConfig lbConfig, Map<Integer, Map<Locality, Integer>> localityWeights,
                io.micrometer.core.instrument.Counter healthyPanic, boolean weightedHealth,
                java.util.function.LongSupplier clusterActive) {
        if (clusterActive == null) {
            Host[] every = all.toArray(new Host[0]);
            clusterActive = () -> {
                long sum = 0;
                for (Host h : every) {
                    sum += h.activeRequests.get();
                }
                return sum;
            };
        }
        this.healthyPanic = healthyPanic;
        this.all = List.copyOf(all);
        this.hashed = policy == LbPolicy.RING_HASH || policy == LbPolicy.MAGLEV;
        this.policy = policy;
        this.choiceCount = choiceCount;
        this.lbConfig = lbConfig;
        int n = levels.size();
        this.p0Hosts = n == 0 ? new Host[0] : levels.get(0).toArray(new Host[0]);
        int[] health = new int[n];
        int[] degraded = new int[n];
        int[] sizes = new int[n];
        int[] counted = new int[n];
        int[] available = new int[n];
        this.health = health;
        this.degradedAvailability = degraded;
        this.levelSizes = sizes;
        this.countedSizes = counted;
        this.availableCounts = available;
        List<Host[]> healthyPer = new ArrayList<>(n);
        List<Host[]> degradedPer = new ArrayList<>(n);
        for (int p = 0; p < n; p++) {
            List<Host> level = levels.get(p);
            List<Host> healthy = new ArrayList<>(level.size());
            List<Host> deg = new ArrayList<>();
            int excluded = 0;
            for (Host h : level) {
                if (h.isExcluded()) {
                    excluded++;
                }
                if (h.isDegraded()) {
                    deg.add(h);
                } else if (h.isHealthy()) {
                    healthy.add(h);
                }
            }
            healthyPer.add(healthy.toArray(new Host[0]));
            degradedPer.add(deg.toArray(new Host[0]));
            sizes[p] = level.size();
            // As Envoy's LoadBalancerBase: excluded hosts (draining, excluded via an immediate
            // health check failure) count neither as healthy nor as hosts of the level.
            counted[p] = level.size() - excluded;
            available[p] = healthy.size() + deg.size();
            if (counted[p] == 0) {
                health[p] = 0;
                degraded[p] = 0;
            } else if (weightedHealth) {
                long total = weightOf(level);
                health[p] = PriorityLoad.availability(overprovisioning, weightOf(healthy), total);
                degraded[p] = PriorityLoad.availability(overprovisioning, weightOf(deg), total);
            } else {
                health[p] = PriorityLoad.availability(overprovisioning, healthy.size(), counted[p]);
                degraded[p] = PriorityLoad.availability(overprovisioning, deg.size(), counted[p]);
            }
        }
        PriorityLoad load = PriorityLoad.compute(health, degraded, sizes, counted, available,
                lbConfig.healthyPanicThreshold());
        boolean[] panic = load.panic;
        this.panic = panic;
        // pick_first sends everything to one host: zone routing would spread it again.
        this.zoneEligible = n > 0 && !hashed && !lbConfig.localityWeighted() && !panic[0]
                && policy != LbPolicy.PICK_FIRST;
        // Envoy reads it in its zone-aware balancers (round robin, least request, random) only.
        this.failTrafficOnPanic = !hashed && lbConfig.zoneAware() != null && lbConfig.zoneAware().failTrafficOnPanic();
        this.healthySources = new HostSource[n];
        this.degradedSources = new HostSource[n];
        for (int p = 0; p < n; p++) {
            Map<Locality, Integer> lw = localityWeights.getOrDefault(p, Map.of());
            if (panic[p] && failTrafficOnPanic) {
                // zone_aware_lb_config.fail_traffic_on_panic: a priority in panic has no host.
                healthySources[p] = HostSource.EMPTY;
                degradedSources[p] = HostSource.EMPTY;
            } else if (panic[p]) {
                Host[] everyone = levels.get(p).toArray(new Host[0]);
                healthySources[p] = HostSource.of(everyone, everyone, policy, choiceCount, lbConfig, lw, overprovisioning,
                        clusterActive);
                degradedSources[p] = healthySources[p];
            } else {
                Host[] everyone = levels.get(p).toArray(new Host[0]);
                healthySources[p] = HostSource.of(healthyPer.get(p), everyone, policy, choiceCount, lbConfig, lw,
                        overprovisioning, clusterActive);
                // Envoy builds one hash table per priority, of its healthy hosts: keys whose pick
                // falls on the degraded load still go to a healthy host. Only a priority without
                // healthy hosts hashes over its degraded ones (where Envoy would find no host).
                degradedSources[p] = hashed && healthyPer.get(p).length > 0 ? healthySources[p]
                        : HostSource.of(degradedPer.get(p), everyone, policy, choiceCount, lbConfig, lw,
                                overprovisioning, clusterActive);
            }
        }
        this.cumulative = load.cumulative;
    }

    List<Host> hosts() {
        return all;
    }

    private static long weightOf(List<Host> hosts) {
        long w = 0;
        for (Host h : hosts) {
            w += Integer.toUnsignedLong(h.weight());
        }
        return w;
    }

    /** A host without a context: a random priority, the level's balancer. */
    Host pick() {
        return pick(null);
    }

    /**
     * A host by priority load and the level's balancer; null when no level can take load. A hash
     * policy takes the context's hash (random without one) for the priority and the table; a
     * retry host predicate makes up to {@code hostSelectionRetryCount} more picks.
     */
    Host pick(LoadBalancerContext context) {
        return pick(context, null, null);
    }

    /**
     * As {@link #pick(LoadBalancerContext)}, zone aware when the proxy has a local cluster. The
     * pick runs on the calling worker's own balancer over this host set.
     */
    Host pick(LoadBalancerContext context, LocalZone zone, ZoneStats zoneStats) {
        return pick(context, zone, zoneStats, null);
    }

    /** @param forced the load an aggregate cluster chose for this pick (one level), or null: this set's own */
    Host pick(LoadBalancerContext context, LocalZone zone, ZoneStats zoneStats, int[] forced) {
        if (healthySources.length == 0) {
            return null;
        }
        return workers.pick(context, zone, zoneStats, forced);
    }

    /** How many workers have their own balancer over this host set. */
    int workerCount() {
        return workers.workerCount();
    }

    /** Counts Envoy's lb_healthy_panic when a pick comes from a priority in panic. */
    void countPanic(int priority) {
        if (panic[priority] && healthyPanic != null) {
            healthyPanic.increment();
        }
    }

    int priorityCount() {
        return healthySources.length;
    }

    /** A priority's hosts, all of them. */
    int levelSize(int priority) {
        return levelSizes[priority];
    }

    /** A priority's hosts less its excluded ones (draining, excluded via an immediate health check fail). */
    int countedSize(int priority) {
        return countedSizes[priority];
    }

    /** A priority's healthy plus degraded hosts. */
    int availableCount(int priority) {
        return availableCounts[priority];
    }

    /** A priority's health, percent overprovisioned (Envoy's per-priority health). */
    int health(int priority) {
        return health[priority];
    }

    /** A priority's degraded availability, percent overprovisioned. */
    int degradedAvailability(int priority) {
        return degradedAvailability[priority];
    }

    HostSource healthySource(int priority) {
        return healthySources[priority];
    }

    HostSource degradedSource(int priority) {
        return degradedSources[priority];
    }

    /** Cumulative load out of 100: healthy loads of P0..Pn, then degraded loads of P0..Pn. */
    int[] cumulativeLoad() {
        return cumulative;
    }

    boolean zoneEligible() {
        return zoneEligible;
    }

    LoadBalancingConfig lbConfig() {
        return lbConfig;
    }

    /**
     * The zone routing of P0 against the local cluster's current host set, computed once per
     * pair of host sets and shared by the workers.
     */
    ZoneRouting zoneRouting(LocalZone zone, PrioritySet local, ZoneStats stats) {
        ZoneRouting z = zoneRouting;
        if (z == null || z.localSet != local) {
            z = ZoneRouting.compute(p0Hosts, policy, choiceCount, lbConfig, zone.locality, local,
                    List.of(local.p0Hosts), stats);
            zoneRouting = z;
        }
        return z;
    }

    /** Envoy's isHostSetInPanic for P0: healthy and degraded hosts below the threshold percent. */
    boolean p0InPanic(double threshold) {
        if (p0Hosts.length == 0) {
            return true;
        }
        int ok = 0;
        for (Host h : p0Hosts) {
            if (h.isHealthy() || h.isDegraded()) {
                ok++;
            }
        }
        return 100.0 * ok / p0Hosts.length < threshold;
    }

    /**
     * Envoy's previous_priorities retry priority: the priority load recomputed as if the excluded
     * priorities (bit p set) had no healthy or degraded host; the original load when that leaves
     * nothing available.
     */
    int[] retryPriorityLoad(long excluded) {
        return PriorityLoad.excluding(health, degradedAvailability, excluded, cumulative);
    }

    /**
     * The ring or Maglev table built last (the highest priority that has hosts to hash), whose
     * sizes Envoy's ring_hash_lb and maglev_lb gauges show; null when none was built.
     */
    io.remora.upstream.lb.HashLoadBalancer lastHashTable() {
        for (int p = healthySources.length - 1; p >= 0; p--) {
            if (healthySources[p] instanceof HostSource.Hashed h) {
                return h.table;
            }
        }
        return null;
    }

    /** True when picks follow a request hash (RING_HASH, MAGLEV). */
    boolean hashed() {
        return hashed;
    }
}
