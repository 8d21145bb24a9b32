package io.remora.upstream;

import io.remora.config.ClusterConfig.LbPolicy;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

/**
 * An immutable snapshot of a cluster's hosts by priority, with the load balancers and Envoy's
 * priority load and panic decisions precomputed. Rebuilt on every membership or health change.
 *
 * <p>Envoy's rules: a priority's health is {@code min(100, overprovisioning% * healthy / hosts)};
 * the normalized total health is the sum capped at 100; load goes to priorities in order, each
 * taking up to its health (scaled to the total when the total is below 100). When the total is
 * below 100 a priority with less than {@link #PANIC_THRESHOLD}% healthy hosts is in panic and
 * balances over all its hosts; when every priority is in panic the load follows host counts.
 */
final class PrioritySet {
    /** Envoy's default {@code healthy_panic_threshold}. */
    static final int PANIC_THRESHOLD = 50;
    /** Envoy's default overprovisioning factor, in percent. */
    static final int DEFAULT_OVERPROVISIONING = 140;

    static final PrioritySet EMPTY = new PrioritySet(List.of(), List.of(), LbPolicy.ROUND_ROBIN, 0,
            DEFAULT_OVERPROVISIONING);

    private final List<Host> all;
    private final int healthyCount;
    private final LoadBalancer[] lbs;
    /** Cumulative load per priority, out of 100; the last entry is 100 when any load exists. */
    private final int[] cumulativeLoad;

    /**
     * @param levels hosts per priority (index = priority; empty levels allowed)
     */
    PrioritySet(List<Host> all, List<List<Host>> levels, LbPolicy policy, int choiceCount, int overprovisioning) {
        this.all = List.copyOf(all);
        int n = levels.size();
        int[] health = new int[n];
        boolean[] panic = new boolean[n];
        int healthyTotal = 0;
        int totalHealth = 0;
        List<Host[]> healthyPerLevel = new ArrayList<>(n);
        for (int p = 0; p < n; p++) {
            List<Host> level = levels.get(p);
            List<Host> healthy = new ArrayList<>(level.size());
            for (Host h : level) {
                if (h.isHealthy()) {
                    healthy.add(h);
                }
            }
            healthyPerLevel.add(healthy.toArray(new Host[0]));
            healthyTotal += healthy.size();
            health[p] = level.isEmpty() ? 0
                    : (int) Math.min(100, (long) overprovisioning * healthy.size() / level.size());
            panic[p] = level.isEmpty() || 100L * healthy.size() / level.size() < PANIC_THRESHOLD;
            totalHealth += health[p];
        }
        this.healthyCount = healthyTotal;
        totalHealth = Math.min(100, totalHealth);
        int[] load = new int[n];
        boolean allPanic = true;
        if (totalHealth == 100) {
            java.util.Arrays.fill(panic, false);
            allPanic = false;
        } else {
            for (boolean b : panic) {
                allPanic &= b;
            }
        }
        int totalHosts = 0;
        for (List<Host> level : levels) {
            totalHosts += level.size();
        }
        if (allPanic) {
            // Envoy's recalculateLoadInTotalPanic: spread by host counts, ignoring health.
            distribute(load, levels.stream().mapToInt(List::size).toArray(), totalHosts);
        } else {
            distribute(load, health, totalHealth);
        }
        this.lbs = new LoadBalancer[n];
        this.cumulativeLoad = new int[n];
        int cum = 0;
        for (int p = 0; p < n; p++) {
            Host[] use = panic[p] ? levels.get(p).toArray(new Host[0]) : healthyPerLevel.get(p);
            lbs[p] = use.length == 0 ? null : LoadBalancer.create(policy, use, choiceCount);
            if (lbs[p] == null) {
                load[p] = 0;
            }
            cum += load[p];
            cumulativeLoad[p] = cum;
        }
    }

    private static void distribute(int[] load, int[] weights, int total) {
        if (total == 0) {
            return;
        }
        int remaining = 100;
        int firstNonZero = -1;
        for (int p = 0; p < load.length; p++) {
            int delta = Math.min(remaining, weights[p] * 100 / total);
            load[p] = delta;
            remaining -= delta;
            if (firstNonZero < 0 && weights[p] > 0) {
                firstNonZero = p;
            }
        }
        if (remaining > 0 && firstNonZero >= 0) {
            load[firstNonZero] += remaining;
        }
    }

    List<Host> hosts() {
        return all;
    }

    int healthyCount() {
        return healthyCount;
    }

    /** A host by priority load and the level's balancer; null when no level can take load. */
    Host pick() {
        int n = lbs.length;
        if (n == 0) {
            return null;
        }
        if (n == 1 || cumulativeLoad[0] == 100) {
            LoadBalancer lb = lbs[0];
            return lb == null ? null : lb.pick();
        }
        int total = cumulativeLoad[n - 1];
        if (total == 0) {
            return null;
        }
        int r = ThreadLocalRandom.current().nextInt(total);
        for (int p = 0; p < n; p++) {
            if (r < cumulativeLoad[p]) {
                return lbs[p].pick();
            }
        }
        return null;
    }
}
