package io.remora.e2e;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.remora.testing.TempPaths;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.time.Duration;
import java.util.List;
import java.util.function.BooleanSupplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A cluster's limits under the layered runtime's keys, which Envoy reads at each decision over the
 * cluster's own values. Outlier detection's {@code outlier_detection.*}: a static layer lowers
 * {@code consecutive_5xx} and raises {@code max_ejection_percent}, an admin override turns
 * enforcement off for the next ejection. Circuit breakers' {@code circuit_breakers.<cluster>.<priority>.*}.
 * {@code load_balancing_policy.drop_overload_limit} caps a load assignment's drop_overloads share;
 * {@code upstream.healthy_panic_threshold} replaces the clusters' {@code healthy_panic_threshold}.
 */
class ClusterRuntimeE2ETest {

    @RegisterExtension
    static final E2EStack stack = new E2EStack();
    static ProxyProcess proxy;
    static TestUpstream first;
    static TestUpstream second;
    static TestUpstream ok;

    /** Envoy's defaults but for the timers: five 5xx in a row, at most 10 % of the hosts, no return during the test. */
    private static final String OUTLIER = """
              outlier_detection:
                consecutive_5xx: 5
                interval: 60s
                base_ejection_time: 60s
            """;

    @BeforeAll
    static void start() throws Exception {
        first = stack.upstream((ctx, req, n) -> TestUpstream.send(ctx, req, 503, "down"));
        second = stack.upstream((ctx, req, n) -> TestUpstream.send(ctx, req, 503, "down"));
        ok = stack.upstream((ctx, req, n) -> TestUpstream.send(ctx, req, 200, "ok"));
        String routes = """
                - match: { prefix: "/first" }
                  route: { cluster: first }
                - match: { prefix: "/second" }
                  route: { cluster: second }
                - match: { prefix: "/limited" }
                  route: { cluster: limited }
                - match: { prefix: "/open" }
                  route: { cluster: open }
                - match: { prefix: "/capped" }
                  route: { cluster: capped }
                - match: { prefix: "/panicky" }
                  route: { cluster: panicky }
                - match: { prefix: "/maintained" }
                  route: { cluster: maintained }
                """;
        String breakers = """
                  circuit_breakers:
                    thresholds:
                    - { track_remaining: true }
                """;
        String clusters = String.join("\n", Bootstraps.cluster("first", false, OUTLIER, first.port()),
                Bootstraps.cluster("second", false, OUTLIER, second.port()),
                Bootstraps.cluster("limited", false, breakers, ok.port()),
                Bootstraps.cluster("open", false, breakers, ok.port()),
                Bootstraps.cluster("maintained", false, null, ok.port()),
                Bootstraps.cluster("capped", false, null, ok.port()) + "    policy: { drop_overloads: [ { category: throttle,"
                        + " drop_percentage: { numerator: 100, denominator: HUNDRED } } ] }\n",
                """
                - name: panicky
                  type: STATIC
                  connect_timeout: 1s
                  load_assignment:
                    cluster_name: panicky
                    endpoints:
                    - lb_endpoints:
                      - endpoint: { address: { socket_address: { address: 127.0.0.1, port_value: %d } } }
                      - endpoint: { address: { socket_address: { address: 127.0.0.1, port_value: 1 } } }
                        health_status: UNHEALTHY
                      - endpoint: { address: { socket_address: { address: 127.0.0.1, port_value: 2 } } }
                        health_status: UNHEALTHY
                """.formatted(ok.port()));
        String yaml = stack.http(TempPaths.file("outlier-runtime-access", ".log").toString(), routes, clusters);
        // One 5xx ejects, and a cluster's only host may be ejected (its 100 % over the configured 10 %).
        yaml = """
                layered_runtime:
                  layers:
                  - name: static
                    static_layer: { outlier_detection.consecutive_5xx: 1, outlier_detection.max_ejection_percent: 100,
                                    circuit_breakers.limited.default.max_requests: 0,
                                    circuit_breakers.limited.default.max_retries: 7,
                                    load_balancing_policy.drop_overload_limit: 0, upstream.healthy_panic_threshold: 0,
                                    upstream.maintenance_mode.maintained: 100 }
                  - name: admin
                    admin_layer: {}
                """ + yaml;
        proxy = stack.start(yaml);
    }

    private static void await(String what, BooleanSupplier cond) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (!cond.getAsBoolean()) {
            assertTrue(System.nanoTime() < deadline, "not within 20 s: " + what);
            Thread.sleep(50);
        }
    }

    private static double stat(String cluster, String name) {
        try {
            return proxy.metric("envoy_cluster_outlier_detection_" + name + "{envoy_cluster_name=\"" + cluster + "\"}");
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void theRuntimeOverridesTheClustersThresholdsAndEnforcement() throws Exception {
        assertEquals(503, Curl.run(stack.url("/first")).status());
        await("one 503 ejects the only host", () -> stat("first", "ejections_enforced_consecutive_5xx") == 1);
        assertEquals(1.0, stat("first", "ejections_active"));
        assertTrue(ResilienceE2ETest.healthFlags(proxy, "first", first.port()).contains("/failed_outlier_check"),
                proxy.admin("/clusters"));

        assertEquals(200, Curl.run("-X", "POST",
                proxy.adminUri("/runtime_modify?outlier_detection.enforcing_consecutive_5xx=0").toString()).status());
        assertEquals(503, Curl.run(stack.url("/second")).status());
        await("detected", () -> stat("second", "ejections_detected_consecutive_5xx") == 1);
        assertEquals(0.0, stat("second", "ejections_enforced_consecutive_5xx"), "enforcing_consecutive_5xx 0 from the admin layer");
        assertEquals(0.0, stat("second", "ejections_active"));
        assertEquals("healthy", ResilienceE2ETest.healthFlags(proxy, "second", second.port()));
    }

    private static double breaker(String cluster, String gauge) throws Exception {
        return proxy.metric("envoy_cluster_circuit_breakers_default_" + gauge + "{envoy_cluster_name=\"" + cluster + "\"}");
    }

    /** ClusterImplBase::parseDropOverloadConfig: the smaller of the assignment's share and the runtime's limit. */
    @Test
    void theRuntimeCapsTheDropOverloadShare() throws Exception {
        for (int i = 0; i < 5; i++) {
            Curl r = Curl.run(stack.url("/capped"));
            assertEquals(200, r.status(), "a limit of 0 drops nothing of the assignment's 100 %: " + r.headers());
        }
    }

    /**
     * LoadBalancerBase's isHostSetInPanic reads upstream.healthy_panic_threshold over the cluster's 50 %: at 0 the
     * priority with one healthy host of three is not in panic, so its unhealthy (unreachable) hosts get nothing.
     */
    @Test
    void theRuntimeSetsThePanicThreshold() throws Exception {
        for (int i = 0; i < 6; i++) {
            Curl r = Curl.run(stack.url("/panicky"));
            assertEquals(200, r.status(), "only the healthy host is picked: " + r.headers());
        }
        assertEquals(0.0, proxy.metric("envoy_cluster_lb_healthy_panic{envoy_cluster_name=\"panicky\"}"));
    }

    /**
     * Envoy's router asks ClusterInfo::maintenanceMode (upstream.maintenance_mode.&lt;cluster&gt;, a percentage) before
     * drop_overloads and any host: 503 "maintenance mode", x-envoy-overloaded, the code charged and
     * upstream_rq_maintenance_mode counted; read at each request, so the admin layer's 0 ends it.
     */
    @Test
    void theRuntimePutsAClusterInMaintenanceMode() throws Exception {
        Curl r = Curl.run(stack.url("/maintained"));
        assertEquals(503, r.status());
        assertEquals("maintenance mode", r.text());
        assertEquals("true", r.header("x-envoy-overloaded"), r.headers().toString());
        assertEquals(1.0, proxy.metric("envoy_cluster_upstream_rq_maintenance_mode{envoy_cluster_name=\"maintained\"}"));
        assertEquals(1.0, proxy.stat("cluster.maintained.upstream_rq_503"));
        assertEquals(0.0, proxy.metric("envoy_cluster_upstream_rq_total{envoy_cluster_name=\"maintained\"}"),
                "no upstream request");
        assertEquals(0.0, proxy.metric("envoy_cluster_upstream_rq_maintenance_mode{envoy_cluster_name=\"open\"}"));

        assertEquals(200, Curl.run("-X", "POST",
                proxy.adminUri("/runtime_modify?upstream.maintenance_mode.maintained=0").toString()).status());
        assertEquals(200, Curl.run(stack.url("/maintained")).status());
        assertEquals(1.0, proxy.metric("envoy_cluster_upstream_rq_maintenance_mode{envoy_cluster_name=\"maintained\"}"));
    }

    /** Envoy's ResourceManagerImpl: each limit is the runtime's circuit_breakers.<cluster>.<priority>.<field>, else the threshold. */
    @Test
    void theRuntimeOverridesTheClustersCircuitBreakers() throws Exception {
        assertEquals(503, Curl.run(stack.url("/limited")).status(), "max_requests 0 from the runtime");
        assertEquals(0.0, breaker("limited", "remaining_rq"));
        assertEquals(1.0, breaker("limited", "rq_open"));
        assertEquals(7.0, breaker("limited", "remaining_retries"), "the runtime's max_retries, not the default 3");
        assertEquals(200, Curl.run(stack.url("/open")).status(), "another cluster keeps its own limits");
        assertEquals(1024.0, breaker("open", "remaining_rq"));
        assertEquals(3.0, breaker("open", "remaining_retries"));
    }

    /**
     * Envoy's clusters_handler prints each priority's resource manager max(), which reads the same
     * runtime keys, not the configured thresholds; and a cluster with outlier detection gets its
     * success rate average and ejection threshold lines (-1 before an interval computed them).
     */
    @Test
    void clustersShowsTheLimitsInForceAndTheOutlierRates() throws Exception {
        String text = proxy.admin("/clusters");
        for (String line : List.of("limited::default_priority::max_requests::0",
                "limited::default_priority::max_retries::7", "limited::default_priority::max_connections::1024",
                "limited::high_priority::max_requests::1024", "open::default_priority::max_requests::1024",
                "open::default_priority::max_retries::3", "first::outlier::success_rate_average::-1",
                "first::outlier::success_rate_ejection_threshold::-1",
                "first::outlier::local_origin_success_rate_average::-1",
                "first::outlier::local_origin_success_rate_ejection_threshold::-1")) {
            assertTrue(text.contains(line + "\n"), line + " in\n" + text);
        }
        assertFalse(text.contains("open::outlier::"), "no outlier detector, no outlier lines:\n" + text);
        assertTrue(text.indexOf("first::observability_name::") < text.indexOf("first::outlier::success_rate_average")
                && text.indexOf("first::outlier::") < text.indexOf("first::default_priority::"), text);

        JsonObject limited = null;
        for (var c : JsonParser.parseString(proxy.admin("/clusters?format=json")).getAsJsonObject()
                .getAsJsonArray("cluster_statuses")) {
            if (c.getAsJsonObject().get("name").getAsString().equals("limited")) {
                limited = c.getAsJsonObject();
            }
        }
        JsonObject def = limited.getAsJsonObject("circuit_breakers").getAsJsonArray("thresholds").get(0).getAsJsonObject();
        assertEquals(0, def.get("max_requests").getAsInt(), def.toString());
        assertEquals(7, def.get("max_retries").getAsInt(), def.toString());
    }
}
