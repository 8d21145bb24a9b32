package io.remora.xds.translate;

import io.remora.config.ClusterConfig;
import io.remora.xds.bootstrap.LoadedBootstrap;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static io.remora.xds.translate.DynamicForwardProxyTranslationTest.load;
import static io.remora.xds.translate.DynamicForwardProxyTranslationTest.refused;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What bounds a host's share: per-host circuit breakers, bounded-load hashing
 * ({@code hash_balance_factor}), least request's full scan; and ORIGINAL_DST's
 * {@code cleanup_interval}.
 */
class HostBoundsTranslationTest {
    private static final String TYPE = "type.googleapis.com/envoy.extensions.load_balancing_policies.";

    private static String cluster(String fields) {
        return HcmListenerYaml.listener("", "route: { cluster: c1 }") + HcmListenerYaml.CLUSTER_C1 + fields.indent(4);
    }

    private static ClusterConfig c1(String fields) {
        return load(cluster(fields)).model().clusters().get("c1");
    }

    private static String typed(String type, String fields) {
        return """
                load_balancing_policy:
                  policies:
                  - typed_extension_config:
                      name: p
                      typed_config: { "@type": %s%s, %s }
                """.formatted(TYPE, type, fields);
    }

    @Test
    void perHostMaxConnectionsComesFromThePriorityFirstEntryAndOtherFieldsAreWarnedAbout() {
        assertFalse(c1("").options().limitsConnectionsPerHost());
        LoadedBootstrap b = load(cluster("""
                circuit_breakers:
                  per_host_thresholds:
                  - { priority: HIGH, max_connections: 9 }
                  - { max_connections: 2, max_requests: 5, max_retries: 1 }
                  - { max_connections: 7 }
                  - { priority: HIGH, max_connections: 4 }
                """));
        ClusterConfig c = b.model().clusters().get("c1");
        assertEquals(2, c.options().maxConnectionsPerHost());
        assertEquals(2, c.options().maxConnectionsPerHost(false));
        assertEquals(9, c.options().maxConnectionsPerHost(true), "HIGH's own cap");
        assertEquals(Integer.MAX_VALUE, c1("").options().maxConnectionsPerHost(true));
        assertEquals(1024, c.circuitBreakers().maxConnections(), "the cluster's own limit is unchanged");
        assertTrue(b.warnings().stream().anyMatch(w -> w.contains("per_host_thresholds.max_requests")
                && w.contains("per_host_thresholds[1].max_requests")), b.warnings().toString());
        assertTrue(b.warnings().stream().anyMatch(w -> w.contains("per_host_thresholds[1].max_retries")),
                "each field of an entry is named: " + b.warnings());
    }

    @Test
    void cleanupIntervalDefaultsToFiveSecondsAndMustBePositive() {
        assertEquals(Duration.ofSeconds(5), c1("").options().cleanupInterval());
        assertEquals(Duration.ofMillis(250), c1("cleanup_interval: 0.25s").options().cleanupInterval());
        TranslationException zero = refused(cluster("cleanup_interval: 0s"));
        assertTrue(zero.getMessage().contains("static_resources.clusters[0].cleanup_interval"), zero.getMessage());
    }

    @Test
    void hashBalanceFactorFromCommonLbConfigAndTheTypedPolicies() {
        ClusterConfig legacy = c1("""
                lb_policy: RING_HASH
                common_lb_config: { consistent_hashing_lb_config: { hash_balance_factor: 150 } }
                """);
        assertEquals(150, legacy.loadBalancing().ringHash().hashBalanceFactor());
        assertEquals(150, legacy.loadBalancing().maglev().hashBalanceFactor());
        assertEquals(0, c1("lb_policy: MAGLEV").loadBalancing().maglev().hashBalanceFactor());
        assertEquals(120, c1(typed("ring_hash.v3.RingHash", "consistent_hashing_lb_config: { hash_balance_factor: 120 }"))
                .loadBalancing().ringHash().hashBalanceFactor());
        // Envoy reads the deprecated field only without a consistent_hashing_lb_config.
        assertEquals(130, c1(typed("ring_hash.v3.RingHash", "hash_balance_factor: 130"))
                .loadBalancing().ringHash().hashBalanceFactor());
        assertEquals(0, c1(typed("ring_hash.v3.RingHash", "hash_balance_factor: 130, consistent_hashing_lb_config: {}"))
                .loadBalancing().ringHash().hashBalanceFactor());
        assertEquals(200, c1(typed("maglev.v3.Maglev", "consistent_hashing_lb_config: { hash_balance_factor: 200 }"))
                .loadBalancing().maglev().hashBalanceFactor());
        TranslationException low = refused(cluster("""
                lb_policy: MAGLEV
                common_lb_config: { consistent_hashing_lb_config: { hash_balance_factor: 99 } }
                """));
        assertTrue(low.getMessage().contains("common_lb_config.consistent_hashing_lb_config.hash_balance_factor"),
                low.getMessage());
        TranslationException typedLow = refused(cluster(typed("maglev.v3.Maglev",
                "consistent_hashing_lb_config: { hash_balance_factor: 50 }")));
        assertTrue(typedLow.getMessage().contains("typed_config.consistent_hashing_lb_config.hash_balance_factor"),
                typedLow.getMessage());
    }

    @Test
    void leastRequestFullScanBySelectionMethodOrTheDeprecatedFlag() {
        assertFalse(c1(typed("least_request.v3.LeastRequest", "choice_count: 3")).loadBalancing().leastRequestFullScan());
        assertTrue(c1(typed("least_request.v3.LeastRequest", "selection_method: FULL_SCAN"))
                .loadBalancing().leastRequestFullScan());
        assertTrue(c1(typed("least_request.v3.LeastRequest", "enable_full_scan: true"))
                .loadBalancing().leastRequestFullScan());
    }
}
