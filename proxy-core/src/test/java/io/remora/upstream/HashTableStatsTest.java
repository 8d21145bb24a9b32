package io.remora.upstream;

import io.micrometer.core.instrument.Gauge;
import io.remora.config.ClusterConfig.LbPolicy;
import io.remora.config.ClusterLoadAssignment.HealthStatus;
import io.remora.stats.StatNames;
import io.remora.stats.StatsRegistry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static io.remora.upstream.TestClusters.ep;
import static io.remora.upstream.TestClusters.staticCluster;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Envoy's gauges of a consistent-hash cluster's table ({@code ring_hash_lb.*}, {@code maglev_lb.*}),
 * which Envoy's docs have operators watch for hosts the table under-represents.
 */
class HashTableStatsTest {
    private final StatsRegistry stats = new StatsRegistry();
    private ClusterManagerImpl manager;

    @AfterEach
    void close() {
        if (manager != null) {
            manager.close();
        }
    }

    private Gauge gauge(String meter, String cluster) {
        return stats.meterRegistry().get(meter).tag("envoy_cluster_name", cluster).gauge();
    }

    @Test
    void ringHashGaugesShowTheRingsSizeAndPointsPerHost() {
        manager = new ClusterManagerImpl(stats);
        // Weights 1, 1, 2: the lightest host (1/4) gets ceil(1024 / 4) = 256 points, the heaviest 512.
        manager.update(Map.of("ring", staticCluster("ring", LbPolicy.RING_HASH,
                ep("127.0.0.1", 1, 1, HealthStatus.HEALTHY), ep("127.0.0.1", 2, 1, HealthStatus.HEALTHY),
                ep("127.0.0.1", 3, 2, HealthStatus.HEALTHY))));
        Gauge size = gauge("envoy_cluster_ring_hash_lb_size", "ring");
        assertEquals("cluster.ring.ring_hash_lb.size", StatNames.envoyName(size.getId()));
        assertEquals(1024.0, size.value());
        assertEquals(256.0, gauge("envoy_cluster_ring_hash_lb_min_hashes_per_host", "ring").value());
        assertEquals(512.0, gauge("envoy_cluster_ring_hash_lb_max_hashes_per_host", "ring").value());
        assertEquals(0, stats.meterRegistry().find("envoy_cluster_maglev_lb_min_entries_per_host").meters().size(),
                "a ring hash cluster has no Maglev gauges");

        // The ring of three equal hosts: ceil(1024 / 3) = 342 points each.
        manager.update(Map.of("ring", staticCluster("ring", LbPolicy.RING_HASH,
                ep("127.0.0.1", 1, 1, HealthStatus.HEALTHY), ep("127.0.0.1", 2, 1, HealthStatus.HEALTHY),
                ep("127.0.0.1", 3, 1, HealthStatus.HEALTHY))));
        assertEquals(1026.0, size.value());
        assertEquals(342.0, gauge("envoy_cluster_ring_hash_lb_min_hashes_per_host", "ring").value());
        assertEquals(342.0, gauge("envoy_cluster_ring_hash_lb_max_hashes_per_host", "ring").value());
    }

    @Test
    void maglevGaugesShowTheEntriesPerHost() {
        manager = new ClusterManagerImpl(stats);
        manager.update(Map.of("mag", staticCluster("mag", LbPolicy.MAGLEV,
                ep("127.0.0.1", 1, 1, HealthStatus.HEALTHY), ep("127.0.0.1", 2, 2, HealthStatus.HEALTHY))));
        Gauge min = gauge("envoy_cluster_maglev_lb_min_entries_per_host", "mag");
        assertEquals("cluster.mag.maglev_lb.min_entries_per_host", StatNames.envoyName(min.getId()));
        // 65537 entries, weights 1 and 2: a third and two thirds.
        assertEquals(21846.0, min.value());
        assertEquals(43691.0, gauge("envoy_cluster_maglev_lb_max_entries_per_host", "mag").value());
    }
}
