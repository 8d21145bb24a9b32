package io.remora.e2e;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * lb_subset_config's options beyond selectors and fallbacks, through a running proxy: panic_mode_any,
 * metadata_fallback_policy FALLBACK_LIST, single_host_per_subset and locality_weight_aware with
 * scale_locality_weight; four upstreams whose endpoints carry envoy.lb version and stage.
 */
class SubsetOptionsE2ETest {

    static final List<TestUpstream> UPSTREAMS = new java.util.ArrayList<>();
    static ProxyProcess proxy;
    static int port;

    static String endpoints(int... indexes) {
        String[][] meta = {{"v1", "prod"}, {"v1", "canary"}, {"v2", "prod"}, {"v1", "prod"}};
        StringBuilder sb = new StringBuilder("[");
        for (int i : indexes) {
            sb.append(sb.length() > 1 ? ", " : "").append(SubsetLoadBalancingE2ETest.endpoint(UPSTREAMS.get(i).port(),
                    meta[i][0], meta[i][1]));
        }
        return sb.append(']').toString();
    }

    @BeforeAll
    static void start() throws Exception {
        for (String name : List.of("v1-prod", "v1-canary", "v2-prod", "v1-prod-b")) {
            UPSTREAMS.add(TestUpstream.text(name));
        }
        int admin = ProxyProcess.freePort();
        port = ProxyProcess.freePort();
        String routes = """
                - match: { prefix: "/panic/" }
                  route: { cluster: panic-any, metadata_match: { filter_metadata: { envoy.lb: { version: v9 } } } }
                - match: { prefix: "/panic" }
                  route: { cluster: panic-any }
                - match: { prefix: "/no-panic" }
                  route: { cluster: no-panic }
                - match: { prefix: "/list/second" }
                  route:
                    cluster: fallback-list
                    metadata_match: { filter_metadata: { envoy.lb: { version: v1, fallback_list: [{ version: v9 }, { stage: canary }] } } }
                - match: { prefix: "/list/none" }
                  route:
                    cluster: fallback-list
                    metadata_match: { filter_metadata: { envoy.lb: { fallback_list: [{ version: v8 }, { version: v9 }] } } }
                - match: { prefix: "/list/plain" }
                  route:
                    cluster: plain-list
                    metadata_match: { filter_metadata: { envoy.lb: { version: v1, fallback_list: [{ stage: canary }] } } }
                - match: { prefix: "/single/prod" }
                  route: { cluster: single-host, metadata_match: { filter_metadata: { envoy.lb: { stage: prod } } } }
                - match: { prefix: "/single/canary" }
                  route: { cluster: single-host, metadata_match: { filter_metadata: { envoy.lb: { stage: canary } } } }
                - match: { prefix: "/scaled" }
                  route: { cluster: scaled, metadata_match: { filter_metadata: { envoy.lb: { version: v1 } } } }
                - match: { prefix: "/unscaled" }
                  route: { cluster: unscaled, metadata_match: { filter_metadata: { envoy.lb: { version: v1 } } } }
                """;
        // scaled/unscaled: locality a (weight 1) holds v1-prod and two v2 hosts, locality b
        // (weight 1) v1-prod-b; scaled, the v1 subset leaves a round(1 x 1/3) = 0, b 1.
        String localities = "[{ locality: { zone: a }, load_balancing_weight: 1, lb_endpoints: EPS_A },"
                + " { locality: { zone: b }, load_balancing_weight: 1, lb_endpoints: EPS_B }]";
        String a = endpoints(0, 1, 2).replace("version: v1, stage: canary", "version: v2, stage: canary");
        String panic = """
                - name: NAME
                  connect_timeout: 1s
                  lb_subset_config:
                    fallback_policy: DEFAULT_SUBSET
                    default_subset: { version: v7 }
                    panic_mode_any: PANIC
                    subset_selectors: [{ keys: [version] }]
                  load_assignment: { cluster_name: NAME, endpoints: [{ lb_endpoints: EPS_ALL }] }
                """;
        String clusters = (panic.replace("NAME", "panic-any").replace("PANIC", "true")
                + panic.replace("NAME", "no-panic").replace("PANIC", "false") + """
                - name: fallback-list
                  connect_timeout: 1s
                  lb_subset_config:
                    metadata_fallback_policy: FALLBACK_LIST
                    subset_selectors: [{ keys: [version] }, { keys: [version, stage] }]
                  load_assignment: { cluster_name: fallback-list, endpoints: [{ lb_endpoints: EPS_ALL }] }
                - name: plain-list
                  connect_timeout: 1s
                  lb_subset_config:
                    subset_selectors: [{ keys: [version] }, { keys: [version, stage] }]
                  load_assignment: { cluster_name: plain-list, endpoints: [{ lb_endpoints: EPS_ALL }] }
                - name: single-host
                  connect_timeout: 1s
                  lb_subset_config:
                    subset_selectors: [{ keys: [stage], single_host_per_subset: true }]
                  load_assignment: { cluster_name: single-host, endpoints: [{ lb_endpoints: EPS_SINGLE }] }
                - name: scaled
                  connect_timeout: 1s
                  common_lb_config: { locality_weighted_lb_config: {} }
                  lb_subset_config:
                    locality_weight_aware: true
                    scale_locality_weight: true
                    subset_selectors: [{ keys: [version] }]
                  load_assignment: { cluster_name: scaled, endpoints: EPS_LOCALITIES }
                - name: unscaled
                  connect_timeout: 1s
                  common_lb_config: { locality_weighted_lb_config: {} }
                  lb_subset_config:
                    locality_weight_aware: true
                    subset_selectors: [{ keys: [version] }]
                  load_assignment: { cluster_name: unscaled, endpoints: EPS_LOCALITIES }
                """).replace("EPS_LOCALITIES", localities.replace("EPS_A", a).replace("EPS_B", endpoints(3)))
                .replace("EPS_ALL", endpoints(0, 1, 2))
                // v1-prod first and unhealthy: a single-host subset is its first host whatever its health
                .replace("EPS_SINGLE", endpoints(0, 1, 2).replaceFirst("\\} \\} \\},", "} } }, health_status: UNHEALTHY,"));
        String yaml = Bootstraps.http(admin, port,
                io.remora.testing.TempPaths.file("subset-options", ".log").toString(), routes, clusters);
        proxy = ProxyProcess.start(yaml, admin, List.of());
    }

    @AfterAll
    static void stop() throws Exception {
        SubsetLoadBalancingE2ETest.close(proxy, UPSTREAMS);
    }

    static Set<String> answers(String path) throws Exception {
        return SubsetLoadBalancingE2ETest.answers(port, path);
    }

    @Test
    void panicModeAnyTakesAnyHostWhenTheFallbackHasNone() throws Exception {
        assertEquals(Set.of("v1-prod", "v1-canary", "v2-prod"), answers("/panic"), "no criteria: empty default_subset");
        assertEquals(Set.of("v1-prod", "v1-canary", "v2-prod"), answers("/panic/v9"), "no such subset either");
        assertEquals(Set.of("503 no healthy upstream"), answers("/no-panic"), "without panic_mode_any");
        assertEquals(20.0, proxy.metric("envoy_cluster_lb_subsets_fallback_panic{envoy_cluster_name=\"panic-any\"}"));
    }

    @Test
    void fallbackListIsTriedInOrder() throws Exception {
        assertEquals(Set.of("v1-canary"), answers("/list/second"), "v9 has no host; v1 + canary has");
        assertEquals(Set.of("503 no healthy upstream"), answers("/list/none"), "no entry has a host");
        assertEquals(Set.of("503 no healthy upstream"), answers("/list/plain"),
                "without FALLBACK_LIST, fallback_list is a key like any other, which no selector has");
    }

    @Test
    void singleHostPerSubsetIsItsFirstHostWhateverItsHealth() throws Exception {
        assertEquals(Set.of("v1-prod"), answers("/single/prod"), "v2-prod has the same stage: a duplicate");
        assertEquals(Set.of("v1-canary"), answers("/single/canary"));
        assertEquals(1.0, proxy.metric(
                "envoy_cluster_lb_subsets_single_host_per_subset_duplicate{envoy_cluster_name=\"single-host\"}"));
    }

    @Test
    void scaledLocalityWeightsFollowTheSubsetsShareOfEachLocality() throws Exception {
        assertEquals(Set.of("v1-prod-b"), answers("/scaled"), "locality a keeps a third of its weight, rounded to 0");
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < 4 && seen.size() < 2; i++) {
            seen.addAll(answers("/unscaled"));
        }
        assertTrue(seen.equals(Set.of("v1-prod", "v1-prod-b")), "unscaled, both localities weigh 1: " + seen);
    }
}
