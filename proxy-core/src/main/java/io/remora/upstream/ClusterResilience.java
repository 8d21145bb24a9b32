package io.remora.upstream;

import io.remora.config.ClusterConfig;
import io.remora.config.HealthCheckConfig;
import io.remora.stats.ClusterStats;
import io.remora.upstream.health.HealthCheckerGroup;
import io.remora.upstream.outlier.OutlierDetector;
import java.util.List;
import java.util.function.Supplier;

/**
 * A cluster's outlier detection and active health checking: started, reconfigured and stopped
 * with its config, and told of its membership changes. Called under the owning
 * {@link ClusterImpl}'s monitor, except {@link #immediateFail}, which the data plane calls.
 */
final class ClusterResilience {

    private final String name;
    private final ClusterStats stats;
    /** Null for a cluster built without a cluster manager (tests): no outlier detection, no health checks. */
    private final UpstreamRuntime runtime;
    private final Runnable hostHealthChanged;
    private final Supplier<TransportSocketFactory> transportSockets;
    /** Volatile for the admin's /clusters, which reads it off the cluster's monitor. */
    private volatile OutlierDetector outlierDetector;
    private volatile HealthCheckerGroup healthCheckers;
    /** The config now, whose connection options health check connections take. */
    private volatile ClusterConfig config;
    private boolean closed;

    ClusterResilience(String name, ClusterStats stats, UpstreamRuntime runtime, Runnable hostHealthChanged,
                      Supplier<TransportSocketFactory> transportSockets) {
        this.name = name;
        this.stats = stats;
        this.runtime = runtime;
        this.hostHealthChanged = hostHealthChanged;
        this.transportSockets = transportSockets;
    }

    OutlierDetector outlierDetector() {
        return outlierDetector;
    }

    /** Whether active health checks run: new hosts then wait for their first check. */
    boolean healthChecked() {
        return healthCheckers != null;
    }

    /** Completes once the active health checks (if any) have checked each current host once. */
    java.util.concurrent.CompletableFuture<Void> firstHealthChecks() {
        HealthCheckerGroup c = healthCheckers;
        return c == null ? java.util.concurrent.CompletableFuture.completedFuture(null) : c.firstChecks();
    }

    /** Starts, reconfigures or stops outlier detection and active health checking for {@code hosts}. */
    void configure(ClusterConfig next, List<Host> hosts) {
        if (runtime == null || closed) {
            return;
        }
        config = next;
        if (next.outlierDetection() == null) {
            if (outlierDetector != null) {
                outlierDetector.stop();
                outlierDetector = null;
                clearFlag(hosts, HealthFlag.FAILED_OUTLIER_CHECK);
            }
        } else if (outlierDetector == null) {
            outlierDetector = new OutlierDetector(name, next.outlierDetection(), runtime.loop(), runtime.registry(),
                    stats.name(), hostHealthChanged, runtime.outlierEventLog(), runtime::layeredRuntime);
            outlierDetector.hostsChanged(hosts);
            outlierDetector.start();
        } else {
            outlierDetector.config(next.outlierDetection());
        }
        List<HealthCheckConfig> hcs = next.healthChecks();
        List<HealthCheckConfig> prevHcs = healthCheckers == null ? List.of() : healthCheckers.configs();
        if (!hcs.equals(prevHcs)) {
            if (healthCheckers != null) {
                healthCheckers.stop();
                healthCheckers = null;
                clearFlag(hosts, HealthFlag.FAILED_ACTIVE_HC);
            }
            if (!hcs.isEmpty()) {
                healthCheckers = new HealthCheckerGroup(name, hcs, runtime, stats, hostHealthChanged,
                        h -> {
                            OutlierDetector d = outlierDetector;
                            if (d != null) {
                                d.onSuccessfulHealthCheck(h);
                            }
                        }, transportSockets, () -> config);
                // Existing hosts wait for their first check, as new hosts of a checked cluster do.
                for (Host h : hosts) {
                    h.healthFlagSet(HealthFlag.FAILED_ACTIVE_HC);
                }
                healthCheckers.hostsChanged(hosts);
            }
        }
    }

    private static void clearFlag(List<Host> hosts, HealthFlag f) {
        for (Host h : hosts) {
            h.healthFlagClear(f);
        }
    }

    /** The cluster's members changed: both watch the new set. */
    void hostsChanged(List<Host> all) {
        if (outlierDetector != null) {
            outlierDetector.hostsChanged(all);
        }
        if (healthCheckers != null) {
            healthCheckers.hostsChanged(all);
        }
    }

    /** Stops timers and health checks of a cluster that was removed or replaced. */
    void close() {
        closed = true;
        if (outlierDetector != null) {
            outlierDetector.stop();
            outlierDetector = null;
        }
        if (healthCheckers != null) {
            healthCheckers.stop();
            healthCheckers = null;
        }
    }

    void immediateFail(Host host) {
        HealthCheckerGroup c = healthCheckers;
        if (c != null) {
            c.immediateFail(host);
        }
    }
}
