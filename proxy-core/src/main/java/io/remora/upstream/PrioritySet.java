package io.remora.upstream;

import io.remora.config.ClusterConfig.LbPolicy;
import io.remora.config.ClusterLoadAssignment.Locality;
import io.remora.config.LoadBalancingConfig;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * An immutable snapshot of a cluster's hosts by priority, with the load balancers and Envoy's
 * priority load and panic decisions precomputed. Rebuilt on every membership or health change
 * (control or upstream thread) and then read by every worker without locks.
 *
 * <p>Envoy's rules ({@code LoadBalancerBase::recalculatePerPriorityState}): a priority's health
 * is {@code min(100, overprovisioning% * healthy / hosts)}, its degraded availability likewise
 * with degraded hosts; load goes to priorities in order up to their health, then what remains to
 * degraded hosts, scaled when the total availability is below 100. Unless the total is 100, a
 * priority whose healthy+degraded share is below the panic threshold balances over all its hosts;
 * when every priority is in panic the load follows host counts.
 */
final class PrioritySet {
    /** Envoy's default {@code healthy_panic_threshold}. */
    static final int PANIC_THRESHOLD = 50;
    /** Envoy's default overprovisioning factor, in percent. */
    static final int DEFAULT_OVERPROVISIONING = 140;

    static final PrioritySet EMPTY = new PrioritySet(List.of(), List.of(), LbPolicy.ROUND_ROBIN, 0,
            DEFAULT_OVERPROVISIONING, LoadBalancingConfig.DEFAULT, Map.of());

    private final List<Host> all;
    private final int healthyCount;
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
        this.health = health;
        this.degradedAvailability = degraded;
        List<Host[]> healthyPer = new ArrayList<>(n);
        List<Host[]> degradedPer = new ArrayList<>(n);
        int healthyTotal = 0;
        for (int p = 0; p < n; p++) {
            List<Host> level = levels.get(p);
            List<Host> healthy = new ArrayList<>(level.size());
            List<Host> deg = new ArrayList<>();
            for (Host h : level) {
                if (h.isDegraded()) {
                    deg.add(h);
                } else if (h.isHealthy()) {
                    healthy.add(h);
                }
            }
            healthyPer.add(healthy.toArray(new Host[0]));
            degradedPer.add(deg.toArray(new Host[0]));
            healthyTotal += healthy.size() + deg.size();
            if (!level.isEmpty()) {
                health[p] = (int) Math.min(100, (long) overprovisioning * healthy.size() / level.size());
                degraded[p] = (int) Math.min(100, (long) overprovisioning * deg.size() / level.size());
            }
        }
        this.healthyCount = healthyTotal;
        int totalAvailability = 0;
        for (int p = 0; p < n; p++) {
            totalAvailability += health[p] + degraded[p];
        }
        totalAvailability = Math.min(100, totalAvailability);
        int[] healthyLoad = new int[n];
        int[] degradedLoad = new int[n];
        if (totalAvailability > 0) {
            int[] first = {-1};
            int remaining = distribute(healthyLoad, health, 100, totalAvailability, first);
            int[] firstDegraded = {-1};
            remaining = distribute(degradedLoad, degraded, remaining, totalAvailability, firstDegraded);
            if (remaining > 0) {
                if (first[0] >= 0) {
                    healthyLoad[first[0]] += remaining;
                } else if (firstDegraded[0] >= 0) {
                    degradedLoad[firstDegraded[0]] += remaining;
                }
            }
        }
        double panicThreshold = Math.min(100, lbConfig.healthyPanicThreshold());
        boolean[] panic = new boolean[n];
        this.panic = panic;
        boolean allPanic = n > 0;
        for (int p = 0; p < n; p++) {
            int size = levels.get(p).size();
            double available = size == 0 ? 0
                    : 100.0 * (healthyPer.get(p).length + degradedPer.get(p).length) / size;
            panic[p] = totalAvailability != 100 && available < panicThreshold;
            allPanic &= panic[p];
        }
        if (panicThreshold == 0 && totalAvailability == 0 && n > 0) {
            // Panic disabled and nothing available: the load still sums to 100, on P0, which has no host.
            healthyLoad[0] = 100;
        } else if (allPanic) {
            // Envoy's recalculateLoadInTotalPanic: spread by host counts, ignoring health.
            int totalHosts = 0;
            for (List<Host> level : levels) {
                totalHosts += level.size();
            }
            Arrays.fill(degradedLoad, 0);
            int[] counts = levels.stream().mapToInt(List::size).toArray();
            int[] first = {-1};
            int remaining = totalHosts == 0 ? 100 : distribute(healthyLoad, counts, 100, totalHosts, first);
            if (remaining > 0 && first[0] >= 0) {
                healthyLoad[first[0]] += remaining;
            }
        }
        this.zoneEligible = n > 0 && !hashed && !lbConfig.localityWeighted() && !panic[0];
        // Envoy reads it in its zone-aware balancers (round robin, least request, random) only.
        this.failTrafficOnPanic = !hashed && lbConfig.zoneAware() != null && lbConfig.zoneAware().failTrafficOnPanic();
        this.healthySources = new HostSource[n];
        this.degradedSources = new HostSource[n];
        this.cumulative = new int[2 * n];
        for (int p = 0; p < n; p++) {
            Map<Locality, Integer> lw = localityWeights.getOrDefault(p, Map.of());
            if (panic[p] && failTrafficOnPanic) {
                // zone_aware_lb_config.fail_traffic_on_panic: a priority in panic has no host.
                healthySources[p] = HostSource.EMPTY;
                degradedSources[p] = HostSource.EMPTY;
            } else if (panic[p]) {
                Host[] everyone = levels.get(p).toArray(new Host[0]);
                healthySources[p] = HostSource.of(everyone, everyone, policy, choiceCount, lbConfig, lw, overprovisioning);
                degradedSources[p] = healthySources[p];
            } else {
                Host[] everyone = levels.get(p).toArray(new Host[0]);
                healthySources[p] = HostSource.of(healthyPer.get(p), everyone, policy, choiceCount, lbConfig, lw,
                        overprovisioning);
                degradedSources[p] = HostSource.of(degradedPer.get(p), everyone, policy, choiceCount, lbConfig, lw,
                        overprovisioning);
            }
        }
        int cum = 0;
        for (int p = 0; p < n; p++) {
            cum += healthyLoad[p];
            cumulative[p] = cum;
        }
        for (int p = 0; p < n; p++) {
            cum += degradedLoad[p];
            cumulative[n + p] = cum;
        }
    }

    /** Envoy's distributeLoad: each level takes min(what is left, its share), in order. */
    static int distribute(int[] load, int[] availability, int total, int normalizedTotal, int[] first) {
        for (int p = 0; p < load.length; p++) {
            if (first[0] < 0 && availability[p] > 0) {
                first[0] = p;
            }
            load[p] = Math.min(total, availability[p] * 100 / normalizedTotal);
            total -= load[p];
        }
        return total;
    }

    List<Host> hosts() {
        return all;
    }

    /** Healthy and degraded hosts (they take traffic). */
    int healthyCount() {
        return healthyCount;
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
        if (healthySources.length == 0) {
            return null;
        }
        return workers.pick(context, zone, zoneStats);
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
        int n = health.length;
        int[] h = health.clone();
        int[] d = degradedAvailability.clone();
        int total = 0;
        for (int p = 0; p < n; p++) {
            if (p < 64 && (excluded & (1L << p)) != 0) {
                h[p] = 0;
                d[p] = 0;
            }
            total += h[p] + d[p];
        }
        total = Math.min(100, total);
        if (total == 0) {
            return cumulative;
        }
        int[] healthyLoad = new int[n];
        int[] degradedLoad = new int[n];
        int[] first = {-1};
        int remaining = distribute(healthyLoad, h, 100, total, first);
        int[] firstDegraded = {-1};
        remaining = distribute(degradedLoad, d, remaining, total, firstDegraded);
        if (remaining > 0) {
            if (first[0] >= 0) {
                healthyLoad[first[0]] += remaining;
            } else if (firstDegraded[0] >= 0) {
                degradedLoad[firstDegraded[0]] += remaining;
            }
        }
        int[] cum = new int[2 * n];
        int c = 0;
        for (int p = 0; p < n; p++) {
            c += healthyLoad[p];
            cum[p] = c;
        }
        for (int p = 0; p < n; p++) {
            c += degradedLoad[p];
            cum[n + p] = c;
        }
        return cum;
    }

    /** True when picks follow a request hash (RING_HASH, MAGLEV). */
    boolean hashed() {
        return hashed;
    }
}
