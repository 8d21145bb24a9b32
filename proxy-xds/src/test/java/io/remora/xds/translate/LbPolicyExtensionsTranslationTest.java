package io.remora.xds.translate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.remora.config.ClusterConfig;
import io.remora.config.LoadBalancingConfig;
import io.remora.config.SubsetConfig;
import io.remora.xds.bootstrap.BootstrapLoader;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The typed {@code load_balancing_policy} extensions beyond the built-in policies: {@code subset},
 * {@code wrr_locality}, {@code pick_first}, {@code client_side_weighted_round_robin}, and the
 * cluster-level rules Envoy's configureLbPolicies applies to every typed policy.
 */
class LbPolicyExtensionsTranslationTest {
    private static final String TYPE = "type.googleapis.com/envoy.extensions.load_balancing_policies.";
    private static final String POLICY0 =
            "static_resources.clusters[0].load_balancing_policy.policies[0].typed_extension_config.typed_config";

    private static io.remora.xds.bootstrap.LoadedBootstrap load(String body) {
        return new BootstrapLoader().loadString("""
                static_resources:
                  clusters:
                  - name: c
                    load_assignment: { cluster_name: c }
                """ + body, "test.yaml");
    }

    private static ClusterConfig cluster(String body) {
        return load(body).model().clusters().get("c");
    }

    /** One typed policy (YAML flow fields after its @type), lb_policy as given. */
    private static String policy(String lbPolicy, String type, String fields) {
        return (lbPolicy == null ? "" : "    lb_policy: " + lbPolicy + "\n") + """
                    load_balancing_policy:
                      policies:
                      - typed_extension_config:
                          name: p
                          typed_config: { "@type": %s%s%s }
                """.formatted(TYPE, type, fields.isEmpty() ? "" : ", " + fields);
    }


    @Test
    void pickFirstWithAndWithoutShuffle() {
        ClusterConfig c = cluster(policy("LOAD_BALANCING_POLICY_CONFIG", "pick_first.v3.PickFirst", ""));
        assertEquals(ClusterConfig.LbPolicy.PICK_FIRST, c.lbPolicy());
        assertFalse(c.loadBalancing().shuffleAddressList());
        ClusterConfig shuffled = cluster(policy("LOAD_BALANCING_POLICY_CONFIG", "pick_first.v3.PickFirst",
                "shuffle_address_list: true"));
        assertTrue(shuffled.loadBalancing().shuffleAddressList());
    }

    @Test
    void loadBalancingPolicyIsUsedWhateverLbPolicySaysAndNeededWhenItAsksForIt() {
        // Envoy: a set load_balancing_policy wins over lb_policy.
        ClusterConfig c = cluster(policy("LEAST_REQUEST", "pick_first.v3.PickFirst", ""));
        assertEquals(ClusterConfig.LbPolicy.PICK_FIRST, c.lbPolicy());
        var e = assertThrows(TranslationException.class, () -> cluster("    lb_policy: LOAD_BALANCING_POLICY_CONFIG\n"));
        assertEquals("static_resources.clusters[0].load_balancing_policy", e.path());
    }

    @Test
    void clientSideWeightedRoundRobinDefaultsAndFields() {
        ClusterConfig d = cluster(policy(null,
                "client_side_weighted_round_robin.v3.ClientSideWeightedRoundRobin", ""));
        assertEquals(ClusterConfig.LbPolicy.ROUND_ROBIN, d.lbPolicy());
        assertEquals(LoadBalancingConfig.ClientSideWeights.DEFAULT, d.loadBalancing().clientSideWeights());
        ClusterConfig c = cluster(policy(null, "client_side_weighted_round_robin.v3.ClientSideWeightedRoundRobin",
                "blackout_period: 2s, weight_expiration_period: 60s, weight_update_period: 0.01s,"
                        + " error_utilization_penalty: 0.5, metric_names_for_computing_utilization: [named_metrics.foo]"));
        assertEquals(new LoadBalancingConfig.ClientSideWeights(Duration.ofSeconds(2), Duration.ofSeconds(60),
                Duration.ofMillis(100), 0.5, List.of("named_metrics.foo")), c.loadBalancing().clientSideWeights(),
                "weight_update_period below 100ms is 100ms");
        assertFalse(c.loadBalancing().localityWeighted());
    }

    @Test
    void clientSideWeightedRoundRobinRefusalsAndOobWarning() {
        var e = assertThrows(TranslationException.class, () -> cluster(policy(null,
                "client_side_weighted_round_robin.v3.ClientSideWeightedRoundRobin", "error_utilization_penalty: -1")));
        assertEquals(POLICY0 + ".error_utilization_penalty", e.path());
        e = assertThrows(TranslationException.class, () -> cluster(policy(null,
                "client_side_weighted_round_robin.v3.ClientSideWeightedRoundRobin", "blackout_period: -1s")));
        assertEquals(POLICY0 + ".blackout_period", e.path());
        var b = load(policy(null, "client_side_weighted_round_robin.v3.ClientSideWeightedRoundRobin",
                "enable_oob_load_report: true"));
        assertTrue(b.warnings().stream().anyMatch(w -> w.contains("enable_oob_load_report")
                && w.contains(POLICY0 + ".enable_oob_load_report")), b.warnings().toString());
    }

    @Test
    void wrrLocalityIsLocalityWeightedClientSideWeightedRoundRobin() {
        ClusterConfig c = cluster(policy(null, "wrr_locality.v3.WrrLocality", """
                endpoint_picking_policy: { policies: [ { typed_extension_config: { name: x, typed_config: \
                { "@type": %sclient_side_weighted_round_robin.v3.ClientSideWeightedRoundRobin, blackout_period: 1s } } } ] }\
                """.formatted(TYPE)));
        assertEquals(ClusterConfig.LbPolicy.ROUND_ROBIN, c.lbPolicy());
        assertTrue(c.loadBalancing().localityWeighted());
        assertEquals(Duration.ofSeconds(1), c.loadBalancing().clientSideWeights().blackoutPeriod());
    }

    @Test
    void wrrLocalityRefusesOtherChildrenAsEnvoyDoes() {
        var e = assertThrows(TranslationException.class, () -> cluster(policy(null, "wrr_locality.v3.WrrLocality", """
                endpoint_picking_policy: { policies: [ { typed_extension_config: { name: x, typed_config: \
                { "@type": %sround_robin.v3.RoundRobin } } } ] }""".formatted(TYPE))));
        assertEquals(POLICY0 + ".endpoint_picking_policy", e.path());
        String nested = "endpoint_picking_policy: { policies: [ { typed_extension_config: { name: x, typed_config:"
                + " { \"@type\": " + TYPE + "wrr_locality.v3.WrrLocality, %s } } } ] }";
        String cswrr = nested.replace("wrr_locality.v3.WrrLocality, %s",
                "client_side_weighted_round_robin.v3.ClientSideWeightedRoundRobin");
        e = assertThrows(TranslationException.class, () -> cluster(policy(null, "wrr_locality.v3.WrrLocality",
                nested.formatted(cswrr))));
        assertEquals(POLICY0 + ".endpoint_picking_policy", e.path(), "wrr_locality within wrr_locality");
        e = assertThrows(TranslationException.class, () -> cluster(policy(null, "wrr_locality.v3.WrrLocality", "")));
        assertEquals(POLICY0 + ".endpoint_picking_policy", e.path());
    }

    @Test
    void typedSubsetTranslatesAsLbSubsetConfigWithItsChild() {
        ClusterConfig c = cluster(policy(null, "subset.v3.Subset", """
                fallback_policy: DEFAULT_SUBSET, default_subset: { version: v1 }, panic_mode_any: true, list_as_any: true,
                subset_selectors: [ { keys: [version, stage], fallback_policy: KEYS_SUBSET, fallback_keys_subset: [version] } ],
                subset_lb_policy: { policies: [ { typed_extension_config: { name: x, typed_config: \
                { "@type": %sleast_request.v3.LeastRequest, choice_count: 4 } } } ] }""".formatted(TYPE)));
        assertEquals(ClusterConfig.LbPolicy.LEAST_REQUEST, c.lbPolicy());
        assertEquals(4, c.leastRequestChoiceCount());
        SubsetConfig s = c.subsets();
        assertEquals(SubsetConfig.Fallback.DEFAULT_SUBSET, s.fallback());
        assertEquals(java.util.Map.of("version", "v1"), s.defaultSubset());
        assertTrue(s.panicModeAny() && s.listAsAny());
        assertEquals(Set.of("version", "stage"), s.selectors().get(0).keys());
        assertEquals(SubsetConfig.SelectorFallback.KEYS_SUBSET, s.selectors().get(0).fallback());
        assertEquals(Set.of("version"), s.selectors().get(0).fallbackKeysSubset());
        ClusterConfig legacy = cluster("""
                    lb_policy: LEAST_REQUEST
                    lb_subset_config:
                      fallback_policy: DEFAULT_SUBSET
                      default_subset: { version: v1 }
                      panic_mode_any: true
                      list_as_any: true
                      subset_selectors: [ { keys: [version, stage], fallback_policy: KEYS_SUBSET, fallback_keys_subset: [version] } ]
                """);
        assertEquals(legacy.subsets(), s, "the same subsets as lb_subset_config");
        assertNull(cluster(policy(null, "round_robin.v3.RoundRobin", "")).subsets());
    }

    @Test
    void typedSubsetRefusalsNameTheirFields() {
        String child = "subset_lb_policy: { policies: [ { typed_extension_config: { name: x, typed_config:"
                + " { \"@type\": " + TYPE + "%s } } } ] }";
        var e = assertThrows(TranslationException.class, () -> cluster(policy(null, "subset.v3.Subset",
                child.formatted("subset.v3.Subset, subset_lb_policy: { policies: [] }"))));
        assertEquals(POLICY0 + ".subset_lb_policy.policies[0].typed_extension_config.typed_config", e.path());
        e = assertThrows(TranslationException.class, () -> cluster(policy(null, "subset.v3.Subset",
                child.formatted("cluster_provided.v3.ClusterProvided"))));
        assertEquals(POLICY0 + ".subset_lb_policy", e.path());
        e = assertThrows(TranslationException.class, () -> cluster(policy(null, "subset.v3.Subset", "")));
        assertEquals(POLICY0 + ".subset_lb_policy", e.path());
        e = assertThrows(TranslationException.class, () -> cluster(policy(null, "subset.v3.Subset",
                "subset_selectors: [ { keys: [] } ], " + child.formatted("round_robin.v3.RoundRobin"))));
        assertEquals(POLICY0 + ".subset_selectors[0].keys", e.path());
    }

    @Test
    void clusterLevelPartsEnvoyRefusesWithTypedPolicies() {
        String pf = policy(null, "pick_first.v3.PickFirst", "");
        var e = assertThrows(TranslationException.class, () -> cluster(pf + """
                    lb_subset_config: { subset_selectors: [ { keys: [a] } ] }
                """));
        assertEquals("static_resources.clusters[0].lb_subset_config", e.path());
        e = assertThrows(TranslationException.class, () -> cluster(pf + """
                    common_lb_config: { locality_weighted_lb_config: {} }
                """));
        assertEquals("static_resources.clusters[0].common_lb_config.locality_weighted_lb_config", e.path());
        // What still applies: the panic threshold and override_host_status.
        ClusterConfig c = cluster(pf + """
                    common_lb_config: { healthy_panic_threshold: { value: 0 }, override_host_status: { statuses: [HEALTHY] } }
                """);
        assertEquals(0, c.loadBalancing().healthyPanicThreshold());
        assertFalse(c.loadBalancing().overrideAllowed(io.remora.config.ClusterLoadAssignment.HealthStatus.DEGRADED));
    }
}
