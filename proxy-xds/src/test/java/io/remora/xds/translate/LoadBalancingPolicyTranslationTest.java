package io.remora.xds.translate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.remora.config.ClusterConfig;
import io.remora.config.LoadBalancingConfig;
import io.remora.xds.bootstrap.BootstrapLoader;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * Zone-aware settings of {@code common_lb_config} and the typed {@code load_balancing_policy}
 * extensions (round robin, least request, random, ring hash, Maglev) with their configs.
 */
class LoadBalancingPolicyTranslationTest {

    private static ClusterConfig cluster(String body) {
        String yaml = """
                static_resources:
                  clusters:
                  - name: c
                    load_assignment: { cluster_name: c }
                """ + body;
        return new BootstrapLoader().loadString(yaml, "test.yaml").model().clusters().get("c");
    }

    private static String policy(String type, String fields) {
        return """
                    lb_policy: LOAD_BALANCING_POLICY_CONFIG
                    load_balancing_policy:
                      policies:
                      - typed_extension_config:
                          name: unknown
                          typed_config: { "@type": type.googleapis.com/google.protobuf.Struct }
                      - typed_extension_config:
                          name: mine
                          typed_config:
                            "@type": type.googleapis.com/envoy.extensions.load_balancing_policies.%s
                """.formatted(type) + fields;
    }

    @Test
    void commonLbConfigZoneAwareCarriesFailTrafficOnPanic() {
        ClusterConfig c = cluster("""
                    common_lb_config:
                      healthy_panic_threshold: { value: 30 }
                      zone_aware_lb_config: { routing_enabled: { value: 80 }, min_cluster_size: 2, fail_traffic_on_panic: true }
                """);
        assertEquals(new LoadBalancingConfig.ZoneAware(80, 2, true, false), c.loadBalancing().zoneAware());
        assertEquals(30, c.loadBalancing().healthyPanicThreshold());
    }

    @Test
    void panicThresholdAndRoutingEnabledAreWholePercents() {
        // As Envoy's PROTOBUF_PERCENT_TO_ROUNDED_INTEGER_OR_DEFAULT: 33.4% is 33% (one healthy host
        // of three, 33.3%, is then not in panic), 33.5% is 34%.
        ClusterConfig legacy = cluster("""
                    common_lb_config:
                      healthy_panic_threshold: { value: 33.4 }
                      zone_aware_lb_config: { routing_enabled: { value: 80.6 } }
                """);
        assertEquals(33, legacy.loadBalancing().healthyPanicThreshold());
        assertEquals(81, legacy.loadBalancing().zoneAware().routingEnabled());
        ClusterConfig typed = cluster(policy("random.v3.Random", """
                            locality_lb_config: { zone_aware_lb_config: { routing_enabled: { value: 49.5 } } }
                """) + """
                    common_lb_config: { healthy_panic_threshold: { value: 33.5 } }
                """);
        assertEquals(34, typed.loadBalancing().healthyPanicThreshold());
        assertEquals(50, typed.loadBalancing().zoneAware().routingEnabled());
    }

    @Test
    void roundRobinPolicyWithZoneAwareLocalityConfigAndSlowStart() {
        ClusterConfig c = cluster(policy("round_robin.v3.RoundRobin", """
                            locality_lb_config:
                              zone_aware_lb_config: { min_cluster_size: 3, force_locality_direct_routing: true, fail_traffic_on_panic: true }
                            slow_start_config: { slow_start_window: 10s, aggression: { default_value: 2, runtime_key: k } }
                """) + """
                    common_lb_config: { healthy_panic_threshold: { value: 20 } }
                """);
        assertEquals(ClusterConfig.LbPolicy.ROUND_ROBIN, c.lbPolicy(), "the first policy Remora knows");
        LoadBalancingConfig lb = c.loadBalancing();
        assertEquals(new LoadBalancingConfig.ZoneAware(100, 3, true, true), lb.zoneAware());
        assertEquals(20, lb.healthyPanicThreshold());
        assertEquals(new LoadBalancingConfig.SlowStart(Duration.ofSeconds(10), 2, 10), lb.slowStart());
    }

    @Test
    void leastRequestAndRandomPolicies() {
        ClusterConfig lr = cluster(policy("least_request.v3.LeastRequest", """
                            choice_count: 5
                            active_request_bias: { default_value: 0.5, runtime_key: k }
                            locality_lb_config: { locality_weighted_lb_config: {} }
                """));
        assertEquals(ClusterConfig.LbPolicy.LEAST_REQUEST, lr.lbPolicy());
        assertEquals(5, lr.leastRequestChoiceCount());
        assertEquals(0.5, lr.loadBalancing().activeRequestBias());
        assertTrue(lr.loadBalancing().localityWeighted());
        assertNull(lr.loadBalancing().zoneAware());
        ClusterConfig random = cluster(policy("random.v3.Random", """
                            locality_lb_config: { zone_aware_lb_config: { routing_enabled: { value: 50 } } }
                """));
        assertEquals(ClusterConfig.LbPolicy.RANDOM, random.lbPolicy());
        assertEquals(new LoadBalancingConfig.ZoneAware(50, 6, false, false), random.loadBalancing().zoneAware());
    }

    @Test
    void ringHashAndMaglevPoliciesCarryTheirTables() {
        ClusterConfig ring = cluster(policy("ring_hash.v3.RingHash", """
                            minimum_ring_size: 4096
                            maximum_ring_size: 65536
                            hash_function: MURMUR_HASH_2
                            consistent_hashing_lb_config: { use_hostname_for_hashing: true }
                """));
        assertEquals(ClusterConfig.LbPolicy.RING_HASH, ring.lbPolicy());
        assertEquals(new LoadBalancingConfig.RingHash(4096, 65536, LoadBalancingConfig.HashFunction.MURMUR_HASH_2, true),
                ring.loadBalancing().ringHash());
        ClusterConfig maglev = cluster(policy("maglev.v3.Maglev", """
                            table_size: 131
                """));
        assertEquals(ClusterConfig.LbPolicy.MAGLEV, maglev.lbPolicy());
        assertEquals(new LoadBalancingConfig.Maglev(131, false), maglev.loadBalancing().maglev());
    }

    @Test
    void badTypedPolicyValuesAreRefusedWithTheirFieldPath() {
        String base = "static_resources.clusters[0].load_balancing_policy.policies[1].typed_extension_config.typed_config";
        var e = assertThrows(TranslationException.class, () -> cluster(policy("maglev.v3.Maglev", """
                            table_size: 65536
                """)));
        assertEquals(base + ".table_size", e.path());
        e = assertThrows(TranslationException.class, () -> cluster(policy("ring_hash.v3.RingHash", """
                            minimum_ring_size: 100
                            maximum_ring_size: 10
                """)));
        assertEquals(base + ".minimum_ring_size", e.path());
        e = assertThrows(TranslationException.class, () -> cluster("""
                    lb_policy: LOAD_BALANCING_POLICY_CONFIG
                    load_balancing_policy:
                      policies:
                      - typed_extension_config:
                          name: unknown
                          typed_config: { "@type": type.googleapis.com/google.protobuf.Struct }
                """));
        assertEquals("static_resources.clusters[0].load_balancing_policy", e.path());
    }
}
