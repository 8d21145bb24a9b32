package io.remora.server;

import io.remora.config.ClusterConfig;
import io.remora.upstream.Cluster;
import io.remora.upstream.ClusterImpl;
import io.remora.upstream.ClusterManagerImpl;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * The clusters' part of the server's initialization, as Envoy's cluster manager initializes a
 * cluster: its first discovery (a DNS cluster's first resolution, answered or failed), then the
 * first round of active health checks of the hosts that gave it. Asynchronous: nothing blocks the
 * start; the server goes live when every cluster is done.
 */
final class ClusterInit {
    private final ClusterManagerImpl clusterManager;
    /** The initializations the server waits for, by cluster (replaced whole). */
    private volatile Map<String, CompletableFuture<Void>> pending = Map.of();

    ClusterInit(ClusterManagerImpl clusterManager) {
        this.clusterManager = clusterManager;
    }

    /** Completes when each cluster the manager has now is initialized (at once when none waits). */
    CompletableFuture<Void> initialized() {
        Map<String, CompletableFuture<Void>> rounds = new LinkedHashMap<>();
        for (Cluster c : clusterManager.all()) {
            CompletableFuture<Void> f = of(c);
            if (!f.isDone()) {
                rounds.put(c.name(), f);
            }
        }
        pending = rounds;
        return CompletableFuture.allOf(rounds.values().toArray(CompletableFuture[]::new));
    }

    /** The initialization of the cluster of this name (done at once when there is none). */
    CompletableFuture<Void> initialized(String name) {
        Cluster c = clusterManager.get(name);
        return c == null ? CompletableFuture.completedFuture(null) : of(c);
    }

    private static CompletableFuture<Void> of(Cluster c) {
        if (!(c instanceof ClusterImpl impl)) {
            return CompletableFuture.completedFuture(null);
        }
        // wait_for_warm_on_init false: the cluster counts as initialized without its first answer, as in Envoy.
        CompletableFuture<Void> discovered = warmsOnDns(c.config()) ? impl.initialized()
                : CompletableFuture.completedFuture(null);
        // The health checks of the hosts the first answer gave; a cluster without checks is done when discovered.
        return c.config().healthChecks().isEmpty() ? discovered : discovered.thenCompose(v -> impl.firstHealthChecks());
    }

    private static boolean warmsOnDns(ClusterConfig c) {
        return (c.type() == ClusterConfig.DiscoveryType.STRICT_DNS || c.type() == ClusterConfig.DiscoveryType.LOGICAL_DNS)
                && c.options().waitForWarmOnInit();
    }

    /** The clusters whose initialization is still pending, by Envoy's init manager name. */
    Map<String, List<String>> unready() {
        List<String> names = new ArrayList<>();
        pending.forEach((name, f) -> {
            if (!f.isDone()) {
                names.add("Cluster " + name);
            }
        });
        return names.isEmpty() ? Map.of() : Map.of("init manager ClusterManager", names);
    }
}
