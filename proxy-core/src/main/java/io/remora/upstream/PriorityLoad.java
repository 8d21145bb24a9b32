package io.remora.upstream;

import java.util.Arrays;

/**
 * Envoy's priority load over a list of host levels ({@code LoadBalancerBase::recalculatePerPriorityState}):
 * what share of the picks each level's healthy and each level's degraded hosts take, and which
 * levels are in panic. Shared by a cluster's own priorities and an aggregate cluster's linearized
 * levels, which Envoy balances with the same code.
 *
 * <p>A level's health is {@code min(100, overprovisioning% * healthy / hosts)}, its degraded
 * availability likewise with degraded hosts; load goes to levels in order up to their health,
 * then what remains to degraded hosts, scaled when the total availability is below 100. Unless
 * the total is 100, a level whose healthy+degraded share is below the panic threshold is in
 * panic; when every level is, the load follows host counts.
 */
final class PriorityLoad {
    /** Cumulative load out of 100: healthy loads of L0..Ln, then degraded loads of L0..Ln. */
    final int[] cumulative;
    /** Per level: in panic (balances over all its hosts). */
    final boolean[] panic;

    private PriorityLoad(int[] cumulative, boolean[] panic) {
        this.cumulative = cumulative;
        this.panic = panic;
    }

    /** The health or degraded availability of a level: percent of its hosts, overprovisioned, at most 100. */
    static int availability(int overprovisioning, long count, long size) {
        return size == 0 ? 0 : (int) Math.min(100, overprovisioning * count / size);
    }

    /**
     * @param health         per level, percent (see {@link #availability})
     * @param degraded       per level, percent
     * @param sizes          per level, all hosts
     * @param available      per level, healthy plus degraded hosts
     * @param panicThreshold {@code healthy_panic_threshold} in percent (0 disables panic)
     */
    static PriorityLoad compute(int[] health, int[] degraded, int[] sizes, int[] available, double panicThreshold) {
        return compute(health, degraded, sizes, sizes, available, panicThreshold);
    }

    /**
     * As {@link #compute(int[], int[], int[], int[], double)}, a level's panic judged over its
     * {@code counted} hosts, those not excluded (Envoy's hosts less excludedHosts), while total
     * panic still spreads by all hosts, as Envoy's recalculateLoadInTotalPanic.
     */
    static PriorityLoad compute(int[] health, int[] degraded, int[] sizes, int[] counted, int[] available,
                                double panicThreshold) {
        int n = health.length;
        int total = totalAvailability(health, degraded);
        int[] healthyLoad = new int[n];
        int[] degradedLoad = new int[n];
        if (total > 0) {
            spread(health, degraded, total, healthyLoad, degradedLoad);
        }
        double threshold = Math.min(100, panicThreshold);
        boolean[] panic = new boolean[n];
        boolean allPanic = n > 0;
        for (int p = 0; p < n; p++) {
            double share = counted[p] == 0 ? 0 : 100.0 * available[p] / counted[p];
            panic[p] = total != 100 && share < threshold;
            allPanic &= panic[p];
        }
        if (threshold == 0 && total == 0 && n > 0) {
            // Panic disabled and nothing available: the load still sums to 100, on L0, which has no host.
            healthyLoad[0] = 100;
        } else if (allPanic) {
            // Envoy's recalculateLoadInTotalPanic: spread by host counts, ignoring health.
            int hosts = 0;
            for (int s : sizes) {
                hosts += s;
            }
            Arrays.fill(degradedLoad, 0);
            int[] first = {-1};
            int remaining = hosts == 0 ? 100 : distribute(healthyLoad, sizes, 100, hosts, first);
            if (remaining > 0 && first[0] >= 0) {
                healthyLoad[first[0]] += remaining;
            }
        }
        return new PriorityLoad(cumulative(healthyLoad, degradedLoad), panic);
    }

    /**
     * Envoy's previous_priorities retry priority: the load recomputed as if the excluded levels
     * (bit p set) had no healthy or degraded host; {@code original} when that leaves nothing available.
     */
    static int[] excluding(int[] health, int[] degraded, long excluded, int[] original) {
        int n = health.length;
        int[] h = health.clone();
        int[] d = degraded.clone();
        for (int p = 0; p < n && p < 64; p++) {
            if ((excluded & (1L << p)) != 0) {
                h[p] = 0;
                d[p] = 0;
            }
        }
        int total = totalAvailability(h, d);
        if (total == 0) {
            return original;
        }
        int[] healthyLoad = new int[n];
        int[] degradedLoad = new int[n];
        spread(h, d, total, healthyLoad, degradedLoad);
        return cumulative(healthyLoad, degradedLoad);
    }

    private static int totalAvailability(int[] health, int[] degraded) {
        int total = 0;
        for (int p = 0; p < health.length; p++) {
            total += health[p] + degraded[p];
        }
        return Math.min(100, total);
    }

    /** Healthy load first, then degraded; what rounding leaves goes to the first level that has any. */
    private static void spread(int[] health, int[] degraded, int total, int[] healthyLoad, int[] degradedLoad) {
        int[] first = {-1};
        int remaining = distribute(healthyLoad, health, 100, total, first);
        int[] firstDegraded = {-1};
        remaining = distribute(degradedLoad, degraded, remaining, total, firstDegraded);
        if (remaining > 0) {
            if (first[0] >= 0) {
                healthyLoad[first[0]] += remaining;
            } else if (firstDegraded[0] >= 0) {
                degradedLoad[firstDegraded[0]] += remaining;
            }
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

    private static int[] cumulative(int[] healthyLoad, int[] degradedLoad) {
        int n = healthyLoad.length;
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

    /**
     * A load that sends every pick to one level's healthy ({@code degraded} false) or degraded
     * hosts: how an aggregate cluster hands the level it chose to its member's balancer.
     */
    static int[] forced(int levels, int level, boolean degraded) {
        int[] cum = new int[2 * levels];
        for (int i = degraded ? levels + level : level; i < cum.length; i++) {
            cum[i] = 100;
        }
        return cum;
    }
}
