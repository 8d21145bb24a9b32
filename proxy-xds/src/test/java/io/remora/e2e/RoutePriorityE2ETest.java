package io.remora.e2e;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A route's {@code priority: HIGH} against a real upstream, as Envoy: its requests draw from the
 * cluster's HIGH circuit breakers (here max_requests 5 where DEFAULT allows 1), the
 * {@code circuit_breakers.high.*} gauges follow them, and they go out over connection pools of
 * their own, never over a DEFAULT pool's connections.
 */
class RoutePriorityE2ETest {

    @RegisterExtension
    static final E2EStack stack = new E2EStack();
    static ProxyProcess proxy;
    /** Holds every request until a test releases it. */
    static TestUpstream slow;
    /** Answers at once; counts the connections the proxy opens to it. */
    static TestUpstream quick;
    /** Answers at once; its cluster caps HIGH connections per host at 1. */
    static TestUpstream capped;
    static final ConcurrentLinkedQueue<Runnable> HELD = new ConcurrentLinkedQueue<>();
    /** The capped upstream's held requests. */
    static final ConcurrentLinkedQueue<Runnable> CAPPED_HELD = new ConcurrentLinkedQueue<>();
    static final HttpClient CLIENT = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();

    @BeforeAll
    static void start() throws Exception {
        slow = stack.upstream((ctx, req, n) -> HELD.add(() -> ctx.executor().execute(
                () -> TestUpstream.send(ctx, req, 200, "released"))));
        quick = stack.upstream((ctx, req, n) -> TestUpstream.send(ctx, req, 200, "quick"));
        capped = stack.upstream((ctx, req, n) -> {
            if (req.uri().contains("/held")) {
                CAPPED_HELD.add(() -> ctx.executor().execute(() -> TestUpstream.send(ctx, req, 200, "released")));
            } else {
                TestUpstream.send(ctx, req, 200, "capped");
            }
        });
        String routes = """
                - match: { prefix: /high/limits }
                  route: { cluster: limits, timeout: 60s, priority: HIGH }
                - match: { prefix: /limits }
                  route: { cluster: limits, timeout: 60s }
                - match: { prefix: /high/pools }
                  route: { cluster: pools, priority: HIGH }
                - match: { prefix: /pools }
                  route: { cluster: pools }
                - match: { prefix: /high/capped }
                  route: { cluster: capped, timeout: 60s, priority: HIGH }
                - match: { prefix: /capped }
                  route: { cluster: capped, timeout: 60s }
                """;
        String clusters = Bootstraps.cluster("limits", false, """
                          circuit_breakers:
                            thresholds:
                            - { priority: DEFAULT, max_requests: 1 }
                            - { priority: HIGH, max_requests: 5, track_remaining: true }
                        """, slow.port())
                + Bootstraps.cluster("pools", false, null, quick.port())
                + Bootstraps.cluster("capped", false, """
                          circuit_breakers:
                            per_host_thresholds:
                            - { priority: HIGH, max_connections: 1 }
                        """, capped.port());
        // One worker: a worker whose pool holds no connection to a host may always open one (as
        // Envoy's pools), so with two the capped test's second request could go out uncapped.
        proxy = stack.start(stack.render(Bootstraps.ingress("", "", routes),
                Map.of("CLUSTERS", Bootstraps.indent(clusters, 2))), List.of("-Xmx256m"), "--concurrency", "1");
    }

    private static CompletableFuture<HttpResponse<String>> send(String path) {
        return CLIENT.sendAsync(HttpRequest.newBuilder(URI.create(stack.url(path))).timeout(Duration.ofSeconds(60))
                .build(), HttpResponse.BodyHandlers.ofString());
    }

    private static void releaseAll(ConcurrentLinkedQueue<Runnable> held) {
        Runnable r;
        while ((r = held.poll()) != null) {
            r.run();
        }
    }

    @Test
    void highRouteDrawsFromTheHighThresholds() throws Exception {
        String high = "cluster.limits.circuit_breakers.high.";
        String dflt = "cluster.limits.circuit_breakers.default.";
        assertEquals(5.0, proxy.stat(high + "remaining_rq"));
        List<CompletableFuture<HttpResponse<String>>> held = new ArrayList<>();
        held.add(send("/limits/0"));
        HostHealthFailureE2ETest.await("the default request at the upstream", () -> HELD.size() == 1);
        HttpResponse<String> overflow = send("/limits/1").get();
        assertEquals(503, overflow.statusCode(), "DEFAULT's max_requests is 1");
        assertTrue(overflow.body().contains("overflow"), overflow.body());
        for (int i = 0; i < 5; i++) {
            held.add(send("/high/limits/" + i));
        }
        HostHealthFailureE2ETest.await("five high requests at the upstream", () -> HELD.size() == 6);
        assertEquals(1.0, proxy.stat(dflt + "rq_open"));
        assertEquals(1.0, proxy.stat(high + "rq_open"));
        assertEquals(0.0, proxy.stat(high + "remaining_rq"));
        assertEquals(1.0, proxy.metric("envoy_cluster_circuit_breakers_high_rq_open{envoy_cluster_name=\"limits\"}"));
        HttpResponse<String> highOverflow = send("/high/limits/5").get();
        assertEquals(503, highOverflow.statusCode(), "HIGH's max_requests is 5");
        assertTrue(highOverflow.body().contains("overflow"), highOverflow.body());
        // Envoy 1.38's counter for the max_requests breaker; the pending one is for max_pending_requests.
        assertEquals(2.0, proxy.stat("cluster.limits.upstream_rq_active_overflow"), "one counter for the cluster");
        assertEquals(0.0, proxy.stat("cluster.limits.upstream_rq_pending_overflow"));
        releaseAll(HELD);
        for (CompletableFuture<HttpResponse<String>> f : held) {
            assertEquals("released", f.get().body());
        }
        HostHealthFailureE2ETest.await("high requests given back", () -> proxy.stat(high + "remaining_rq") == 5.0);
        assertEquals(0.0, proxy.stat(high + "rq_open"));
        assertEquals(0.0, proxy.stat(dflt + "rq_open"));
        assertTrue(!proxy.admin("/stats").contains(dflt + "remaining_rq"), "DEFAULT does not track remaining");
    }

    @Test
    void highRequestsNeverShareADefaultConnection() throws Exception {
        assertEquals("quick", send("/pools/a").get().body());
        assertEquals(1, quick.connections.get());
        // The DEFAULT pool's connection is idle now; a HIGH request opens its own all the same.
        assertEquals("quick", send("/high/pools/a").get().body());
        assertEquals(2, quick.connections.get(), "the HIGH request went out over a new connection");
        assertEquals("quick", send("/pools/b").get().body());
        assertEquals("quick", send("/high/pools/b").get().body());
        assertEquals(2, quick.connections.get(), "each priority reuses its own idle connection");
        assertEquals(4, quick.requests.get());
    }

    @Test
    void highPerHostThresholdsCapHighConnections() throws Exception {
        CompletableFuture<HttpResponse<String>> first = send("/high/capped/held/0");
        HostHealthFailureE2ETest.await("the first high request at the upstream", () -> CAPPED_HELD.size() == 1);
        CompletableFuture<HttpResponse<String>> second = send("/high/capped/held/1");
        // The host's one HIGH connection is busy and the cap allows no second: the request waits.
        HostHealthFailureE2ETest.await("the second high request pending",
                () -> proxy.stat("cluster.capped.upstream_cx_overflow") >= 1.0);
        assertEquals(1, CAPPED_HELD.size());
        assertEquals(1, capped.connections.get());
        // DEFAULT has no per-host cap here.
        assertEquals("capped", send("/capped/plain").get().body());
        assertEquals(2, capped.connections.get());
        releaseAll(CAPPED_HELD);
        assertEquals("released", first.get().body());
        HostHealthFailureE2ETest.await("the second high request served", () -> CAPPED_HELD.size() == 1);
        releaseAll(CAPPED_HELD);
        assertEquals("released", second.get().body());
        assertEquals(2, capped.connections.get(), "the second high request took the first one's connection");
    }
}
