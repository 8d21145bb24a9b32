package io.remora.e2e;

import io.remora.testing.TempPaths;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * envoy.filters.http.adaptive_concurrency through a real proxy: while answers are fast the
 * concurrency limit grows from min_concurrency; once the upstream slows down the gradient halves
 * it, and parallel requests past it get the local 503 "reached concurrency limit" (details
 * reached_concurrency_limit) that never reaches the upstream and is counted in rq_blocked. With the
 * enabled runtime flag off the filter passes everything through.
 */
class AdaptiveConcurrencyE2ETest {

    @RegisterExtension
    static final E2EStack stack = new E2EStack();
    static TestUpstream upstream;
    static ProxyProcess proxy;
    static Path accessLog;
    static final String PROM = "{envoy_http_conn_manager_prefix=\"ingress\"}";
    static final int PARALLEL = 8;

    static final String BOOTSTRAP = Bootstraps.ingress(Bootstraps.DETAILS_ACCESS_LOG, """
            - name: envoy.filters.http.adaptive_concurrency
              typed_config:
                "@type": type.googleapis.com/envoy.extensions.filters.http.adaptive_concurrency.v3.AdaptiveConcurrency
                enabled: { default_value: true, runtime_key: ac.enabled }
                gradient_controller_config:
                  sample_aggregate_percentile: { value: 50 }
                  concurrency_limit_params: { concurrency_update_interval: 0.1s }
                  min_rtt_calc_params:
                    interval: 600s
                    request_count: 5
                    jitter: { value: 0 }
                    min_concurrency: 2
                    buffer: { value: 100 }
            """,
            "- { match: { prefix: \"/\" }, route: { cluster: web } }") + """
            layered_runtime:
              layers: [{ name: admin, admin_layer: {} }]
            """;

    @BeforeAll
    static void start() throws Exception {
        // /slow answers after 400 ms, far beyond the fast answers the minRTT is measured on.
        upstream = stack.upstream((ctx, req, n) -> {
            if (req.uri().startsWith("/slow")) {
                ctx.executor().schedule(() -> TestUpstream.send(ctx, req, 200, "slow"), 400, TimeUnit.MILLISECONDS);
            } else {
                TestUpstream.send(ctx, req, 200, "fast");
            }
        });
        accessLog = TempPaths.file("adaptive-access", ".log");
        proxy = stack.start(stack.render(BOOTSTRAP, Map.of("LOG", accessLog,
                        "CLUSTERS", Bootstraps.indent(Bootstraps.cluster("web", false, null, upstream.port()), 2))),
                List.of("-Xmx256m"), "--file-flush-interval-msec", "100");
    }

    static double stat(String name) throws Exception {
        return proxy.metric("envoy_http_adaptive_concurrency_gradient_controller_" + name + PROM);
    }

    /** {@link #PARALLEL} curl requests at once; their responses. */
    static List<Curl> parallel(String path) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(PARALLEL);
        try {
            List<Future<Curl>> futures = new ArrayList<>();
            for (int i = 0; i < PARALLEL; i++) {
                String p = path + "/" + i;
                futures.add(pool.submit(() -> Curl.get(stack.port, p)));
            }
            List<Curl> out = new ArrayList<>();
            for (Future<Curl> f : futures) {
                out.add(f.get(90, TimeUnit.SECONDS));
            }
            return out;
        } finally {
            pool.shutdownNow();
        }
    }

    private static int runtimeModify(String query) throws Exception {
        return Curl.run("-X", "POST", proxy.adminUri("/runtime_modify?" + query).toString()).status();
    }

    @Test
    void slowUpstreamPushesTheLimitDownAndExcessRequestsAreBlocked() throws Exception {
        // Fast answers: the minRTT window (limit min_concurrency) closes after 5 samples, then the
        // limit grows window after window while latency stays near the minRTT.
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        int fast = 0;
        while (stat("concurrency_limit") < 3 * PARALLEL && System.nanoTime() < deadline) {
            assertEquals(200, Curl.get(stack.port, "/fast/" + fast++).status());
        }
        double peak = stat("concurrency_limit");
        assertTrue(peak >= 3 * PARALLEL, "limit never grew past " + peak + " after " + fast + " fast requests");
        assertEquals(0, stat("min_rtt_calculation_active"));
        assertEquals(0, stat("rq_blocked"));
        assertTrue(stat("gradient") >= 500 && stat("gradient") <= 2000, "gradient x1000: " + stat("gradient"));

        // A slow upstream: sampled latencies far above the minRTT halve the limit until parallel
        // requests no longer fit under it.
        int seen = upstream.requests.get();
        int blocked = 0;
        int admitted = 0;
        Curl rejected = null;
        deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        for (int round = 0; blocked == 0 && System.nanoTime() < deadline; round++) {
            for (Curl c : parallel("/slow/" + round)) {
                if (c.status() == 503) {
                    blocked++;
                    rejected = c;
                } else {
                    assertEquals(200, c.status());
                    admitted++;
                }
            }
        }
        assertTrue(blocked > 0, "no request was blocked; limit " + stat("concurrency_limit"));
        assertEquals("reached concurrency limit", new String(rejected.body(), StandardCharsets.UTF_8));
        assertTrue(stat("concurrency_limit") < peak, "limit " + stat("concurrency_limit"));
        assertEquals(blocked, stat("rq_blocked"));
        assertEquals(seen + admitted, upstream.requests.get(), "blocked requests never reached the upstream");
        assertTrue(stat("sample_rtt_msecs") >= 400, "sample_rtt_msecs " + stat("sample_rtt_msecs"));
        assertTrue(HttpProxyE2ETest.awaitLogLine(accessLog, " 503 ").endsWith(" 503 reached_concurrency_limit"));

        // enabled's runtime key off: a pass-through, nothing blocked or counted.
        try {
            assertEquals(200, runtimeModify("ac.enabled=false"));
            for (Curl c : parallel("/slow/off")) {
                assertEquals(200, c.status());
            }
            assertEquals(blocked, stat("rq_blocked"));
        } finally {
            runtimeModify("ac.enabled=");
        }
    }

    @Test
    void statsHaveEnvoyNames() throws Exception {
        String dotted = proxy.admin("/stats?filter=adaptive_concurrency");
        for (String stat : List.of("rq_blocked", "burst_queue_size", "concurrency_limit", "gradient",
                "min_rtt_calculation_active", "min_rtt_msecs", "sample_rtt_msecs")) {
            assertTrue(dotted.contains("http.ingress.adaptive_concurrency.gradient_controller." + stat + ": "), dotted);
        }
    }
}
