package io.remora.e2e;

import io.remora.stats.PromtoolSupport;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Envoy's per-zone code stats through real sockets: with {@code --service-zone east-1}, a
 * response from an endpoint whose locality zone is {@code west-2} is charged to
 * {@code cluster.<c>.zone.east-1.west-2.*} (Prometheus: the zones in the name, as Envoy
 * extracts no tag from them); an endpoint without a zone charges no zone stat.
 */
class ZoneCodeStatsE2ETest {

    @RegisterExtension
    static final E2EStack stack = new E2EStack();
    static TestUpstream web;
    static ProxyProcess proxy;
    static final Map<String, Integer> PORTS = Map.of("http", ProxyProcess.freePort());

    /** {@link Bootstraps#cluster}'s STATIC cluster, its endpoints in locality zone {@code zone}. */
    static String zoned(String name, String zone, int port) {
        String plain = Bootstraps.cluster(name, false, null, port);
        String zoned = plain.replace("    - lb_endpoints:\n", "    - locality: { zone: " + zone + " }\n      lb_endpoints:\n");
        if (zoned.equals(plain)) {
            throw new IllegalStateException("Bootstraps.cluster changed shape: " + plain);
        }
        return zoned;
    }

    @BeforeAll
    static void start() throws Exception {
        web = stack.upstream((ctx, req, n) -> TestUpstream.send(ctx, req, req.uri().contains("teapot") ? 418 : 200, "ok"));
        String routes = """
                - match: { prefix: "/far" }
                  route: { cluster: far }
                - match: { prefix: "/near" }
                  route: { cluster: near }
                - match: { prefix: "/" }
                  route: { cluster: plain }
                """;
        proxy = stack.start(Bootstraps.listeners(stack.adminPort, Bootstraps.httpListener("http", "", "", routes),
                zoned("far", "west-2", web.port()) + zoned("near", "east-1", web.port())
                        + Bootstraps.cluster("plain", false, null, web.port()), PORTS),
                List.of("-Xmx256m"), "--service-zone", "east-1");
    }

    static int get(String path) throws Exception {
        return Curl.run("http://127.0.0.1:" + PORTS.get("http") + path).status();
    }

    static double zone(String family, String cluster, String label) throws Exception {
        return proxy.metric("envoy_cluster_zone_" + family + "{envoy_cluster_name=\"" + cluster + "\"" + label + "}");
    }

    @Test
    void responsesAreChargedToTheLocalAndUpstreamZones() throws Exception {
        assertEquals(200, get("/far/a"));
        assertEquals(418, get("/far/teapot"));
        assertEquals(200, get("/near/a"));
        assertEquals(200, get("/plain"));

        String far = "east_1_west_2_upstream_rq";
        assertEquals(1, zone(far, "far", ",envoy_response_code=\"200\""));
        assertEquals(1, zone(far, "far", ",envoy_response_code=\"418\""));
        assertEquals(1, zone(far + "_xx", "far", ",envoy_response_code_class=\"4\""));
        assertEquals(2, zone(far + "_completed", "far", ""));
        assertEquals(2, zone(far + "_time_count", "far", ""));
        assertEquals(1, zone("east_1_east_1_upstream_rq", "near", ",envoy_response_code=\"200\""));

        // /stats: Envoy's dotted names, the zones as they are.
        assertEquals(1, proxy.stat("cluster.far.zone.east-1.west-2.upstream_rq_418"));
        assertEquals(1, proxy.stat("cluster.far.zone.east-1.west-2.upstream_rq_2xx"));
        assertEquals(2, proxy.stat("cluster.far.zone.east-1.west-2.upstream_rq_completed"));
        assertTrue(proxy.admin("/stats?filter=zone").contains("cluster.far.zone.east-1.west-2.upstream_rq_time: "));

        String prom = proxy.admin("/stats/prometheus");
        // The endpoint without a locality zone has no zone stats, and no zone is ever a label.
        assertFalse(prom.lines().anyMatch(l -> l.startsWith("envoy_cluster_zone_")
                && l.contains("envoy_cluster_name=\"plain\"")), prom);
        assertFalse(prom.contains("zone_from"), prom);
        assertTrue(prom.contains("# HELP envoy_cluster_zone_east_1_west_2_upstream_rq Envoy stat "
                + "cluster.<envoy_cluster_name>.zone.east-1.west-2.upstream_rq_<envoy_response_code>"), prom);
        // The zones are in the names, as Envoy's: a zone such as us-east-1a would make promtool see
        // a unit (us) in them.
        if (PromtoolSupport.promtool() != null) {
            assertEquals(0, PromtoolSupport.check(prom).exitCode(), PromtoolSupport.check(prom).output());
        }
    }
}
