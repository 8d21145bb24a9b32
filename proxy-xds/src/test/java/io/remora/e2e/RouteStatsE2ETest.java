package io.remora.e2e;

import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.FullHttpRequest;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Route {@code stat_prefix} through real sockets: a route with one keeps Envoy's
 * {@code vhost.<vh>.route.<stat_prefix>.*} router stats (tries, retries, retry success and limit,
 * the route timeout, response codes and classes, completions, request time), Prometheus
 * {@code envoy_vhost_route_*{envoy_route, envoy_virtual_host}}; a route without one keeps none.
 */
class RouteStatsE2ETest {

    @RegisterExtension
    static final E2EStack stack = new E2EStack();
    static final AtomicInteger flakyCalls = new AtomicInteger();
    static ProxyProcess proxy;
    static final Map<String, Integer> PORTS = new HashMap<>();

    @BeforeAll
    static void start() throws Exception {
        TestUpstream upstream = stack.upstream((ctx, req, n) -> {
            String uri = req.uri();
            if (uri.endsWith("/flaky")) {
                // Fails the first try of each pair: one retry makes it good.
                TestUpstream.send(ctx, req, flakyCalls.getAndIncrement() % 2 == 0 ? 503 : 200, "flaky");
            } else if (uri.endsWith("/broken")) {
                TestUpstream.send(ctx, req, 503, "broken");
            } else if (uri.endsWith("/slow")) {
                later(ctx, req, 6000);
            } else {
                TestUpstream.send(ctx, req, 200, "ok");
            }
        });
        PORTS.put("http", ProxyProcess.freePort());
        String hosts = """
                - name: shop
                  domains: ["*"]
                  routes:
                  - match: { prefix: "/checkout/" }
                    stat_prefix: checkout
                    route: { cluster: web, timeout: 2s, retry_policy: { retry_on: 5xx, num_retries: 1 } }
                  - match: { prefix: "/" }
                    route: { cluster: web, timeout: 2s, retry_policy: { retry_on: 5xx, num_retries: 1 } }
                """;
        proxy = stack.start(Bootstraps.listeners(stack.adminPort,
                Bootstraps.httpListenerWithHosts("http", "", "", hosts),
                Bootstraps.cluster("web", false, null, upstream.port()), PORTS), List.of());
    }

    private static void later(ChannelHandlerContext ctx, FullHttpRequest req, long millis) {
        req.retain();
        ctx.executor().schedule(() -> {
            try {
                TestUpstream.send(ctx, req, 200, "late");
            } finally {
                req.release();
            }
        }, millis, TimeUnit.MILLISECONDS);
    }

    static int get(String path) throws Exception {
        return Curl.run("http://127.0.0.1:" + PORTS.get("http") + path).status();
    }

    static double route(String stat) throws Exception {
        return proxy.metric("envoy_vhost_route_" + stat + "{envoy_route=\"checkout\",envoy_virtual_host=\"shop\"}");
    }

    static double code(String label, String value) throws Exception {
        String metric = label.equals("envoy_response_code") ? "upstream_rq" : "upstream_rq_xx";
        return proxy.metric("envoy_vhost_route_" + metric + "{" + label + "=\"" + value
                + "\",envoy_route=\"checkout\",envoy_virtual_host=\"shop\"}");
    }

    @Test
    void aRouteWithAStatPrefixCountsItsTriesRetriesTimeoutsAndCodes() throws Exception {
        double total = route("upstream_rq_total");
        double retry = route("upstream_rq_retry");
        double success = route("upstream_rq_retry_success");
        double limit = route("upstream_rq_retry_limit_exceeded");
        double timeout = route("upstream_rq_timeout");
        double completed = route("upstream_rq_completed");
        double timeCount = route("upstream_rq_time_count");
        double c200 = code("envoy_response_code", "200");
        double c503 = code("envoy_response_code", "503");
        double c504 = code("envoy_response_code", "504");
        double x2 = code("envoy_response_code_class", "2");
        double x5 = code("envoy_response_code_class", "5");

        assertEquals(200, get("/checkout/ok"));
        assertEquals(200, get("/checkout/flaky"));   // 503, retried, 200
        assertEquals(503, get("/checkout/broken"));  // 503, retried, 503, limit exceeded
        assertEquals(504, get("/checkout/slow"));    // the route timeout

        assertEquals(total + 6, route("upstream_rq_total"));
        assertEquals(retry + 2, route("upstream_rq_retry"));
        assertEquals(success + 1, route("upstream_rq_retry_success"));
        assertEquals(limit + 1, route("upstream_rq_retry_limit_exceeded"));
        assertEquals(timeout + 1, route("upstream_rq_timeout"));
        // The responses that went downstream and the timeout's 504 (Envoy's chargeUpstreamAbort): a
        // retried response returns from onUpstreamHeaders before chargeUpstreamCode.
        assertEquals(completed + 4, route("upstream_rq_completed"));
        assertEquals(c200 + 2, code("envoy_response_code", "200"));
        assertEquals(c503 + 1, code("envoy_response_code", "503"));
        assertEquals(c504 + 1, code("envoy_response_code", "504"));
        assertEquals(x2 + 2, code("envoy_response_code_class", "2"));
        assertEquals(x5 + 2, code("envoy_response_code_class", "5"));
        // The responses that completed the request: ok, flaky's 200, broken's last 503.
        assertEquals(timeCount + 3, route("upstream_rq_time_count"));
    }

    @Test
    void aRouteWithoutAStatPrefixKeepsNoRouteStats() throws Exception {
        double total = route("upstream_rq_total");
        double timeout = route("upstream_rq_timeout");
        assertEquals(200, get("/other/flaky"));
        assertEquals(504, get("/other/slow"));
        assertEquals(total, route("upstream_rq_total"));
        assertEquals(timeout, route("upstream_rq_timeout"));
        for (String line : proxy.admin("/stats/prometheus").split("\n")) {
            assertFalse(line.startsWith("envoy_vhost_route") && !line.contains("envoy_route=\"checkout\""), line);
        }
    }

    @Test
    void adminStatsShowEnvoysDottedNames() throws Exception {
        assertEquals(200, get("/checkout/ok"));
        String stats = proxy.admin("/stats");
        for (String stat : List.of("upstream_rq_total", "upstream_rq_200", "upstream_rq_2xx", "upstream_rq_completed",
                "upstream_rq_retry", "upstream_rq_timeout")) {
            assertTrue(stats.contains("vhost.shop.route.checkout." + stat + ": "), stat + " in " + stats);
        }
        assertTrue(stats.contains("vhost.shop.route.checkout.upstream_rq_time: P0("), stats);
    }
}
