package io.remora.upstream.health;

import io.remora.config.HealthCheckConfig;
import io.remora.stats.ClusterStats;
import io.remora.upstream.Host;
import io.remora.upstream.TransportSocketFactory;
import io.remora.upstream.UpstreamRuntime;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * A cluster's {@code health_checks}: one {@link HealthChecker} each, run independently on the
 * upstream loop and sharing the cluster's {@code health_check.*} stats (as Envoy's do); a host is
 * healthy only while every checker passes it.
 */
public final class HealthCheckerGroup {
    private final List<HealthCheckConfig> configs;
    private final List<HealthChecker> checkers;
    /** Who waits for the first round (Envoy's pending_initialize_health_checks_). Upstream loop only. */
    private final List<FirstRound> rounds = new ArrayList<>();

    /** Checks still to finish before a first round counts as done, and its completion. */
    private static final class FirstRound {
        int pending;
        final java.util.concurrent.CompletableFuture<Void> done = new java.util.concurrent.CompletableFuture<>();
    }

    /** Same parameters as {@link HealthChecker}'s, with one config per checker. */
    public HealthCheckerGroup(String clusterName, List<HealthCheckConfig> configs, UpstreamRuntime runtime,
                              ClusterStats clusterStats, Runnable healthChanged, Consumer<Host> onSuccess,
                              Supplier<TransportSocketFactory> transportSockets,
                              Supplier<io.remora.config.ClusterConfig> clusterConfig) {
        this.configs = List.copyOf(configs);
        List<HealthChecker> all = new ArrayList<>(configs.size());
        for (HealthCheckConfig c : configs) {
            all.add(new HealthChecker(clusterName, c, runtime, clusterStats, healthChanged, onSuccess, transportSockets,
                    clusterConfig));
        }
        this.checkers = List.copyOf(all);
        if (checkers.size() > 1) {
            checkers.forEach(c -> c.peers(checkers));
        }
        checkers.forEach(c -> c.onCheckCompleted(this::checkCompleted));
    }

    /** The configs the checkers run. */
    public List<HealthCheckConfig> configs() {
        return configs;
    }

    public void hostsChanged(List<Host> hosts) {
        checkers.forEach(c -> c.hostsChanged(hosts));
        // After the checkers' own updates (same loop): with no host left, no check will come.
        onLoop(() -> {
            if (checkers.get(0).sessionCount() == 0) {
                completeRounds();
            }
        });
    }

    /**
     * Envoy's first round of a cluster's health checks, which its initialization waits for: as many
     * finished checks as the cluster has checked hosts now, whichever host each is of (a host counts
     * once every checker has checked it once); at once with no host. Hosts whose first check ended
     * before the question (the checks start with the cluster) are not waited for again: Envoy counts
     * before its checks can answer, Remora's checks run on another thread.
     */
    public java.util.concurrent.CompletableFuture<Void> firstChecks() {
        FirstRound r = new FirstRound();
        if (!onLoop(() -> {
            r.pending = checkers.get(0).firstChecksPending(checkers);
            if (r.pending == 0) {
                r.done.complete(null);
            } else {
                rounds.add(r);
            }
        })) {
            r.done.complete(null);
        }
        return r.done;
    }

    private void checkCompleted(Host host) {
        if (rounds.isEmpty()) {
            return;
        }
        for (HealthChecker c : checkers) {
            if (c.firstCheckPending(host)) {
                return; // as Envoy's aggregate: a host counts once all its checkers answered
            }
        }
        rounds.removeIf(r -> --r.pending == 0 && r.done.complete(null));
    }

    private void completeRounds() {
        rounds.forEach(r -> r.done.complete(null));
        rounds.clear();
    }

    /** Runs on the checkers' (upstream) loop; false when it no longer runs. */
    private boolean onLoop(Runnable task) {
        try {
            checkers.get(0).loop.execute(task);
            return true;
        } catch (java.util.concurrent.RejectedExecutionException stopped) {
            return false;
        }
    }

    /**
     * Envoy's immediate health check failure goes to the host's health checker monitor, which is
     * the last checker's session (each session installs its own over the previous one).
     */
    public void immediateFail(Host host) {
        checkers.get(checkers.size() - 1).immediateFail(host);
    }

    public void stop() {
        checkers.forEach(HealthChecker::stop);
        onLoop(this::completeRounds);
    }
}
