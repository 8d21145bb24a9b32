package io.remora.upstream;

import io.remora.config.LoadBalancingConfig.ClientSideWeights;
import io.remora.upstream.orca.ClientSideWeight;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * Client-side weighted round robin's side of one cluster (Envoy's
 * ClientSideWeightedRoundRobinLoadBalancer): gives each host its ORCA weight record and, every
 * {@code weight_update_period} on the upstream event loop, turns the valid ones into host weights.
 * Per priority, hosts without a valid weight take the median of the valid ones (1 when there is
 * none), as Envoy's updateWeightsOnHosts; when a weight moved the cluster regroups, so the workers'
 * round robin schedules follow. Requests never wait on it: a pick reads the last schedule.
 */
final class ClientSideWeightUpdater {
    private final UpstreamRuntime runtime;
    private final Runnable regroup;
    private final LongSupplier clock;
    private ClientSideWeights config;
    private ScheduledFuture<?> timer;
    /** Some host may still hold a weight record (so another policy has records to drop). */
    private boolean attached;

    /** @param regroup rebuilds the cluster's host set when weights changed (on the timer's thread) */
    ClientSideWeightUpdater(UpstreamRuntime runtime, Runnable regroup, LongSupplier clock) {
        this.runtime = runtime;
        this.regroup = regroup;
        this.clock = clock;
    }

    /** The cluster's policy now: its config, or null when it is not client-side weighted round robin. */
    synchronized void configure(ClientSideWeights next) {
        if (java.util.Objects.equals(next, config)) {
            return;
        }
        config = next;
        if (timer != null) {
            timer.cancel(false);
            timer = null;
        }
        if (next != null && runtime != null) {
            long period = next.weightUpdatePeriod().toNanos();
            timer = runtime.loop().scheduleAtFixedRate(regroup, period, period, TimeUnit.NANOSECONDS);
        }
    }

    /**
     * Before a host set is built: every host gets a weight record of the current config (a new
     * one after a config change, as Envoy's new cluster starts over) and its weight from it.
     * True when a host's weight changed.
     */
    synchronized boolean apply(List<Host> hosts) {
        ClientSideWeights c = config;
        if (c == null) {
            if (attached) {
                for (Host h : hosts) {
                    h.clientSideWeight(null);
                }
                attached = false;
            }
            return false;
        }
        attached = true;
        for (Host h : hosts) {
            ClientSideWeight w = h.clientSideWeight();
            if (w == null || w.config() != c) {
                h.clientSideWeight(new ClientSideWeight(c, clock));
            }
        }
        Map<Integer, List<Host>> byPriority = new HashMap<>();
        for (Host h : hosts) {
            byPriority.computeIfAbsent(h.priority(), p -> new ArrayList<>()).add(h);
        }
        long now = clock.getAsLong();
        boolean changed = false;
        for (List<Host> level : byPriority.values()) {
            changed |= applyLevel(level, now);
        }
        return changed;
    }

    private static boolean applyLevel(List<Host> level, long now) {
        long[] valid = new long[level.size()];
        long[] weights = new long[level.size()];
        int n = 0;
        for (int i = 0; i < level.size(); i++) {
            weights[i] = level.get(i).clientSideWeight().weightIfValid(now);
            if (weights[i] >= 0) {
                valid[n++] = weights[i];
            }
        }
        long median = 1;
        if (n > 0) {
            java.util.Arrays.sort(valid, 0, n);
            median = valid[n / 2];
        }
        boolean changed = false;
        for (int i = 0; i < level.size(); i++) {
            long w = weights[i] >= 0 ? weights[i] : median;
            // Envoy's host weight is at least 1.
            int weight = (int) Math.max(1, Math.min(Integer.MAX_VALUE, w));
            Host h = level.get(i);
            if (h.weight() != weight) {
                h.weight(weight);
                changed = true;
            }
        }
        return changed;
    }

    synchronized void close() {
        if (timer != null) {
            timer.cancel(false);
            timer = null;
        }
        config = null;
    }
}
