package io.remora.e2e;

import io.remora.testing.TempPaths;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.HashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Typed load balancing policies through a real proxy: client-side weighted round robin moves
 * traffic to the endpoint whose ORCA reports (response headers) say it is lightly loaded;
 * pick_first sends everything to the first endpoint, and to the next one while it is down.
 */
class LoadBalancingPolicyE2ETest {
    private static final String ROUTE = """
            - match: { prefix: "/" }
              route: { cluster: lb }""";

    private static String policy(String type, String fields) {
        return """
                  load_balancing_policy:
                    policies:
                    - typed_extension_config:
                        name: p
                        typed_config:
                          "@type": type.googleapis.com/envoy.extensions.load_balancing_policies.%s
                """.formatted(type) + (fields.isEmpty() ? "" : Bootstraps.indent(fields, 10) + "\n");
    }

    /** An upstream answering its name, with this ORCA header on every response. */
    private static TestUpstream reporting(String name, String orca) throws InterruptedException {
        return TestUpstream.start((ctx, req, n) -> TestUpstream.send(ctx, req, 200, name,
                Map.of("endpoint-load-metrics", orca)));
    }

    private static Map<String, Integer> send(int port, int requests) throws Exception {
        HttpClient client = HttpClient.newHttpClient();
        Map<String, Integer> bodies = new HashMap<>();
        for (int i = 0; i < requests; i++) {
            HttpResponse<String> r = client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/x"))
                    .build(), HttpResponse.BodyHandlers.ofString());
            bodies.merge(r.statusCode() == 200 ? r.body() : "status " + r.statusCode(), 1, Integer::sum);
        }
        return bodies;
    }

    @Test
    void clientSideWeightedRoundRobinShiftsTrafficToTheLightlyLoadedEndpoint() throws Exception {
        // Weights qps / utilization: busy 100 / 0.9 = 111, idle 100 / 0.1 = 1000 (JSON form).
        try (TestUpstream busy = reporting("busy", "TEXT rps_fractional:100,application_utilization:0.9");
             TestUpstream idle = reporting("idle", "JSON {\"rpsFractional\": 100, \"applicationUtilization\": 0.1}")) {
            int admin = ProxyProcess.freePort();
            int port = ProxyProcess.freePort();
            String extra = policy("client_side_weighted_round_robin.v3.ClientSideWeightedRoundRobin",
                    "blackout_period: 0s\nweight_update_period: 0.1s");
            String yaml = Bootstraps.http(admin, port, TempPaths.file("access", ".log").toString(), ROUTE,
                    Bootstraps.cluster("lb", false, extra, busy.port(), idle.port()));
            try (ProxyProcess proxy = ProxyProcess.start(yaml, admin)) {
                Map<String, Integer> before = send(port, 20);
                assertEquals(20, before.getOrDefault("busy", 0) + before.getOrDefault("idle", 0), before.toString());
                long deadline = System.nanoTime() + 10_000_000_000L;
                // Each host's weight comes with its own reports: until busy has one, it takes the
                // median of the known weights (idle's 1000), so wait for both.
                String clusters;
                while (!(clusters = proxy.admin("/clusters")).contains("lb::127.0.0.1:" + idle.port() + "::weight::1000")
                        || !clusters.contains("lb::127.0.0.1:" + busy.port() + "::weight::111")) {
                    assertTrue(System.nanoTime() < deadline, "the ORCA weights never applied:\n" + clusters);
                    send(port, 5);
                    Thread.sleep(100);
                }
                Map<String, Integer> after = send(port, 600);
                // 1000 : 111 is 90% to idle; plain round robin would be 50%.
                assertTrue(after.getOrDefault("idle", 0) > 480, "most traffic to the idle endpoint: " + after);
                assertTrue(after.getOrDefault("busy", 0) > 0, "the busy one still takes some: " + after);
            }
        }
    }

    @Test
    void pickFirstSendsEverythingToTheFirstEndpointAndToTheNextWhileItIsDown() throws Exception {
        try (TestUpstream second = TestUpstream.text("second")) {
            TestUpstream first = TestUpstream.text("first");
            boolean firstUp = true;
            try {
                int admin = ProxyProcess.freePort();
                int port = ProxyProcess.freePort();
                String extra = policy("pick_first.v3.PickFirst", "")
                        + Bootstraps.fastHealthCheck("http_health_check: { path: /healthz }");
                String yaml = Bootstraps.http(admin, port, TempPaths.file("access", ".log").toString(), ROUTE,
                        Bootstraps.cluster("lb", false, extra, first.port(), second.port()));
                try (ProxyProcess proxy = ProxyProcess.start(yaml, admin)) {
                    awaitFlags(proxy, first.port(), "healthy");
                    awaitFlags(proxy, second.port(), "healthy");
                    assertEquals(Map.of("first", 200), send(port, 200));
                    first.close();
                    firstUp = false;
                    awaitFlags(proxy, first.port(), "/failed_active_hc");
                    assertEquals(Map.of("second", 200), send(port, 200));
                }
            } finally {
                if (firstUp) {
                    first.close();
                }
            }
        }
    }

    private static void awaitFlags(ProxyProcess proxy, int port, String flags) throws Exception {
        long deadline = System.nanoTime() + 20_000_000_000L;
        while (!ResilienceE2ETest.healthFlags(proxy, "lb", port).equals(flags)) {
            assertTrue(System.nanoTime() < deadline, "host " + port + " not " + flags + ": "
                    + ResilienceE2ETest.healthFlags(proxy, "lb", port));
            Thread.sleep(50);
        }
    }
}
