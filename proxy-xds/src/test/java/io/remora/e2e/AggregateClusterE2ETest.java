package io.remora.e2e;

import io.remora.testing.TempPaths;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Aggregate clusters ({@code envoy.clusters.aggregate}) through real sockets: failover from a
 * member whose host fails its active health check or that EDS calls unhealthy, all traffic on the
 * first member while it is healthy, members not defined skipped, no member host answering 503 UH,
 * the member's own stats, tcp_proxy and weighted clusters over an aggregate, the previous_priorities
 * retry priority across members, and lb_policy refused unless CLUSTER_PROVIDED.
 */
public class AggregateClusterE2ETest {

    static final AtomicBoolean PRIMARY_DOWN = new AtomicBoolean();
    /** Requests the primary upstream answered other than its health checks. */
    static final java.util.concurrent.atomic.AtomicInteger PRIMARY_TRAFFIC = new java.util.concurrent.atomic.AtomicInteger();
    static TestUpstream primary;
    static TestUpstream secondary;
    static TestUpstream failing;
    static ProxyProcess proxy;
    static Path accessLog;
    static final Map<String, Integer> PORTS = new HashMap<>();
    static final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();

    /** An aggregate cluster over these members (a clusters list item, unindented); CDS tests share it. */
    public static String aggregate(String name, String... members) {
        return """
                - name: %s
                  connect_timeout: 1s
                  lb_policy: CLUSTER_PROVIDED
                  cluster_type:
                    name: envoy.clusters.aggregate
                    typed_config:
                      "@type": type.googleapis.com/envoy.extensions.clusters.aggregate.v3.ClusterConfig
                      clusters: [%s]
                """.formatted(name, String.join(", ", members));
    }

    @BeforeAll
    static void start() throws Exception {
        primary = TestUpstream.start((ctx, req, n) -> {
            boolean check = req.uri().equals("/healthz");
            if (!check) {
                PRIMARY_TRAFFIC.incrementAndGet();
            }
            TestUpstream.send(ctx, req, check && PRIMARY_DOWN.get() ? 503 : 200, "primary");
        });
        secondary = TestUpstream.text("secondary");
        failing = TestUpstream.start((ctx, req, n) -> TestUpstream.send(ctx, req, 503, "failing"));
        String healthChecked = """
                  health_checks:
                  - timeout: 1s
                    interval: 0.1s
                    no_traffic_interval: 0.1s
                    unhealthy_threshold: 1
                    healthy_threshold: 1
                    http_health_check: { path: /healthz }
                """;
        String clusters = Bootstraps.cluster("primary", false, healthChecked, primary.port())
                + Bootstraps.cluster("standby", false, null, secondary.port())
                // EDS (here the static assignment) calls it unhealthy; it would answer "primary".
                + Bootstraps.cluster("eds_unhealthy", false, null, primary.port()) + "        health_status: UNHEALTHY\n"
                + Bootstraps.cluster("failing", false, null, failing.port())
                + aggregate("main", "primary", "standby")
                + aggregate("unhealthy_first", "eds_unhealthy", "standby")
                + aggregate("missing_first", "not_defined", "standby")
                + aggregate("empty", "not_defined")
                // Level 0 is eds_unhealthy's (no load), level 1 failing's, level 2 standby's.
                + aggregate("retrying", "eds_unhealthy", "failing", "standby");
        String routes = """
                - match: { prefix: "/main" }
                  route: { cluster: main }
                - match: { prefix: "/unhealthy" }
                  route: { cluster: unhealthy_first }
                - match: { prefix: "/missing" }
                  route: { cluster: missing_first }
                - match: { prefix: "/empty" }
                  route: { cluster: empty }
                - match: { prefix: "/weighted" }
                  route:
                    weighted_clusters:
                      clusters:
                      - { name: unhealthy_first, weight: 1 }
                - match: { prefix: "/retry" }
                  route:
                    cluster: retrying
                    retry_policy:
                      retry_on: 5xx
                      num_retries: 1
                      retry_priority:
                        name: envoy.retry_priorities.previous_priorities
                        typed_config:
                          "@type": type.googleapis.com/envoy.extensions.retry.priority.previous_priorities.v3.PreviousPrioritiesConfig
                          update_frequency: 1
                """;
        accessLog = TempPaths.file("aggregate", ".log");
        String hcm = """
                access_log:
                - name: envoy.access_loggers.file
                  typed_config:
                    "@type": type.googleapis.com/envoy.extensions.access_loggers.file.v3.FileAccessLog
                    path: %s
                    log_format: { text_format_source: { inline_string: "%%REQ(:PATH)%% %%RESPONSE_CODE%% %%RESPONSE_FLAGS%% %%UPSTREAM_CLUSTER%%\\n" } }
                """.formatted(accessLog);
        int admin = ProxyProcess.freePort();
        PORTS.put("http", ProxyProcess.freePort());
        PORTS.put("tcp", ProxyProcess.freePort());
        String yaml = Bootstraps.listeners(admin, Bootstraps.httpListener("http", "", hcm, routes)
                + Bootstraps.tcpListener("tcp", "unhealthy_first"), clusters, PORTS);
        proxy = ProxyProcess.start(yaml, admin, java.util.List.of());
        // The health-checked primary takes no traffic before its first check passes.
        awaitOnly("/main", "200 primary");
    }

    @AfterAll
    static void stop() throws Exception {
        if (proxy != null) {
            proxy.close();
        }
        for (TestUpstream u : new TestUpstream[] {primary, secondary, failing}) {
            if (u != null) {
                u.close();
            }
        }
    }

    static String get(String path) throws Exception {
        HttpResponse<String> r = client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + PORTS.get("http")
                + path)).timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
        return r.statusCode() + " " + r.body();
    }

    /** Who answered each of n requests to path. */
    static Map<String, Integer> spread(String path, int n) throws Exception {
        Map<String, Integer> by = new HashMap<>();
        for (int i = 0; i < n; i++) {
            by.merge(get(path), 1, Integer::sum);
        }
        return by;
    }

    /** Until a request to path is answered so (health checks take effect), by a deadline. */
    static void awaitOnly(String path, String answer) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        String last = null;
        while (System.nanoTime() < deadline) {
            last = get(path);
            if (last.equals(answer)) {
                return;
            }
            Thread.sleep(50);
        }
        throw new AssertionError(path + " never answered " + answer + ", last " + last);
    }

    static double stat(String cluster, String name) throws Exception {
        return proxy.metric("envoy_cluster_" + name + "{envoy_cluster_name=\"" + cluster + "\"}");
    }

    @Test
    void healthyFirstMemberTakesEverythingAndAFailedHealthCheckFailsOver() throws Exception {
        double primaryBefore = stat("primary", "upstream_rq_total");
        assertEquals(Map.of("200 primary", 20), spread("/main", 20));
        assertEquals(primaryBefore + 20, stat("primary", "upstream_rq_total"), "counted on the member");
        assertEquals(0, stat("main", "upstream_rq_total"), "the aggregate has no upstream requests of its own");
        PRIMARY_DOWN.set(true);
        try {
            awaitOnly("/main", "200 secondary");
            assertEquals(Map.of("200 secondary", 20), spread("/main", 20));
        } finally {
            PRIMARY_DOWN.set(false);
        }
        // Back to the first member once it passes its check again.
        awaitOnly("/main", "200 primary");
        assertEquals(Map.of("200 primary", 10), spread("/main", 10));
    }

    @Test
    void anUnhealthyMemberFailsOverAndTheMemberCountsTheRequests() throws Exception {
        double standbyBefore = stat("standby", "upstream_rq_total");
        int primaryBefore = PRIMARY_TRAFFIC.get();
        assertEquals(Map.of("200 secondary", 20), spread("/unhealthy", 20));
        assertEquals(standbyBefore + 20, stat("standby", "upstream_rq_total"));
        assertEquals(primaryBefore, PRIMARY_TRAFFIC.get(), "never the host EDS calls unhealthy");
        assertEquals(0, stat("eds_unhealthy", "upstream_rq_total"));
        assertEquals(0, stat("unhealthy_first", "upstream_rq_total"));
    }

    @Test
    void weightedClustersRouteThroughAnAggregate() throws Exception {
        assertEquals(Map.of("200 secondary", 10), spread("/weighted", 10));
    }

    @Test
    void undefinedMembersAreSkipped() throws Exception {
        assertEquals(Map.of("200 secondary", 10), spread("/missing", 10));
    }

    @Test
    void noMemberHostAnswersNoHealthyUpstream() throws Exception {
        assertEquals(Map.of("503 no healthy upstream", 5), spread("/empty", 5));
        assertEquals(5, stat("empty", "upstream_cx_none_healthy"));
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        String log = "";
        while (System.nanoTime() < deadline && !log.contains("/empty 503 UH empty")) {
            log = Files.readString(accessLog);
            Thread.sleep(50);
        }
        assertTrue(log.contains("/empty 503 UH empty"), log);
    }

    @Test
    void retryPriorityExcludesTheFailedMembersLevel() throws Exception {
        int failedBefore = failing.requests.get();
        // Every first try goes to failing (the only level with load); the retry leaves its level.
        assertEquals(Map.of("200 secondary", 10), spread("/retry", 10));
        assertEquals(failedBefore + 10, failing.requests.get());
    }

    @Test
    void tcpProxyConnectsThroughTheAggregatesMember() throws Exception {
        double before = stat("standby", "upstream_cx_total");
        try (Socket s = new Socket("127.0.0.1", PORTS.get("tcp"))) {
            s.setSoTimeout(10_000);
            OutputStream out = s.getOutputStream();
            out.write("GET /tcp HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = s.getInputStream();
            StringBuilder response = new StringBuilder();
            byte[] buf = new byte[4096];
            int n;
            while (response.indexOf("secondary") < 0 && (n = in.read(buf)) > 0) {
                response.append(new String(buf, 0, n, StandardCharsets.US_ASCII));
            }
            assertTrue(response.toString().startsWith("HTTP/1.1 200"), response.toString());
            assertTrue(response.toString().endsWith("secondary"), response.toString());
        }
        assertEquals(before + 1, stat("standby", "upstream_cx_total"));
        assertEquals(0, stat("unhealthy_first", "upstream_cx_total"));
    }

    @Test
    void lbPolicyOtherThanClusterProvidedIsRefused() throws Exception {
        String yaml = Bootstraps.http(ProxyProcess.freePort(), ProxyProcess.freePort(), "/dev/null", """
                - match: { prefix: "/" }
                  route: { cluster: agg }
                """, Bootstraps.cluster("member", false, null, 1)
                + aggregate("agg", "member").replace("CLUSTER_PROVIDED", "ROUND_ROBIN"));
        InvalidBootstrapE2ETest.Result r = InvalidBootstrapE2ETest.run(yaml);
        assertNotEquals(0, r.exit());
        assertTrue(r.output().contains("clusters[1].lb_policy"), r.output());
        assertTrue(r.output().contains("cluster provided LB not specified"), r.output());
    }
}
