package io.remora.e2e;

import io.remora.testing.TempPaths;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * How a host is chosen, through real sockets: zone-aware routing against the local cluster
 * ({@code cluster_manager.local_cluster_name}, node locality zone "a"): all local when the local
 * zone's share of upstream capacity allows, the sampled share and the rest cross-zone otherwise,
 * none below min_cluster_size; retry host predicates omit_canary_hosts and omit_host_metadata (on retries);
 * the previous_priorities retry priority.
 */
class UpstreamSelectionE2ETest {

    static final String[] NAMES = {"a1", "a2", "a3", "b1", "canary", "plain", "v1", "v2", "failing", "backup"};
    static final Map<String, TestUpstream> UPSTREAMS = new HashMap<>();
    static ProxyProcess proxy;
    static int port;
    static final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();

    static String endpoint(String name, String zone, String lbMetadata) {
        int p = name.startsWith("local") ? ProxyProcess.freePort() : UPSTREAMS.get(name).port();
        String md = lbMetadata == null ? "" : "\n      metadata: { filter_metadata: { envoy.lb: " + lbMetadata + " } }";
        return "  - locality: { region: r, zone: " + zone + " }\n"
                + "    lb_endpoints:\n"
                + "    - endpoint: { address: { socket_address: { address: 127.0.0.1, port_value: " + p + " } } }" + md
                + "\n";
    }

    /** An endpoint EDS calls unhealthy (nothing listens there either). */
    static String unhealthy(String zone) {
        return "  - locality: { region: r, zone: " + zone + " }\n"
                + "    lb_endpoints:\n"
                + "    - endpoint: { address: { socket_address: { address: 127.0.0.1, port_value: "
                + ProxyProcess.freePort() + " } } }\n      health_status: UNHEALTHY\n";
    }

    static String cluster(String name, String extra, String endpoints) {
        return """
                - name: %s
                  type: STATIC
                  connect_timeout: 1s
                %s  load_assignment:
                    cluster_name: %s
                    endpoints:
                %s""".formatted(name, extra, name, endpoints.indent(2).stripTrailing()) + "\n";
    }

    @BeforeAll
    static void start() throws Exception {
        for (String n : NAMES) {
            UPSTREAMS.put(n, n.equals("failing") || n.equals("canary") || n.equals("v1")
                    ? TestUpstream.start((ctx, req, i) -> TestUpstream.send(ctx, req, 503, n))
                    : TestUpstream.text(n));
        }
        String small = "  common_lb_config: { zone_aware_lb_config: { min_cluster_size: 2 } }\n";
        String clusters = cluster("local", "", endpoint("local1", "a", null) + endpoint("local2", "a", null)
                + endpoint("local3", "a", null) + endpoint("local4", "b", null))
                // 75% of upstream capacity in zone a, as 75% of the proxies: all stays local.
                + cluster("direct", small, endpoint("a1", "a", null) + endpoint("a2", "a", null)
                + endpoint("a3", "a", null) + endpoint("b1", "b", null))
                // 50% in zone a for 75% of the proxies: two thirds local, the rest to b.
                + cluster("residual", small, endpoint("a1", "a", null) + endpoint("b1", "b", null))
                // Below the default min_cluster_size (6): no zone routing at all.
                + cluster("small", "", endpoint("a1", "a", null) + endpoint("b1", "b", null))
                // As "residual", but the round_robin policy's locality_lb_config forces direct routing.
                + cluster("forced", """
                          lb_policy: LOAD_BALANCING_POLICY_CONFIG
                          load_balancing_policy:
                            policies:
                            - typed_extension_config:
                                name: envoy.load_balancing_policies.round_robin
                                typed_config:
                                  "@type": type.googleapis.com/envoy.extensions.load_balancing_policies.round_robin.v3.RoundRobin
                                  locality_lb_config:
                                    zone_aware_lb_config: { min_cluster_size: 2, force_locality_direct_routing: true }
                        """, endpoint("a1", "a", null) + endpoint("b1", "b", null))
                // One healthy host of three: in panic, and fail_traffic_on_panic answers no host.
                + cluster("failpanic", "  common_lb_config: { zone_aware_lb_config: { fail_traffic_on_panic: true } }\n",
                        endpoint("a1", "a", null) + unhealthy("a") + unhealthy("b"))
                + cluster("canaries", "", endpoint("canary", "a", "{ canary: true }") + endpoint("plain", "a", null))
                + cluster("versions", "", endpoint("v1", "a", "{ version: v1 }") + endpoint("v2", "a", "{ version: v2 }"))
                + cluster("priorities", "", endpoint("failing", "a", null)
                + "  - locality: { zone: a }\n    priority: 1\n    lb_endpoints:\n"
                + "    - endpoint: { address: { socket_address: { address: 127.0.0.1, port_value: "
                + UPSTREAMS.get("backup").port() + " } } }\n");
        String routes = """
                - match: { prefix: "/direct" }
                  route: { cluster: direct }
                - match: { prefix: "/residual" }
                  route: { cluster: residual }
                - match: { prefix: "/forced" }
                  route: { cluster: forced }
                - match: { prefix: "/failpanic" }
                  route: { cluster: failpanic }
                - match: { prefix: "/small" }
                  route: { cluster: small }
                - match: { prefix: "/canaries" }
                  route:
                    cluster: canaries
                    retry_policy:
                      retry_on: 5xx
                      num_retries: 1
                      host_selection_retry_max_attempts: 5
                      retry_host_predicate:
                      - name: envoy.retry_host_predicates.omit_canary_hosts
                        typed_config: { "@type": type.googleapis.com/envoy.extensions.retry.host.omit_canary_hosts.v3.OmitCanaryHostsPredicate }
                - match: { prefix: "/versions" }
                  route:
                    cluster: versions
                    retry_policy:
                      retry_on: 5xx
                      num_retries: 1
                      host_selection_retry_max_attempts: 5
                      retry_host_predicate:
                      - name: envoy.retry_host_predicates.omit_host_metadata
                        typed_config:
                          "@type": type.googleapis.com/envoy.extensions.retry.host.omit_host_metadata.v3.OmitHostMetadataConfig
                          metadata_match: { filter_metadata: { envoy.lb: { version: v1 } } }
                - match: { prefix: "/priorities" }
                  route:
                    cluster: priorities
                    retry_policy:
                      retry_on: 5xx
                      num_retries: 1
                      retry_priority:
                        name: envoy.retry_priorities.previous_priorities
                        typed_config:
                          "@type": type.googleapis.com/envoy.extensions.retry.priority.previous_priorities.v3.PreviousPrioritiesConfig
                          update_frequency: 1
                """;
        int admin = ProxyProcess.freePort();
        port = ProxyProcess.freePort();
        String yaml = Bootstraps.http(admin, port, TempPaths.file("access", ".log").toString(),
                routes, clusters)
                + """
                node:
                  id: zone-a-proxy
                  cluster: svc
                  locality: { region: r, zone: a }
                cluster_manager:
                  local_cluster_name: local
                """;
        proxy = ProxyProcess.start(yaml, admin, List.of());
    }

    @AfterAll
    static void stop() throws Exception {
        if (proxy != null) {
            proxy.close();
        }
        for (TestUpstream u : UPSTREAMS.values()) {
            u.close();
        }
    }

    /** Who answered each of n requests to path. */
    static Map<String, Integer> spread(String path, int n) throws Exception {
        Map<String, Integer> by = new HashMap<>();
        for (int i = 0; i < n; i++) {
            HttpResponse<String> r = client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                    .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
            by.merge(r.statusCode() + " " + r.body(), 1, Integer::sum);
        }
        return by;
    }

    static double stat(String cluster, String name) throws Exception {
        return proxy.metric("envoy_cluster_" + name + "{envoy_cluster_name=\"" + cluster + "\"}");
    }

    @Test
    void localZoneTakesEverythingWhenItsShareOfCapacityAllows() throws Exception {
        Map<String, Integer> by = spread("/direct", 60);
        int local = by.getOrDefault("200 a1", 0) + by.getOrDefault("200 a2", 0) + by.getOrDefault("200 a3", 0);
        assertEquals(60, local, "all in zone a: " + by);
        assertEquals(60, stat("direct", "lb_zone_routing_all_directly"));
        assertTrue(proxy.admin("/stats?filter=lb_zone").contains("cluster.direct.lb_zone_routing_all_directly: 60"));
    }

    @Test
    void residualTrafficCrossesZonesByCapacity() throws Exception {
        int n = 300;
        Map<String, Integer> by = spread("/residual", n);
        int local = by.getOrDefault("200 a1", 0);
        int cross = by.getOrDefault("200 b1", 0);
        assertEquals(n, local + cross, by.toString());
        // Two thirds expected locally (50% of capacity for 75% of proxies); wide bounds, random draws.
        assertTrue(local > n * 0.5 && local < n * 0.82, "local share " + local + "/" + n);
        assertEquals(local, stat("residual", "lb_zone_routing_sampled"));
        assertEquals(cross, stat("residual", "lb_zone_routing_cross_zone"));
    }

    @Test
    void forceLocalityDirectRoutingKeepsEverythingInTheLocalZone() throws Exception {
        // The capacity split alone would send a third of it to zone b (see the residual case).
        Map<String, Integer> by = spread("/forced", 60);
        assertEquals(Map.of("200 a1", 60), by);
        assertEquals(60, stat("forced", "lb_zone_routing_all_directly"));
    }

    @Test
    void failTrafficOnPanicAnswersNoHealthyUpstream() throws Exception {
        Map<String, Integer> by = spread("/failpanic", 10);
        assertEquals(Map.of("503 no healthy upstream", 10), by, "no host in panic rather than every host");
        assertEquals(10, stat("failpanic", "upstream_cx_none_healthy"));
    }

    @Test
    void clustersBelowMinClusterSizeBalanceAcrossZones() throws Exception {
        Map<String, Integer> by = spread("/small", 40);
        assertEquals(20, by.getOrDefault("200 a1", 0), "round robin over both zones: " + by);
        assertEquals(20, by.getOrDefault("200 b1", 0), by.toString());
        assertTrue(stat("small", "lb_zone_cluster_too_small") >= 1);
        assertEquals(0, stat("small", "lb_zone_routing_all_directly") + stat("small", "lb_zone_routing_sampled")
                + stat("small", "lb_zone_routing_cross_zone"));
    }

    @Test
    void omitCanaryHostsKeepsPicksOffCanaries() throws Exception {
        // Envoy consults retry host predicates on retries only (Router::Filter::shouldSelectAnotherHost
        // returns false unless is_retry_): first tries reach the canary, whose 503 is retried, and no
        // retry lands on it, else that retry's 503 would be the answer (num_retries 1).
        Map<String, Integer> by = spread("/canaries", 30);
        assertEquals(Map.of("200 plain", 30), by);
        assertTrue(UPSTREAMS.get("canary").requests.get() > 0, "first tries go to the canary too");
    }

    @Test
    void omitHostMetadataKeepsPicksOffMatchingHosts() throws Exception {
        // As above: first tries reach v1; its 503 is retried, never onto v1.
        Map<String, Integer> by = spread("/versions", 30);
        assertEquals(Map.of("200 v2", 30), by);
        assertTrue(UPSTREAMS.get("v1").requests.get() > 0, "first tries go to v1 too");
    }

    @Test
    void previousPrioritiesSendsTheRetryToTheNextPriority() throws Exception {
        int failedBefore = UPSTREAMS.get("failing").requests.get();
        Map<String, Integer> by = spread("/priorities", 20);
        // P0 is healthy (no checks), so every first try fails there; the retry leaves P0.
        assertEquals(Map.of("200 backup", 20), by);
        assertEquals(failedBefore + 20, UPSTREAMS.get("failing").requests.get());
    }
}
