package io.remora.e2e;

import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.FullHttpRequest;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Cluster options against real upstreams: drop_overloads sheds its share of requests with 503
 * {@code DO}; track_remaining publishes the circuit breakers' remaining_* gauges while requests
 * are held open; max_connection_pools refuses a pool it has no room for; track_cluster_stats
 * records its histograms; ignore_new_hosts_until_first_hc keeps hosts whose first health check is
 * still pending out of the balancing (where they would otherwise tip the cluster into panic).
 */
class ClusterOptionsE2ETest {

    @RegisterExtension
    static final E2EStack stack = new E2EStack();
    static ProxyProcess proxy;
    static TestUpstream web;
    static TestUpstream checked;
    /** Never answer their health checks: their first check stays pending for the whole test. */
    static TestUpstream silent1;
    static TestUpstream silent2;
    /** Requests to /held wait here until a test answers them. */
    static final ConcurrentLinkedQueue<Runnable> HELD = new ConcurrentLinkedQueue<>();
    static final HttpClient CLIENT = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();

    private static final String DROP = "    policy: { drop_overloads: [ { category: throttle,"
            + " drop_percentage: { numerator: %d, denominator: HUNDRED } } ] }\n";

    /** A check whose first round outlives the test unless the host answers it. */
    private static final String SLOW_FIRST_CHECK = """
              health_checks:
              - timeout: 120s
                interval: 0.2s
                no_traffic_interval: 0.2s
                unhealthy_threshold: 1
                healthy_threshold: 1
                http_health_check: { path: /healthz }
            """;

    @BeforeAll
    static void start() throws Exception {
        web = stack.upstream((ctx, req, n) -> {
            if (req.uri().startsWith("/held")) {
                HELD.add(() -> ctx.executor().execute(() -> TestUpstream.send(ctx, req, 200, "released")));
            } else {
                TestUpstream.send(ctx, req, 200, "web");
            }
        });
        checked = stack.upstream((ctx, req, n) -> TestUpstream.send(ctx, req, 200, "checked"));
        silent1 = stack.upstream(ClusterOptionsE2ETest::silentChecks);
        silent2 = stack.upstream(ClusterOptionsE2ETest::silentChecks);
        String routes = """
                - match: { prefix: /drop100 }
                  route: { cluster: drop100 }
                - match: { prefix: /drop0 }
                  route: { cluster: drop0 }
                - match: { prefix: /drop50 }
                  route: { cluster: drop50 }
                - match: { prefix: /held }
                  route: { cluster: held, timeout: 60s }
                - match: { prefix: /nopools }
                  route: { cluster: nopools }
                - match: { prefix: /tracked }
                  route: { cluster: tracked, timeout: 10s }
                - match: { prefix: /ignoring }
                  route: { cluster: ignoring }
                - match: { prefix: /counting }
                  route: { cluster: counting }
                - match: { prefix: /by-weight }
                  route: { cluster: by_weight }
                - match: { prefix: /by-count }
                  route: { cluster: by_count }
                - match: { prefix: /overprovisioned }
                  route: { cluster: overprovisioned }
                """;
        String clusters = Bootstraps.cluster("drop100", false, null, web.port()) + DROP.formatted(100)
                + Bootstraps.cluster("drop0", false, null, web.port()) + DROP.formatted(0)
                + Bootstraps.cluster("drop50", false, null, web.port()) + DROP.formatted(50)
                + Bootstraps.cluster("held", false, """
                          circuit_breakers:
                            thresholds:
                            - { max_requests: 4, max_connections: 10, max_pending_requests: 6, track_remaining: true }
                        """, web.port())
                + Bootstraps.cluster("budgeted", false, """
                          circuit_breakers:
                            thresholds:
                            - { max_retries: 7, retry_budget: { min_retry_concurrency: 5 }, track_remaining: true }
                            - { priority: HIGH, retry_budget: {}, track_remaining: true }
                        """, web.port())
                + Bootstraps.cluster("nopools", false, """
                          circuit_breakers: { thresholds: [ { max_connection_pools: 0 } ] }
                        """, web.port())
                + Bootstraps.cluster("tracked", false, """
                          track_cluster_stats: { timeout_budgets: true, request_response_sizes: true }
                        """, web.port())
                + Bootstraps.cluster("ignoring", false, SLOW_FIRST_CHECK
                        + "  common_lb_config: { ignore_new_hosts_until_first_hc: true }\n",
                        checked.port(), silent1.port(), silent2.port())
                + Bootstraps.cluster("counting", false, SLOW_FIRST_CHECK,
                        checked.port(), silent1.port(), silent2.port())
                + priorities("by_weight", "weighted_priority_health: true")
                + priorities("by_count", "weighted_priority_health: false")
                + priorities("overprovisioned", "overprovisioning_factor: 200");
        proxy = stack.start(stack.render(Bootstraps.ingress("", "", routes),
                Map.of("CLUSTERS", Bootstraps.indent(clusters, 2))));
    }

    /**
     * Priority 0: web (weight 1) and an UNHEALTHY host of weight 9; priority 1: checked. Half the
     * hosts of priority 0 are healthy (no panic), a tenth of its weight.
     */
    private static String priorities(String name, String policy) {
        return """
                - name: %s
                  type: STATIC
                  connect_timeout: 1s
                  load_assignment:
                    cluster_name: %s
                    policy: { %s }
                    endpoints:
                    - priority: 0
                      lb_endpoints:
                      - endpoint: { address: { socket_address: { address: 127.0.0.1, port_value: %d } } }
                        load_balancing_weight: 1
                      - endpoint: { address: { socket_address: { address: 127.0.0.1, port_value: %d } } }
                        load_balancing_weight: 9
                        health_status: UNHEALTHY
                    - priority: 1
                      lb_endpoints:
                      - endpoint: { address: { socket_address: { address: 127.0.0.1, port_value: %d } } }
                """.formatted(name, name, policy, web.port(), silent1.port(), checked.port());
    }

    private static void silentChecks(ChannelHandlerContext ctx, FullHttpRequest req, int n) {
        if (!req.uri().equals("/healthz")) {
            TestUpstream.send(ctx, req, 200, "pending-" + ((java.net.InetSocketAddress) ctx.channel().localAddress()).getPort());
        }
    }

    private static HttpResponse<String> get(String path) throws Exception {
        return CLIENT.send(HttpRequest.newBuilder(URI.create(stack.url(path))).timeout(Duration.ofSeconds(30)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void dropOverloadsShedsItsShareWith503DO() throws Exception {
        for (int i = 0; i < 20; i++) {
            // Envoy's EdsIntegrationTest DropOverloadTestForEdsClusterAllDrop: 100% is the unconditional drop.
            HttpResponse<String> dropped = get("/drop100");
            assertEquals(503, dropped.statusCode());
            assertEquals("unconditional drop overload", dropped.body());
            assertEquals("true", dropped.headers().firstValue("x-envoy-unconditional-drop-overload").orElse(null));
            assertTrue(dropped.headers().firstValue("x-envoy-drop-overload").isEmpty());
            assertEquals(200, get("/drop0").statusCode());
        }
        int served = 0;
        int n = 400;
        for (int i = 0; i < n; i++) {
            HttpResponse<String> r = get("/drop50");
            int status = r.statusCode();
            assertTrue(status == 200 || status == 503, "status " + status);
            served += status == 200 ? 1 : 0;
            if (status == 503) {
                assertEquals("drop overload", r.body());
                assertEquals("true", r.headers().firstValue("x-envoy-drop-overload").orElse(null));
            }
        }
        // 50% of 400: 200 expected, the standard deviation 10; these bounds are 8 of them away.
        assertTrue(served > 120 && served < 280, served + " of " + n + " served");
        // Envoy's upstream_rq_drop_overload is a load report stat (ClusterLoadReportStats, an isolated
        // store "not sent to the stats sink"): load reports carry it (LrsServerSelfE2ETest), /stats does not.
        assertFalse(proxy.admin("/stats").contains("upstream_rq_drop_overload"));
        assertFalse(proxy.admin("/stats/prometheus").contains("upstream_rq_drop_overload"));
        assertEquals(20.0, proxy.stat("cluster.drop100.upstream_rq_503"), "charged as the upstream's 503, as Envoy");
    }

    @Test
    void trackRemainingGaugesFollowRequestsHeldOpen() throws Exception {
        String cb = "cluster.held.circuit_breakers.default.";
        assertEquals(4.0, proxy.stat(cb + "remaining_rq"));
        assertEquals(10.0, proxy.stat(cb + "remaining_cx"));
        assertEquals(6.0, proxy.stat(cb + "remaining_pending"));
        assertEquals(3.0, proxy.stat(cb + "remaining_retries"));
        assertTrue(proxy.admin("/stats").contains(cb + "remaining_cx_pools: "), "remaining_cx_pools listed");
        List<CompletableFuture<HttpResponse<String>>> held = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            held.add(CLIENT.sendAsync(HttpRequest.newBuilder(URI.create(stack.url("/held/" + i)))
                    .timeout(Duration.ofSeconds(60)).build(), HttpResponse.BodyHandlers.ofString()));
        }
        HostHealthFailureE2ETest.await("4 requests at the upstream", () -> HELD.size() == 4);
        assertEquals(0.0, proxy.stat(cb + "remaining_rq"));
        assertEquals(1.0, proxy.stat(cb + "rq_open"));
        assertEquals(6.0, proxy.stat(cb + "remaining_cx"), "one HTTP/1.1 connection per request in flight");
        assertEquals(0.0, proxy.stat(cb + "cx_open"));
        assertEquals(0.0, proxy.metric("envoy_cluster_circuit_breakers_default_remaining_rq{envoy_cluster_name=\"held\"}"));
        assertEquals(6.0, proxy.metric("envoy_cluster_circuit_breakers_default_remaining_cx{envoy_cluster_name=\"held\"}"));
        assertEquals(1.0, proxy.metric("envoy_cluster_circuit_breakers_default_rq_open{envoy_cluster_name=\"held\"}"));
        HttpResponse<String> overflow = get("/held/over");
        assertEquals(503, overflow.statusCode(), "the fifth is over max_requests");
        Runnable r;
        while ((r = HELD.poll()) != null) {
            r.run();
        }
        for (CompletableFuture<HttpResponse<String>> f : held) {
            assertEquals("released", f.get().body());
        }
        HostHealthFailureE2ETest.await("requests given back", () -> proxy.stat(cb + "remaining_rq") == 4.0);
        assertEquals(0.0, proxy.stat(cb + "rq_open"));
        // Without track_remaining (the high priority here, and other clusters) only the *_open gauges exist.
        String stats = proxy.admin("/stats");
        assertTrue(stats.contains("cluster.held.circuit_breakers.high.rq_open: 0"), "high priority's gauges");
        assertTrue(!stats.contains("cluster.held.circuit_breakers.high.remaining_rq"), "not tracked for high");
        assertTrue(stats.contains("cluster.drop0.circuit_breakers.default.cx_open: 0"), "every cluster has *_open");
        assertTrue(!stats.contains("cluster.drop0.circuit_breakers.default.remaining_rq"), "remaining_* only when tracked");
    }

    /** As Envoy's RetryBudgetImpl: with a retry budget remaining_retries reads 0, not max_retries' room. */
    @Test
    void retryBudgetLeavesRemainingRetriesAtZero() throws Exception {
        String cb = "cluster.budgeted.circuit_breakers.";
        assertEquals(0.0, proxy.stat(cb + "default.remaining_retries"));
        assertEquals(0.0, proxy.stat(cb + "high.remaining_retries"));
        assertEquals(0.0, proxy.metric(
                "envoy_cluster_circuit_breakers_high_remaining_retries{envoy_cluster_name=\"budgeted\"}"));
        assertEquals(0.0, proxy.stat(cb + "default.rq_retry_open"), "the budget's floor leaves room");
        assertEquals(1024.0, proxy.stat(cb + "default.remaining_rq"), "the other remaining_* still count");
    }

    @Test
    void maxConnectionPoolsRefusesAPoolAsEnvoy() throws Exception {
        for (int i = 0; i < 3; i++) {
            HttpResponse<String> r = get("/nopools");
            assertEquals(503, r.statusCode());
            assertEquals("no healthy upstream", r.body());
        }
        assertEquals(3.0, proxy.stat("cluster.nopools.upstream_cx_pool_overflow"));
        assertEquals(0.0, proxy.stat("cluster.drop0.upstream_cx_pool_overflow"));
    }

    @Test
    void trackClusterStatsRecordsSizesAndTimeoutBudgets() throws Exception {
        HttpResponse<String> r = CLIENT.send(HttpRequest.newBuilder(URI.create(stack.url("/tracked")))
                .POST(HttpRequest.BodyPublishers.ofString("hello")).timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals("web", r.body());
        String tag = "{envoy_cluster_name=\"tracked\"}";
        HostHealthFailureE2ETest.await("sizes recorded",
                () -> proxy.metric("envoy_cluster_upstream_rq_body_size_count" + tag) == 1.0);
        assertEquals(5.0, proxy.metric("envoy_cluster_upstream_rq_body_size_sum" + tag));
        assertEquals(3.0, proxy.metric("envoy_cluster_upstream_rs_body_size_sum" + tag));
        assertTrue(proxy.metric("envoy_cluster_upstream_rq_headers_size_sum" + tag) > 20, "pseudo-headers and all");
        assertTrue(proxy.metric("envoy_cluster_upstream_rs_headers_size_sum" + tag) > 10);
        assertEquals(1.0, proxy.metric("envoy_cluster_upstream_rq_timeout_budget_percent_used_count" + tag));
        assertEquals(1.0, proxy.metric("envoy_cluster_upstream_rq_timeout_budget_per_try_percent_used_count" + tag));
        String stats = proxy.admin("/stats");
        for (String h : List.of("upstream_rq_headers_size", "upstream_rq_body_size", "upstream_rs_headers_size",
                "upstream_rs_body_size", "upstream_rq_timeout_budget_percent_used",
                "upstream_rq_timeout_budget_per_try_percent_used")) {
            assertTrue(stats.contains("cluster.tracked." + h + ": P0("), h + " in /stats");
            assertTrue(!stats.contains("cluster.drop0." + h + ":"), h + " only where tracked");
        }
    }

    @Test
    void newHostsWaitForTheirFirstCheckOnlyWhenAsked() throws Exception {
        for (String c : List.of("ignoring", "counting")) {
            HostHealthFailureE2ETest.await("checked host of " + c + " healthy",
                    () -> ResilienceE2ETest.healthFlags(proxy, c, checked.port()).equals("healthy"));
        }
        // As Envoy's EDS/DNS host update: PENDING_ACTIVE_HC only under ignore_new_hosts_until_first_hc (warmHosts).
        assertEquals("/failed_active_hc/pending_active_hc", ResilienceE2ETest.healthFlags(proxy, "ignoring", silent1.port()));
        assertEquals("/failed_active_hc", ResilienceE2ETest.healthFlags(proxy, "counting", silent1.port()));
        Map<String, Integer> ignoring = new HashMap<>();
        Map<String, Integer> counting = new HashMap<>();
        for (int i = 0; i < 30; i++) {
            ignoring.merge(get("/ignoring").body(), 1, Integer::sum);
            counting.merge(get("/counting").body(), 1, Integer::sum);
        }
        // The pending hosts are excluded: one host of one, healthy.
        assertEquals(Map.of("checked", 30), ignoring);
        // Counted, they leave one healthy host of three, under the 50% panic threshold: all take traffic.
        assertTrue(counting.getOrDefault("checked", 0) < 30 && counting.size() == 3, counting.toString());
        assertEquals(0.0, proxy.stat("cluster.ignoring.lb_healthy_panic"));
        assertTrue(proxy.stat("cluster.counting.lb_healthy_panic") > 0);
    }

    /**
     * Envoy's priority availability: min(100, overprovisioning_factor × healthy / hosts). At 200 one healthy host of
     * two makes priority 0 fully available, so priority 1 gets nothing (at the default 140 it gets 30 %).
     */
    @Test
    void overprovisioningFactorKeepsTheLoadOnAHalfHealthyPriority() throws Exception {
        Map<String, Integer> seen = new HashMap<>();
        for (int i = 0; i < 20; i++) {
            seen.merge(get("/overprovisioned").body(), 1, Integer::sum);
        }
        assertEquals(Map.of("web", 20), seen);
    }

    @Test
    void weightedPriorityHealthWeighsTheHealthyHosts() throws Exception {
        Map<String, Integer> byWeight = new HashMap<>();
        Map<String, Integer> byCount = new HashMap<>();
        for (int i = 0; i < 200; i++) {
            byWeight.merge(get("/by-weight").body(), 1, Integer::sum);
            byCount.merge(get("/by-count").body(), 1, Integer::sum);
        }
        // By weight priority 0 is 140% x 1/10 = 14% healthy, so it takes 14% of the load (28 of 200);
        // by count it is 140% x 1/2 = 70% healthy (140 of 200). The rest goes to priority 1.
        int weightedP0 = byWeight.getOrDefault("web", 0);
        int countedP0 = byCount.getOrDefault("web", 0);
        assertTrue(weightedP0 > 5 && weightedP0 < 60, byWeight.toString());
        assertTrue(countedP0 > 110 && countedP0 < 170, byCount.toString());
        assertEquals(200, weightedP0 + byWeight.getOrDefault("checked", 0), byWeight.toString());
    }

    /** Envoy's clusters_handler prints each host's own priority, in text and JSON. */
    @Test
    void clustersShowsEachHostsPriority() throws Exception {
        String text = proxy.admin("/clusters");
        assertTrue(text.contains("by_count::127.0.0.1:" + web.port() + "::priority::0\n"), text);
        assertTrue(text.contains("by_count::127.0.0.1:" + checked.port() + "::priority::1\n"), text);
        for (var c : com.google.gson.JsonParser.parseString(proxy.admin("/clusters?format=json")).getAsJsonObject()
                .getAsJsonArray("cluster_statuses")) {
            if (c.getAsJsonObject().get("name").getAsString().equals("by_count")) {
                for (var h : c.getAsJsonObject().getAsJsonArray("host_statuses")) {
                    var o = h.getAsJsonObject();
                    int port = o.getAsJsonObject("address").getAsJsonObject("socket_address").get("port_value").getAsInt();
                    // priority 0 is the proto3 default, which protobuf's JSON leaves out
                    assertEquals(port == checked.port() ? 1 : 0, o.has("priority") ? o.get("priority").getAsInt() : 0,
                            o.toString());
                    assertEquals(port == checked.port(), o.has("priority"), o.toString());
                }
            }
        }
    }
}
