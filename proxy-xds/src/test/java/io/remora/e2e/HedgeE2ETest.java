package io.remora.e2e;

import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.FullHttpRequest;
import io.remora.testing.TempPaths;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Envoy's hedge_on_per_try_timeout over real sockets: a try whose per-try timeout fires keeps
 * running beside its retry, and the first response headers of any try win.
 */
class HedgeE2ETest {

    private static final String CLUSTER = "hedged";

    /** Answers try {@code n} after {@code delaysMillis[n - 1]} with "try n" and the request body. */
    private static TestUpstream upstream(long... delaysMillis) throws InterruptedException {
        return TestUpstream.start((ctx, req, n) -> {
            long delay = n <= delaysMillis.length ? delaysMillis[n - 1] : 0;
            String body = "try " + n + ":" + req.content().toString(StandardCharsets.UTF_8);
            if (delay == 0) {
                TestUpstream.send(ctx, req, 200, body);
            } else {
                later(ctx, req, delay, 200, body);
            }
        });
    }

    private static void later(ChannelHandlerContext ctx, FullHttpRequest req, long millis, int status, String body) {
        req.retain();
        ctx.executor().schedule(() -> {
            try {
                TestUpstream.send(ctx, req, status, body);
            } finally {
                req.release();
            }
        }, millis, TimeUnit.MILLISECONDS);
    }

    private static String route(String extra) {
        return """
                - match: { prefix: "/" }
                  route:
                    cluster: hedged
                    retry_policy: { retry_on: 5xx, num_retries: 1, per_try_timeout: 0.2s }
                %s""".formatted(Bootstraps.indent(extra, 4));
    }

    private static final String HEDGE = "hedge_policy: { hedge_on_per_try_timeout: true }";

    private static ProxyProcess proxy(int admin, int port, String routes, TestUpstream up) throws Exception {
        return start(Bootstraps.http(admin, port, TempPaths.file("access", ".log").toString(), routes,
                Bootstraps.cluster(CLUSTER, false, null, up.port())), admin);
    }

    /** A proxy that drains for a second at the end: a test's slow tries need not hold up its close. */
    private static ProxyProcess start(String yaml, int admin) throws Exception {
        return ProxyProcess.start(yaml, admin, List.of("-Xmx256m"), "--drain-time-s", "1");
    }

    private static HttpResponse<String> post(int port, String body) throws Exception {
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/h"))
                .timeout(java.time.Duration.ofSeconds(20)).POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static double metric(ProxyProcess proxy, String name) throws Exception {
        return proxy.metric("envoy_cluster_" + name + "{envoy_cluster_name=\"" + CLUSTER + "\"}");
    }

    @Test
    void aSlowFirstTryIsOvertakenByTheHedgedRetry() throws Exception {
        try (TestUpstream up = upstream(1500, 0)) {
            int admin = ProxyProcess.freePort();
            int port = ProxyProcess.freePort();
            try (ProxyProcess proxy = proxy(admin, port, route(HEDGE), up)) {
                long start = System.nanoTime();
                HttpResponse<String> r = post(port, "payload");
                long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
                assertEquals(200, r.statusCode());
                assertEquals("try 2:payload", r.body(), "the retry's answer, with the body replayed");
                assertTrue(millis < 1200, "answered before the first try would have: " + millis + " ms");
                assertEquals(2, up.requests.get());
                assertEquals(1.0, metric(proxy, "upstream_rq_retry"));
                // As Envoy: the per-try timeout of a hedged try is not counted (nothing was reset)...
                assertEquals(0.0, metric(proxy, "upstream_rq_per_try_timeout"));
                // ...but the losing first try is reset once the second's headers win.
                assertEquals(1.0, metric(proxy, "upstream_rq_tx_reset"));
            }
        }
    }

    @Test
    void theFirstTryStillWinsWhenItAnswersFirst() throws Exception {
        // The virtual host's hedge policy applies to a route without one.
        try (TestUpstream up = upstream(400, 3000)) {
            int admin = ProxyProcess.freePort();
            int port = ProxyProcess.freePort();
            String yaml = Bootstraps.http(admin, port, TempPaths.file("access", ".log").toString(), route(""),
                    Bootstraps.cluster(CLUSTER, false, null, up.port()))
                    .replaceFirst("( +)domains: \\[\"\\*\"\\]\n", "$1domains: [\"*\"]\n$1" + HEDGE + "\n");
            try (ProxyProcess proxy = start(yaml, admin)) {
                long start = System.nanoTime();
                HttpResponse<String> r = post(port, "x");
                long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
                assertEquals(200, r.statusCode());
                assertEquals("try 1:x", r.body(), "the slow try was not reset at its per-try timeout");
                assertTrue(millis < 2000, millis + " ms");
                assertEquals(2, up.requests.get(), "the hedged retry was sent");
                assertEquals(1.0, metric(proxy, "upstream_rq_tx_reset"), "the retry lost and was reset");
            }
        }
    }

    @Test
    void withoutHedgingTheFirstTryIsResetAtItsPerTryTimeout() throws Exception {
        // The first try would answer at 0.4 s, as above, but it is reset at 0.2 s.
        try (TestUpstream up = upstream(400, 0)) {
            int admin = ProxyProcess.freePort();
            int port = ProxyProcess.freePort();
            try (ProxyProcess proxy = proxy(admin, port, route(""), up)) {
                HttpResponse<String> r = post(port, "x");
                assertEquals(200, r.statusCode());
                assertEquals("try 2:x", r.body());
                assertEquals(1.0, metric(proxy, "upstream_rq_per_try_timeout"));
                assertEquals(1.0, metric(proxy, "upstream_rq_tx_reset"));
            }
        }
    }

    @Test
    void aRetriableAnswerWaitsForTheTryStillRunning() throws Exception {
        // The retry answers 503 at once with no retries left; the first try's later 200 is better.
        try (TestUpstream up = TestUpstream.start((ctx, req, n) -> {
            if (n == 1) {
                later(ctx, req, 600, 200, "first");
            } else {
                TestUpstream.send(ctx, req, 503, "busy");
            }
        })) {
            int admin = ProxyProcess.freePort();
            int port = ProxyProcess.freePort();
            try (ProxyProcess proxy = proxy(admin, port, route(HEDGE), up)) {
                HttpResponse<String> r = post(port, "x");
                assertEquals(200, r.statusCode());
                assertEquals("first", r.body());
                assertEquals(2, up.requests.get());
            }
        }
    }

    @Test
    void theRouteTimeoutStillBoundsEveryTry() throws Exception {
        try (TestUpstream up = upstream(5000, 5000)) {
            int admin = ProxyProcess.freePort();
            int port = ProxyProcess.freePort();
            try (ProxyProcess proxy = proxy(admin, port, route(HEDGE + "\ntimeout: 1s"), up)) {
                long start = System.nanoTime();
                HttpResponse<String> r = post(port, "x");
                long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
                assertEquals(504, r.statusCode());
                assertTrue(millis >= 900 && millis < 3000, millis + " ms");
                assertEquals(2, up.requests.get());
                assertEquals(2.0, metric(proxy, "upstream_rq_timeout"), "as Envoy: one per outstanding try");
            }
        }
    }
}
