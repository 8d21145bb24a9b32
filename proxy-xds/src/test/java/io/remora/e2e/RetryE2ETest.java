package io.remora.e2e;

import io.remora.testing.TempPaths;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Envoy's retry semantics, observed from the client, the metrics and the access log. */
class RetryE2ETest {

    private static final ScheduledExecutorService LATER = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "late-responder");
        t.setDaemon(true);
        return t;
    });

    private static HttpResponse<String> get(int port, String path) throws Exception {
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .timeout(java.time.Duration.ofSeconds(20)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private static String route(String cluster, String retryPolicy) {
        return """
                - match: { prefix: "/" }
                  route:
                    cluster: %s
                    retry_policy:
                %s""".formatted(cluster, Bootstraps.indent(retryPolicy, 6));
    }

    /** The virtual host sends x-envoy-is-timeout-retry on retries. */
    private static String withTimeoutRetryHeader(String yaml) {
        return yaml.replaceFirst("( +)domains: \\[\"\\*\"\\]\n", "$1domains: [\"*\"]\n$1include_is_timeout_retry_header: true\n");
    }

    @Test
    void a503ThenA200IsRetriedOnce() throws Exception {
        java.util.Queue<String> timeoutRetry = new java.util.concurrent.ConcurrentLinkedQueue<>();
        try (TestUpstream up = TestUpstream.start((ctx, req, n) -> {
            timeoutRetry.add(String.valueOf(req.headers().get("x-envoy-is-timeout-retry")));
            TestUpstream.send(ctx, req, n == 1 ? 503 : 200, n == 1 ? "busy" : "ok");
        })) {
            int admin = ProxyProcess.freePort();
            int port = ProxyProcess.freePort();
            Path log = TempPaths.file("access", ".log");
            String yaml = withTimeoutRetryHeader(Bootstraps.http(admin, port, log.toString(),
                    route("flaky", "retry_on: 5xx\nnum_retries: 2"), Bootstraps.cluster("flaky", false, null, up.port())));
            try (ProxyProcess proxy = ProxyProcess.start(yaml, admin)) {
                HttpResponse<String> r = get(port, "/once");
                assertEquals(200, r.statusCode());
                assertEquals("ok", r.body());
                assertEquals(2, up.requests.get());
                assertEquals(java.util.List.of("null", "false"), java.util.List.copyOf(timeoutRetry),
                        "x-envoy-is-timeout-retry on the retry only, false for a 503");
                assertEquals(1.0, proxy.metric("envoy_cluster_upstream_rq_retry{envoy_cluster_name=\"flaky\"}"));
            }
        }
    }

    @Test
    void connectFailureOnOneEndpointSucceedsOnTheOther() throws Exception {
        int dead = ProxyProcess.freePort(); // nothing listens here
        try (TestUpstream live = TestUpstream.text("alive")) {
            int admin = ProxyProcess.freePort();
            int port = ProxyProcess.freePort();
            String yaml = Bootstraps.http(admin, port, TempPaths.file("access", ".log").toString(),
                    route("pair", "retry_on: connect-failure\nnum_retries: 3"),
                    Bootstraps.cluster("pair", false, null, dead, live.port()));
            try (ProxyProcess proxy = ProxyProcess.start(yaml, admin)) {
                // Round robin sends some first attempts to the dead endpoint; all must succeed.
                for (int i = 0; i < 10; i++) {
                    HttpResponse<String> r = get(port, "/cf" + i);
                    assertEquals(200, r.statusCode());
                    assertEquals("alive", r.body());
                }
                assertTrue(proxy.metric("envoy_cluster_upstream_rq_retry{envoy_cluster_name=\"pair\"}") >= 1);
            }
        }
    }

    @Test
    void perTryTimeoutFiresAndTheRetrySucceeds() throws Exception {
        // The first request is answered after 3 s, far past the 200 ms per-try timeout.
        java.util.Queue<String> timeoutRetry = new java.util.concurrent.ConcurrentLinkedQueue<>();
        try (TestUpstream up = TestUpstream.start((ctx, req, n) -> {
            timeoutRetry.add(String.valueOf(req.headers().get("x-envoy-is-timeout-retry")));
            if (n == 1) {
                req.retain();
                LATER.schedule(() -> {
                    TestUpstream.send(ctx, req, 200, "late");
                    req.release();
                }, 3, TimeUnit.SECONDS);
            } else {
                TestUpstream.send(ctx, req, 200, "fast");
            }
        })) {
            int admin = ProxyProcess.freePort();
            int port = ProxyProcess.freePort();
            String yaml = withTimeoutRetryHeader(Bootstraps.http(admin, port, TempPaths.file("access", ".log").toString(),
                    route("slow", "retry_on: 5xx\nnum_retries: 1\nper_try_timeout: 0.2s"),
                    Bootstraps.cluster("slow", false, null, up.port())));
            try (ProxyProcess proxy = ProxyProcess.start(yaml, admin)) {
                HttpResponse<String> r = get(port, "/pt");
                assertEquals(200, r.statusCode());
                assertEquals("fast", r.body());
                assertEquals(java.util.List.of("null", "true"), java.util.List.copyOf(timeoutRetry));
                assertEquals(1.0, proxy.metric("envoy_cluster_upstream_rq_per_try_timeout{envoy_cluster_name=\"slow\"}"));
            }
        }
    }

    @Test
    void exhaustedRetriesAnswer503WithUrx() throws Exception {
        try (TestUpstream up = TestUpstream.start((ctx, req, n) -> TestUpstream.send(ctx, req, 503, "down"))) {
            int admin = ProxyProcess.freePort();
            int port = ProxyProcess.freePort();
            Path log = TempPaths.file("access", ".log");
            String yaml = Bootstraps.http(admin, port, log.toString(),
                    route("down", "retry_on: 5xx\nnum_retries: 2"), Bootstraps.cluster("down", false, null, up.port()));
            try (ProxyProcess proxy = ProxyProcess.start(yaml, admin)) {
                HttpResponse<String> r = get(port, "/exhaust");
                assertEquals(503, r.statusCode());
                assertEquals(3, up.requests.get(), "one try and two retries");
                String line = HttpProxyE2ETest.awaitLogLine(log, "/exhaust");
                assertTrue(line.contains("\" 503 URX "), line);
                // As Envoy's RetryStateImpl: the cluster counts the retry turned away for want of one left.
                assertEquals(1.0, proxy.metric(
                        "envoy_cluster_upstream_rq_retry_limit_exceeded{envoy_cluster_name=\"down\"}"));
                // The retried responses, by code under retry. (Envoy's chargeBasicResponseStat); the
                // last 503, passed on, is not one of them.
                assertEquals(2.0, proxy.stat("cluster.down.retry.upstream_rq_503"));
                assertEquals(2.0, proxy.stat("cluster.down.retry.upstream_rq_5xx"));
                assertEquals(2.0, proxy.stat("cluster.down.retry.upstream_rq_completed"));
                assertEquals(2.0, proxy.metric("envoy_cluster_retry_upstream_rq{envoy_cluster_name=\"down\","
                        + "envoy_response_code=\"503\"}"));
            }
        }
    }

    @Test
    void routeRequestHeadersComeAfterTheRouterOnesAndRetriesSetThemAgain() throws Exception {
        // Envoy's decodeHeaders: finalTimeout and the attempt count go in before the route's
        // finalizeRequestHeaders, which may overwrite them; x-envoy-upstream-rq-timeout-ms is read
        // before too, so one a route adds goes upstream untouched. doRetry then sets the router's
        // again.
        java.util.Queue<java.util.List<String>> seen = new java.util.concurrent.ConcurrentLinkedQueue<>();
        try (TestUpstream up = TestUpstream.start((ctx, req, n) -> {
            seen.add(java.util.List.of(String.valueOf(req.headers().getAll("x-envoy-expected-rq-timeout-ms")),
                    String.valueOf(req.headers().getAll("x-envoy-attempt-count")),
                    String.valueOf(req.headers().getAll("x-envoy-upstream-rq-timeout-ms"))));
            TestUpstream.send(ctx, req, n == 1 ? 503 : 200, n == 1 ? "busy" : "ok");
        })) {
            int admin = ProxyProcess.freePort();
            int port = ProxyProcess.freePort();
            String routes = """
                    - match: { prefix: "/" }
                      request_headers_to_add:
                      - header: { key: x-envoy-expected-rq-timeout-ms, value: "999" }
                        append_action: OVERWRITE_IF_EXISTS_OR_ADD
                      - header: { key: x-envoy-attempt-count, value: "7" }
                        append_action: OVERWRITE_IF_EXISTS_OR_ADD
                      - header: { key: x-envoy-upstream-rq-timeout-ms, value: "1" }
                      route:
                        cluster: order
                        timeout: 5s
                        retry_policy: { retry_on: 5xx, num_retries: 1 }""";
            String yaml = Bootstraps.http(admin, port, TempPaths.file("access", ".log").toString(), routes,
                    Bootstraps.cluster("order", false, null, up.port()))
                    .replaceFirst("( +)domains: \\[\"\\*\"\\]\n", "$1domains: [\"*\"]\n$1include_request_attempt_count: true\n");
            try (ProxyProcess proxy = ProxyProcess.start(yaml, admin)) {
                HttpResponse<String> r = get(port, "/order");
                assertEquals(200, r.statusCode(), "the route's x-envoy-upstream-rq-timeout-ms is not a timeout");
                assertEquals("ok", r.body());
                java.util.List<java.util.List<String>> tries = java.util.List.copyOf(seen);
                assertEquals(2, tries.size());
                assertEquals(java.util.List.of("[999]", "[7]", "[1]"), tries.get(0), "the route's values win on the first try");
                assertEquals("[2]", tries.get(1).get(1), "the retry's attempt count is the router's");
                long expected = Long.parseLong(tries.get(1).get(0).replaceAll("[\\[\\]]", ""));
                assertTrue(expected > 4000 && expected <= 5000, "the retry's expected timeout is the router's: " + expected);
            }
        }
    }
}
