package io.remora.server;

import io.remora.config.ClusterConfig;
import io.remora.upstream.Cluster;
import io.remora.upstream.ClusterImpl;
import io.remora.upstream.ClusterManagerImpl;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * The clusters' part of the server's initialization, as Envoy's cluster manager initializes: the
 * static DNS clusters' first answers, then each health-checked cluster's first round of checks.
 */
final class ClusterInit {
    private static final java.util.logging.Logger LOG = io.remora.log.Logging.logger("main");
    /** Envoy waits for a DNS cluster's first answer without a bound; a proxy that cannot resolve still starts. */
    private static final Duration DNS_WARMING = Duration.ofSeconds(5);

    private final ClusterManagerImpl clusterManager;
    /** The first health-check rounds the initialization waits for, by cluster (replaced whole). */
    private volatile Map<String, CompletableFuture<Void>> healthCheckRounds = Map.of();

    ClusterInit(ClusterManagerImpl clusterManager) {
        this.clusterManager = clusterManager;
    }

    /** Waits (up to {@link #DNS_WARMING}) for the first answer of each DNS cluster that warms on init. */
    void awaitDns() {
        List<CompletableFuture<Void>> dns = new ArrayList<>();
        for (Cluster c : clusterManager.all()) {
            ClusterConfig.DiscoveryType t = c.config().type();
            // wait_for_warm_on_init false: the cluster starts without its first answer, as in Envoy.
            if ((t == ClusterConfig.DiscoveryType.STRICT_DNS || t == ClusterConfig.DiscoveryType.LOGICAL_DNS)
                    && c.config().options().waitForWarmOnInit()) {
                dns.add(((ClusterImpl) c).initialized());
            }
        }
        try {
            CompletableFuture.allOf(dns.toArray(CompletableFuture[]::new))
                    .get(DNS_WARMING.toMillis(), TimeUnit.MILLISECONDS);
        } catch (Exception e) {
            LOG.log(java.util.logging.Level.WARNING, "DNS clusters not resolved after " + DNS_WARMING + "; starting anyway");
        }
    }

    /** Completes when the first health check of each host the clusters have now is done, pass or fail. */
    CompletableFuture<Void> healthChecked() {
        Map<String, CompletableFuture<Void>> rounds = clusterManager.firstHealthChecks();
        healthCheckRounds = rounds;
        return CompletableFuture.allOf(rounds.values().toArray(CompletableFuture[]::new));
    }

    /** The clusters whose first round is still pending, by Envoy's init manager name. */
    Map<String, List<String>> unready() {
        List<String> pending = new ArrayList<>();
        healthCheckRounds.forEach((name, round) -> {
            if (!round.isDone()) {
                pending.add("Cluster " + name);
            }
        });
        return pending.isEmpty() ? Map.of() : Map.of("init manager ClusterManager", pending);
    }
}
