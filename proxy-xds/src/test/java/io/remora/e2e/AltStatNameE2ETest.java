package io.remora.e2e;

import io.remora.stats.PromtoolSupport;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Envoy's {@code x-envoy-upstream-alt-stat-name} through real sockets: an internal request naming
 * one has its response charged twice, to {@code cluster.<c>.*} and to {@code cluster.<c>.<alt>.*}
 * (with the internal and zone categories beneath), and the header never reaches the upstream; the
 * connection manager strips it from an external request, which charges nothing under the name.
 * Prometheus names are what Envoy's default tag extraction makes of the dotted names.
 */
class AltStatNameE2ETest {

    @RegisterExtension
    static final E2EStack stack = new E2EStack();
    static TestUpstream web;
    static ProxyProcess proxy;
    static final Map<String, Integer> PORTS = new HashMap<>();
    static final String ALT = "x-envoy-upstream-alt-stat-name";

    @BeforeAll
    static void start() throws Exception {
        web = stack.upstream((ctx, req, n) -> TestUpstream.send(ctx, req, req.uri().contains("teapot") ? 418 : 200, "ok"));
        PORTS.put("internal", ProxyProcess.freePort());
        PORTS.put("external", ProxyProcess.freePort());
        String routes = """
                - match: { prefix: "/" }
                  route: { cluster: web }
                """;
        proxy = stack.start(Bootstraps.listeners(stack.adminPort,
                Bootstraps.httpListener("internal", "", "use_remote_address: true\ninternal_address_config: {}\n", routes)
                        + Bootstraps.httpListener("external", "", "", routes),
                ZoneCodeStatsE2ETest.zoned("web", "west-2", web.port()), PORTS),
                List.of("-Xmx256m"), "--service-zone", "east-1");
    }

    static int get(String listener, String path, String altStatName) throws Exception {
        return Curl.run("-H", ALT + ": " + altStatName, "http://127.0.0.1:" + PORTS.get(listener) + path).status();
    }

    static double sample(String family, String... labels) throws Exception {
        Map<String, String> m = new HashMap<>(Map.of("envoy_cluster_name", "web"));
        for (int i = 0; i < labels.length; i += 2) {
            m.put(labels[i], labels[i + 1]);
        }
        return PrometheusSamples.sample(proxy, family, m);
    }

    @Test
    void anInternalRequestIsChargedAgainUnderItsAltStatName() throws Exception {
        double plain200 = sample("envoy_cluster_upstream_rq", "envoy_response_code", "200");
        assertEquals(200, get("internal", "/a", "checkout"));
        assertFalse(web.lastHeaders.containsKey(ALT), web.lastHeaders.toString());
        assertEquals(418, get("internal", "/teapot", "checkout"));

        assertEquals(plain200 + 1, sample("envoy_cluster_upstream_rq", "envoy_response_code", "200"));
        assertEquals(1, sample("envoy_cluster_checkout_upstream_rq", "envoy_response_code", "200"));
        assertEquals(1, sample("envoy_cluster_checkout_upstream_rq", "envoy_response_code", "418"));
        assertEquals(1, sample("envoy_cluster_checkout_upstream_rq_xx", "envoy_response_code_class", "4"));
        assertEquals(2, sample("envoy_cluster_checkout_upstream_rq_completed"));
        assertEquals(2, sample("envoy_cluster_checkout_upstream_rq_time_count"));
        assertEquals(1, sample("envoy_cluster_checkout_internal_upstream_rq", "envoy_response_code", "418"));
        assertEquals(2, sample("envoy_cluster_checkout_internal_upstream_rq_time_count"));
        assertEquals(0, sample("envoy_cluster_checkout_external_upstream_rq_completed"));
        assertEquals(2, sample("envoy_cluster_checkout_zone_east_1_west_2_upstream_rq_completed"));
        assertEquals(1, sample("envoy_cluster_checkout_zone_east_1_west_2_upstream_rq_xx",
                "envoy_response_code_class", "2"));

        // /stats: the dotted names Envoy charges.
        assertEquals(1, proxy.stat("cluster.web.checkout.upstream_rq_418"));
        assertEquals(1, proxy.stat("cluster.web.checkout.internal.upstream_rq_2xx"));
        assertEquals(2, proxy.stat("cluster.web.checkout.zone.east-1.west-2.upstream_rq_completed"));
        assertTrue(proxy.admin("/stats?filter=checkout").contains("cluster.web.checkout.upstream_rq_time: "));

        String prom = proxy.admin("/stats/prometheus");
        assertFalse(prom.contains("alt_stat"), prom);
        if (PromtoolSupport.promtool() != null) {
            assertEquals(0, PromtoolSupport.check(prom).exitCode(), PromtoolSupport.check(prom).output());
        }
    }

    @Test
    void aDottedNameStaysDottedAndAnExternalRequestLosesTheHeader() throws Exception {
        assertEquals(200, get("internal", "/a", "team.cart"));
        assertEquals(1, proxy.stat("cluster.web.team.cart.upstream_rq_200"));
        assertEquals(1, sample("envoy_cluster_team_cart_upstream_rq", "envoy_response_code", "200"));

        assertEquals(200, get("external", "/a", "outside"));
        assertFalse(web.lastHeaders.containsKey(ALT), web.lastHeaders.toString());
        assertFalse(proxy.admin("/stats").contains(".outside."), proxy.admin("/stats?filter=cluster.web"));
    }
}
