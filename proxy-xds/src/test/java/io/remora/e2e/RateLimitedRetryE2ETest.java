package io.remora.e2e;

import io.remora.testing.TempPaths;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * RetryPolicy.rate_limited_retry_back_off: a retriable answer's Retry-After / X-RateLimit-Reset
 * sets the wait before the retry (Envoy's RetryStateImpl), observed through the number of tries,
 * the cluster's back-off stats and the least time the client waited.
 */
class RateLimitedRetryE2ETest {

    private static final String POLICY = """
            retry_on: 5xx,retriable-status-codes
            retriable_status_codes: [429]
            num_retries: 2
            retry_back_off: { base_interval: 0.005s, max_interval: 0.01s }
            rate_limited_retry_back_off:
              reset_headers:
              - name: Retry-After
              - name: X-RateLimit-Reset
                format: UNIX_TIMESTAMP
              max_interval: 5s
            """;

    /**
     * Per path, how the first try is answered (status, then headers; {@code now+N} is the unix
     * time N seconds after the answer); every later try gets a 200.
     */
    private static final Map<String, String> FIRST = Map.of(
            "/seconds", "503 retry-after=1",
            "/timestamp", "429 x-ratelimit-reset=now+3",
            "/toolong", "429 retry-after=600",
            "/date", "429 retry-after=Wed, 21 Oct 2015 07:28:00 GMT",
            "/fallthrough", "429 retry-after=600 x-ratelimit-reset=now+3",
            "/timestamp-past", "429 x-ratelimit-reset=now+-60");

    private static String route(String path) {
        return """
                - match: { path: "%s" }
                  route:
                    cluster: c%s
                    retry_policy:
                %s""".formatted(path, path.substring(1).replace('-', '_'), Bootstraps.indent(POLICY, 6));
    }

    @Test
    void resetHeadersSetTheBackOffAndOtherwiseTheExponentialOneIsUsed() throws Exception {
        Map<String, String> first = FIRST;
        Map<String, AtomicInteger> tries = new ConcurrentHashMap<>();
        try (TestUpstream up = TestUpstream.start((ctx, req, n) -> {
            int t = tries.computeIfAbsent(req.uri(), k -> new AtomicInteger()).incrementAndGet();
            String answer = first.get(req.uri());
            if (t > 1 || answer == null) {
                TestUpstream.send(ctx, req, 200, "ok");
                return;
            }
            String[] parts = answer.split(" ", 2);
            Map<String, String> headers = new java.util.HashMap<>();
            for (String h : parts[1].split(" (?=[a-z-]+=)")) {
                String v = h.substring(h.indexOf('=') + 1);
                if (v.startsWith("now+")) {
                    v = String.valueOf(System.currentTimeMillis() / 1000 + Long.parseLong(v.substring(4)));
                }
                headers.put(h.substring(0, h.indexOf('=')), v);
            }
            TestUpstream.send(ctx, req, Integer.parseInt(parts[0]), "later", headers);
        })) {
            int admin = ProxyProcess.freePort();
            int port = ProxyProcess.freePort();
            StringBuilder routes = new StringBuilder();
            StringBuilder clusters = new StringBuilder();
            for (String path : first.keySet()) {
                routes.append(route(path)).append('\n');
                clusters.append(Bootstraps.cluster("c" + path.substring(1).replace('-', '_'), false, null,
                        up.port()));
            }
            String yaml = Bootstraps.http(admin, port, TempPaths.file("access", ".log").toString(),
                    routes.toString(), clusters.toString());
            try (ProxyProcess proxy = ProxyProcess.start(yaml, admin)) {
                // Each path has a cluster, so stats, of its own: the six requests wait side by side.
                java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(first.size());
                try {
                    List<java.util.concurrent.Future<?>> runs = List.of(
                            // Retry-After: 1 (seconds) on a 503: at least a second's wait, counted as rate limited.
                            pool.submit(() -> assertRetried(proxy, port, "/seconds", true)),
                            // X-RateLimit-Reset: a unix time 3 s ahead, so at least a second is left when it is read.
                            pool.submit(() -> assertRetried(proxy, port, "/timestamp", true)),
                            // Past max_interval (5 s): discarded, and the exponential back-off retries as usual.
                            pool.submit(() -> assertRetried(proxy, port, "/toolong", false)),
                            // An HTTP date is not whole seconds: Envoy's SECONDS format does not parse it.
                            pool.submit(() -> assertRetried(proxy, port, "/date", false)),
                            // A reset time already past parses to nothing.
                            pool.submit(() -> assertRetried(proxy, port, "/timestamp-past", false)),
                            // The first header is discarded (too long), the next one is used.
                            pool.submit(() -> assertRetried(proxy, port, "/fallthrough", true)));
                    for (java.util.concurrent.Future<?> run : runs) {
                        try {
                            run.get();
                        } catch (java.util.concurrent.ExecutionException e) {
                            throw e.getCause() instanceof Error err ? err : new AssertionError(e.getCause());
                        }
                    }
                } finally {
                    pool.shutdownNow();
                }
                for (String path : first.keySet()) {
                    assertEquals(2, tries.get(path).get(), path + ": one try and one retry");
                }
            }
        }
    }

    /**
     * One request to {@code path}: answered 200 after one retry, which waited at least a second and
     * counted as rate limited, or waited the exponential back-off and counted as such.
     */
    private static Void assertRetried(ProxyProcess proxy, int port, String path, boolean rateLimited)
            throws Exception {
        long start = System.nanoTime();
        HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + port + path)).timeout(java.time.Duration.ofSeconds(20)).build(),
                HttpResponse.BodyHandlers.ofString());
        long waited = (System.nanoTime() - start) / 1_000_000;
        assertEquals(200, r.statusCode(), path);
        assertEquals("ok", r.body(), path);
        if (rateLimited) {
            assertTrue(waited >= 1000, path + ": the retry came after " + waited + " ms, before the reset interval");
        }
        assertBackOffs(proxy, path.substring(1).replace('-', '_'), rateLimited ? 1 : 0, rateLimited ? 0 : 1);
        return null;
    }

    private static void assertBackOffs(ProxyProcess proxy, String cluster, int rateLimited, int exponential)
            throws Exception {
        assertEquals(1.0, proxy.stat("cluster.c" + cluster + ".upstream_rq_retry"), cluster);
        assertEquals(rateLimited, proxy.stat("cluster.c" + cluster + ".upstream_rq_retry_backoff_ratelimited"),
                cluster + ": upstream_rq_retry_backoff_ratelimited");
        assertEquals(exponential, proxy.stat("cluster.c" + cluster + ".upstream_rq_retry_backoff_exponential"),
                cluster + ": upstream_rq_retry_backoff_exponential");
    }
}
