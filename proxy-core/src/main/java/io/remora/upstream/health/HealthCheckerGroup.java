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

    /** Same parameters as {@link HealthChecker}'s, with one config per checker. */
    public HealthCheckerGroup(String clusterName, List<HealthCheckConfig> configs, UpstreamRuntime runtime,
                              ClusterStats clusterStats, Runnable healthChanged, Consumer<Host> onSuccess,
                              Supplier<TransportSocketFactory> transportSockets) {
        this.configs = List.copyOf(configs);
        List<HealthChecker> all = new ArrayList<>(configs.size());
        for (HealthCheckConfig c : configs) {
            all.add(new HealthChecker(clusterName, c, runtime, clusterStats, healthChanged, onSuccess, transportSockets));
        }
        this.checkers = List.copyOf(all);
        if (checkers.size() > 1) {
            checkers.forEach(c -> c.peers(checkers));
        }
    }

    /** The configs the checkers run. */
    public List<HealthCheckConfig> configs() {
        return configs;
    }

    public void hostsChanged(List<Host> hosts) {
        checkers.forEach(c -> c.hostsChanged(hosts));
    }

    /**
     * Envoy's immediate health check failure goes to the host's health checker monitor, which is
     * the last checker's session (each session installs its own over the previous one).
     */
    public void immediateFail(Host host) {
        checkers.get(checkers.size() - 1).immediateFail(host);
    }

    /** Completes once every checker has checked each of its hosts once. */
    public java.util.concurrent.CompletableFuture<Void> firstChecks() {
        return java.util.concurrent.CompletableFuture.allOf(checkers.stream().map(HealthChecker::firstChecks)
                .toArray(java.util.concurrent.CompletableFuture[]::new));
    }

    public void stop() {
        checkers.forEach(HealthChecker::stop);
    }
}
