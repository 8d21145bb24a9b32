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
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What bounds a host's share, against real upstreams: the per-host {@code max_connections}
 * circuit breaker keeps a host at one connection per worker while requests queue for it
 * ({@code upstream_cx_overflow}); {@code hash_balance_factor} keeps a hot key on its ring host
 * until that host passes its bound, then spills it; an ORIGINAL_DST cluster's
 * {@code cleanup_interval} drops its idle hosts at its own pace.
 */
class HostBoundsE2ETest {

    @RegisterExtension
    static final E2EStack stack = new E2EStack();
    static ProxyProcess proxy;
    /** Holds every request until a test releases it. */
    static TestUpstream capped;
    static final ConcurrentLinkedQueue<Runnable> CAPPED_HELD = new ConcurrentLinkedQueue<>();
    /** The ring's hosts: /bounded/hold waits in its host's queue, anything else is answered at once. */
    static final List<TestUpstream> RING = new ArrayList<>();
    static final List<ConcurrentLinkedQueue<Runnable>> RING_HELD = new ArrayList<>();
    static TestUpstream web;
    static final HttpClient CLIENT = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();

    @BeforeAll
    static void start() throws Exception {
        capped = stack.upstream((ctx, req, n) ->
                CAPPED_HELD.add(() -> ctx.executor().execute(() -> TestUpstream.send(ctx, req, 200, "capped"))));
        for (int i = 0; i < 3; i++) {
            String name = "ring" + i;
            ConcurrentLinkedQueue<Runnable> held = new ConcurrentLinkedQueue<>();
            RING_HELD.add(held);
            RING.add(stack.upstream((ctx, req, n) -> {
                if (req.uri().startsWith("/bounded/hold")) {
                    held.add(() -> ctx.executor().execute(() -> TestUpstream.send(ctx, req, 200, name)));
                } else {
                    TestUpstream.send(ctx, req, 200, name);
                }
            }));
        }
        web = stack.upstream((ctx, req, n) -> TestUpstream.send(ctx, req, 200, "web"));
        String routes = """
                - match: { prefix: /capped }
                  route: { cluster: capped, timeout: 60s }
                - match: { prefix: /bounded }
                  route:
                    cluster: bounded
                    timeout: 60s
                    hash_policy: [{ header: { header_name: x-user } }]
                - match: { prefix: /quick }
                  route: { cluster: quick }
                - match: { prefix: /lazy }
                  route: { cluster: lazy }
                """;
        String originalDst = """
                - name: %s
                  type: ORIGINAL_DST
                  lb_policy: CLUSTER_PROVIDED
                  connect_timeout: 1s
                  original_dst_lb_config: { use_http_header: true }
                  common_http_protocol_options: { idle_timeout: 0.2s }
                %s""";
        String clusters = Bootstraps.cluster("capped", false, """
                  circuit_breakers: { per_host_thresholds: [ { max_connections: 1 } ] }
                """, capped.port())
                + Bootstraps.cluster("bounded", false, """
                  lb_policy: RING_HASH
                  common_lb_config: { consistent_hashing_lb_config: { hash_balance_factor: 150 } }
                """, RING.get(0).port(), RING.get(1).port(), RING.get(2).port())
                + originalDst.formatted("quick", "  cleanup_interval: 0.2s\n")
                + originalDst.formatted("lazy", "");
        proxy = stack.start(stack.render(Bootstraps.ingress("", "", routes),
                Map.of("CLUSTERS", Bootstraps.indent(clusters, 2))));
    }

    private static CompletableFuture<HttpResponse<String>> send(String path, String user) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(stack.url(path))).timeout(Duration.ofSeconds(30));
        if (user != null) {
            b.header("x-user", user);
        }
        return CLIENT.sendAsync(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static void await(java.util.function.BooleanSupplier done, String what) throws InterruptedException {
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (!done.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for " + what);
            }
            Thread.sleep(20);
        }
    }

    @Test
    void aHostAtItsPerHostConnectionLimitQueuesRequestsInsteadOfOpeningMore() throws Exception {
        List<CompletableFuture<HttpResponse<String>>> responses = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            responses.add(send("/capped", null));
        }
        await(() -> !CAPPED_HELD.isEmpty(), "a request at the capped upstream");
        Thread.sleep(500); // room for more connections, were any allowed
        // One connection per worker at most: a worker's pool with none still opens one, as Envoy's.
        assertTrue(capped.connections.get() <= 2, capped.connections.get() + " connections to a host capped at 1");
        assertTrue(CAPPED_HELD.size() <= 2, CAPPED_HELD.size() + " requests at the upstream at once");
        while (!responses.stream().allMatch(CompletableFuture::isDone)) {
            Runnable r = CAPPED_HELD.poll();
            if (r != null) {
                r.run();
            } else {
                Thread.sleep(10);
            }
        }
        for (CompletableFuture<HttpResponse<String>> r : responses) {
            assertEquals(200, r.get().statusCode(), "queued requests are served on the host's connections");
        }
        assertTrue(capped.connections.get() <= 2, capped.connections.get() + " connections in all");
        assertTrue(PrometheusSamples.sample(proxy, "envoy_cluster_upstream_cx_overflow",
                Map.of("envoy_cluster_name", "capped")) >= 1);
    }

    private static int holding(int host) {
        return RING_HELD.get(host).size();
    }

    private static int totalHeld() {
        return holding(0) + holding(1) + holding(2);
    }

    @Test
    void aHotKeyStaysOnItsHostUntilThatHostPassesTheBoundThenSpills() throws Exception {
        String home = send("/bounded/now", "hot").get().body();
        for (int i = 0; i < 10; i++) {
            assertEquals(home, send("/bounded/now", "hot").get().body(), "the key sticks to its host");
        }
        int h = Integer.parseInt(home.substring("ring".length()));
        List<CompletableFuture<HttpResponse<String>>> held = new ArrayList<>();
        // 3 hosts, factor 150: with k requests active in the cluster a host holds
        // ceil(ceil((k + 1) × 1.5) / 3): 2, 1, 2, 2 slots for k = 0..3. The home host takes the
        // first three (0, 1 and 2 active are within) and is past its bound for the fourth.
        for (int k = 1; k <= 3; k++) {
            held.add(send("/bounded/hold", "hot"));
            int expected = k;
            await(() -> totalHeld() == expected, k + " held requests");
            assertEquals(k, holding(h), "request " + k + " stays on the key's host while within its bound");
        }
        held.add(send("/bounded/hold", "hot"));
        await(() -> totalHeld() == 4, "4 held requests");
        assertEquals(3, holding(h), "past its bound the key's host takes no more");
        for (ConcurrentLinkedQueue<Runnable> q : RING_HELD) {
            Runnable r;
            while ((r = q.poll()) != null) {
                r.run();
            }
        }
        List<String> bodies = new ArrayList<>();
        for (CompletableFuture<HttpResponse<String>> r : held) {
            assertEquals(200, r.get().statusCode());
            bodies.add(r.get().body());
        }
        assertNotEquals(home, bodies.get(3), "the fourth request spilled to another host");
        // Load gone: the key is home again.
        assertEquals(home, send("/bounded/now", "hot").get().body());
    }

    private static double members(String cluster) throws Exception {
        return PrometheusSamples.sample(proxy, "envoy_cluster_membership_total", Map.of("envoy_cluster_name", cluster));
    }

    @Test
    void anOriginalDstClusterDropsIdleHostsAtItsOwnCleanupInterval() throws Exception {
        for (String c : List.of("/quick", "/lazy")) {
            HttpResponse<String> r = CLIENT.send(HttpRequest.newBuilder(URI.create(stack.url(c)))
                    .header("x-envoy-original-dst-host", "127.0.0.1:" + web.port()).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(200, r.statusCode());
            assertEquals("web", r.body());
        }
        assertEquals(1, members("lazy"));
        long deadline = System.nanoTime() + 3_000_000_000L;
        while (members("quick") != 0) {
            assertTrue(System.nanoTime() < deadline, "quick (cleanup_interval 0.2s) still holds its idle host");
            Thread.sleep(50);
        }
        // Envoy's default, 5 s: the other cluster has not swept yet.
        assertEquals(1, members("lazy"));
    }

    /** Envoy's OriginalDstCluster requestOverrideHost: a header value that is no IP:port counts original_dst_host_invalid. */
    @Test
    void anInvalidOriginalDstHeaderIsCountedAndGetsNoHost() throws Exception {
        HttpResponse<String> r = CLIENT.send(HttpRequest.newBuilder(URI.create(stack.url("/lazy")))
                .header("x-envoy-original-dst-host", "not-an-address").build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(503, r.statusCode());
        assertEquals(1.0, proxy.stat("cluster.lazy.original_dst_host_invalid"));
        assertEquals(0.0, proxy.stat("cluster.quick.original_dst_host_invalid"));
    }
}
