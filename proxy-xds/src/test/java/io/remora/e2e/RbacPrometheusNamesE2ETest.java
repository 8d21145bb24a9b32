package io.remora.e2e;

import io.remora.stats.PromtoolSupport;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The RBAC filters' counters on {@code /stats/prometheus} under Envoy's default tag extraction
 * (source/common/config/well_known_names.cc: RBAC_PREFIX {@code $.rbac.**}, RBAC_HTTP_PREFIX, and
 * every other extractor that matches the same name), checked by promtool.
 */
class RbacPrometheusNamesE2ETest {

    private static final String DENY_ALL_SHADOW_ALLOW = """
            - name: envoy.filters.network.rbac
              typed_config:
                "@type": type.googleapis.com/envoy.extensions.filters.network.rbac.v3.RBAC
                stat_prefix: PREFIX
                rules: { action: ALLOW, policies: {} }
                shadow_rules:
                  action: ALLOW
                  policies: { any: { permissions: [{ any: true }], principals: [{ any: true }] } }
                shadow_rules_stat_prefix: istio_dry_run_allow_
            """;

    private static final String HTTP_RBAC = """
            - name: envoy.filters.http.rbac
              typed_config:
                "@type": type.googleapis.com/envoy.extensions.filters.http.rbac.v3.RBAC
                rules:
                  action: ALLOW
                  policies: { any: { permissions: [{ any: true }], principals: [{ any: true }] } }
                rules_stat_prefix: team.
                shadow_rules:
                  action: ALLOW
                  policies: { any: { permissions: [{ any: true }], principals: [{ any: true }] } }
                shadow_rules_stat_prefix: istio_dry_run_allow_
            """;

    @Test
    void networkAndHttpRbacCountersHaveEnvoysNamesAndLabels() throws Exception {
        try (TestUpstream up = TestUpstream.text("ok")) {
            int admin = ProxyProcess.freePort();
            Map<String, Integer> ports = new HashMap<>();
            for (String name : new String[]{"istio_tcp", "own", "dotted", "web"}) {
                ports.put(name, ProxyProcess.freePort());
            }
            String listeners = Bootstraps.tcpListener("istio_tcp", "", DENY_ALL_SHADOW_ALLOW.replace("PREFIX", "tcp."), "up", "")
                    + Bootstraps.tcpListener("own", "", DENY_ALL_SHADOW_ALLOW.replace("PREFIX", "own_tcp"), "up", "")
                    + Bootstraps.tcpListener("dotted", "", DENY_ALL_SHADOW_ALLOW.replace("PREFIX", "shop.edge."), "up", "")
                    + Bootstraps.httpListenerWithFilters("web", HTTP_RBAC, "- match: { prefix: \"/\" }\n  route: { cluster: up }");
            String yaml = Bootstraps.listeners(admin, listeners, Bootstraps.cluster("up", false, null, up.port()), ports);
            try (ProxyProcess proxy = ProxyProcess.start(yaml, admin)) {
                for (String name : new String[]{"istio_tcp", "own", "dotted"}) {
                    refused(ports.get(name));
                }
                HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + ports.get("web") + "/")).timeout(Duration.ofSeconds(10)).build(),
                        HttpResponse.BodyHandlers.ofString());
                assertEquals(200, r.statusCode());
                String prom = proxy.admin("/stats/prometheus");
                // Istio's "tcp." is also the tcp_prefix extractor's first token: Envoy removes both and
                // leaves the bare stat.
                String tcp = "{envoy_rbac_prefix=\"tcp\",envoy_tcp_prefix=\"rbac\"}";
                assertTrue(prom.contains("envoy_denied" + tcp + " 1\n"), prom);
                assertTrue(prom.contains("envoy_allowed" + tcp + " 0\n"), prom);
                assertTrue(prom.contains("envoy_istio_dry_run_allow_shadow_allowed" + tcp + " 1\n"), prom);
                // A prefix of its own: only the RBAC prefix is a label.
                assertTrue(prom.contains("envoy_rbac_denied{envoy_rbac_prefix=\"own_tcp\"} 1\n"), prom);
                assertTrue(prom.contains("envoy_rbac_istio_dry_run_allow_shadow_allowed{envoy_rbac_prefix=\"own_tcp\"} 1\n"),
                        prom);
                // Two tokens are no RBAC prefix for "$.rbac.**": they stay in the name.
                assertTrue(prom.contains("envoy_shop_edge_rbac_denied 1\n"), prom);
                // HTTP: the rules prefix up to its dot is a label, a shadow prefix without one stays in the name.
                String hcm = "envoy_http_conn_manager_prefix=\"web\"";
                assertTrue(prom.contains("envoy_http_rbac_allowed{" + hcm + ",envoy_rbac_http_prefix=\"team\"} 1\n"), prom);
                assertTrue(prom.contains("envoy_http_rbac_istio_dry_run_allow_shadow_allowed{" + hcm + "} 1\n"), prom);
                // /stats keeps Envoy's dotted names.
                String stats = proxy.admin("/stats");
                assertTrue(stats.contains("tcp.rbac.denied: 1\n"), stats);
                assertTrue(stats.contains("shop.edge.rbac.denied: 1\n"), stats);
                assertTrue(stats.contains("http.web.rbac.team.allowed: 1\n"), stats);
                if (PromtoolSupport.promtool() != null) {
                    PromtoolSupport.Result lint = PromtoolSupport.check(prom);
                    assertEquals(0, lint.exitCode(), lint.output());
                }
            }
        }
    }

    /** A connection the network RBAC filter closes: end of stream (or a reset), never data. */
    private static void refused(int port) throws Exception {
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
            s.setSoTimeout(10_000);
            s.getOutputStream().write("hello".getBytes());
            int n;
            try {
                n = s.getInputStream().read();
            } catch (java.net.SocketException reset) {
                n = -1;
            }
            assertEquals(-1, n);
        }
    }
}
