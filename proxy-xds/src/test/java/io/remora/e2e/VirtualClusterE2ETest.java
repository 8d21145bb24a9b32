package io.remora.e2e;

import io.remora.testing.TempPaths;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Route {@code virtual_clusters} through real sockets: a request is counted in the first virtual
 * cluster of its virtual host whose header matchers all match ({@code :method} and {@code :path}
 * included), else in Envoy's catch-all "other"; tries, response codes, retries and request time
 * land in {@code vhost.<vh>.vcluster.<vc>.*} (Prometheus {@code envoy_vhost_vcluster_*} with
 * {@code envoy_virtual_host} and {@code envoy_virtual_cluster}); {@code %VIRTUAL_CLUSTER_NAME%}
 * names the virtual cluster, and is "-" for the catch-all.
 */
class VirtualClusterE2ETest {

    @RegisterExtension
    static final E2EStack stack = new E2EStack();
    static final AtomicInteger flakyCalls = new AtomicInteger();
    static TestUpstream upstream;
    static ProxyProcess proxy;
    static Path accessLog;
    static final Map<String, Integer> PORTS = new HashMap<>();

    @BeforeAll
    static void start() throws Exception {
        upstream = stack.upstream((ctx, req, n) -> {
            String uri = req.uri();
            if (uri.startsWith("/flaky")) {
                // Fails the first try of each pair: one retry makes it good.
                TestUpstream.send(ctx, req, flakyCalls.getAndIncrement() % 2 == 0 ? 503 : 200, "flaky");
            } else if (uri.startsWith("/broken")) {
                TestUpstream.send(ctx, req, 503, "broken");
            } else if (uri.contains("/teapot")) {
                TestUpstream.send(ctx, req, 418, "teapot");
            } else {
                TestUpstream.send(ctx, req, 200, "ok");
            }
        });
        accessLog = TempPaths.file("vcluster", ".log");
        PORTS.put("http", ProxyProcess.freePort());
        String hcm = """
                access_log:
                - name: envoy.access_loggers.file
                  typed_config:
                    "@type": type.googleapis.com/envoy.extensions.access_loggers.file.v3.FileAccessLog
                    path: %s
                    log_format: { text_format_source: { inline_string: "%%VIRTUAL_CLUSTER_NAME%% %%REQ(:PATH)%% %%RESPONSE_CODE%%\\n" } }
                """.formatted(accessLog);
        String hosts = """
                - name: plain
                  domains: ["plain.local"]
                  routes: [{ match: { prefix: "/" }, route: { cluster: web } }]
                - name: shop
                  domains: ["*"]
                  routes:
                  - match: { prefix: "/flaky" }
                    route: { cluster: web, retry_policy: { retry_on: 5xx, num_retries: 2 } }
                  - match: { prefix: "/broken" }
                    route: { cluster: web, retry_policy: { retry_on: 5xx, num_retries: 1 } }
                  - match: { prefix: "/" }
                    route: { cluster: web, prefix_rewrite: "/rewritten/" }
                  virtual_clusters:
                  - name: api_writes
                    headers:
                    - { name: ":method", string_match: { exact: POST } }
                    - { name: ":path", string_match: { prefix: "/api/" } }
                  - name: tenant_x
                    headers: [{ name: x-tenant, string_match: { exact: x } }]
                """;
        proxy = stack.start(Bootstraps.listeners(stack.adminPort,
                Bootstraps.httpListenerWithHosts("http", "", hcm, hosts),
                Bootstraps.cluster("web", false, null, upstream.port()), PORTS), List.of());
    }

    static Curl curl(String path, String... args) throws Exception {
        List<String> all = new java.util.ArrayList<>(List.of(args));
        all.add("http://127.0.0.1:" + PORTS.get("http") + path);
        return Curl.run(all.toArray(new String[0]));
    }

    static double vc(String vcluster, String stat) throws Exception {
        return proxy.metric("envoy_vhost_vcluster_" + stat + "{envoy_virtual_cluster=\"" + vcluster
                + "\",envoy_virtual_host=\"shop\"}");
    }

    static double code(String vcluster, int status) throws Exception {
        return proxy.metric("envoy_vhost_vcluster_upstream_rq{envoy_response_code=\"" + status
                + "\",envoy_virtual_cluster=\"" + vcluster + "\",envoy_virtual_host=\"shop\"}");
    }

    static double codeClass(String vcluster, int cls) throws Exception {
        return proxy.metric("envoy_vhost_vcluster_upstream_rq_xx{envoy_response_code_class=\"" + cls
                + "\",envoy_virtual_cluster=\"" + vcluster + "\",envoy_virtual_host=\"shop\"}");
    }

    @Test
    void requestsLandInTheFirstVirtualClusterThatMatches() throws Exception {
        double writes = vc("api_writes", "upstream_rq_total");
        double tenant = vc("tenant_x", "upstream_rq_total");
        double other = vc("other", "upstream_rq_total");
        double tenant418 = code("tenant_x", 418);
        double writesTime = vc("api_writes", "upstream_rq_time_count");

        // Both match api_writes's matchers and tenant_x's: the first listed wins.
        assertEquals(200, curl("/api/orders", "-X", "POST", "-d", "x", "-H", "x-tenant: x").status());
        // A GET is not a write; its tenant header puts it in tenant_x.
        assertEquals(418, curl("/teapot/api/", "-H", "x-tenant: x").status());
        // Neither: the catch-all.
        assertEquals(200, curl("/api/orders").status());
        assertEquals(200, curl("/other", "-H", "x-tenant: y").status());

        assertEquals(writes + 1, vc("api_writes", "upstream_rq_total"));
        assertEquals(writesTime + 1, vc("api_writes", "upstream_rq_time_count"));
        assertTrue(vc("api_writes", "upstream_rq_completed") >= 1);
        assertTrue(code("api_writes", 200) >= 1);
        assertTrue(codeClass("api_writes", 2) >= 1);
        assertEquals(tenant + 1, vc("tenant_x", "upstream_rq_total"));
        assertEquals(tenant418 + 1, code("tenant_x", 418));
        assertTrue(codeClass("tenant_x", 4) >= 1);
        assertEquals(other + 2, vc("other", "upstream_rq_total"));

        List<String> lines = LogFiles.await(accessLog, l -> l.stream().anyMatch(s -> s.contains("/other 200")));
        // %REQ(:PATH)% is the rewritten path; the virtual cluster was chosen from the path as it came.
        assertTrue(lines.contains("api_writes /rewritten/api/orders 200"), lines.toString());
        assertTrue(lines.contains("tenant_x /rewritten/teapot/api/ 418"), lines.toString());
        assertTrue(lines.contains("- /rewritten/api/orders 200"), lines.toString());
        assertTrue(lines.contains("- /rewritten/other 200"), lines.toString());
    }

    @Test
    void retriesAreCountedInTheVirtualCluster() throws Exception {
        double total = vc("tenant_x", "upstream_rq_total");
        double retry = vc("tenant_x", "upstream_rq_retry");
        double success = vc("tenant_x", "upstream_rq_retry_success");
        double limit = vc("tenant_x", "upstream_rq_retry_limit_exceeded");
        double c503 = code("tenant_x", 503);

        assertEquals(200, curl("/flaky", "-H", "x-tenant: x").status());
        assertEquals(503, curl("/broken", "-H", "x-tenant: x").status());

        // /flaky: 503 then 200; /broken: 503, its one retry 503, then the limit.
        assertEquals(total + 4, vc("tenant_x", "upstream_rq_total"));
        assertEquals(retry + 2, vc("tenant_x", "upstream_rq_retry"));
        assertEquals(success + 1, vc("tenant_x", "upstream_rq_retry_success"));
        assertEquals(limit + 1, vc("tenant_x", "upstream_rq_retry_limit_exceeded"));
        // Only /broken's last 503 went downstream; a retried response is not charged (Envoy's onUpstreamHeaders).
        assertEquals(c503 + 1, code("tenant_x", 503));
    }

    @Test
    void aVirtualHostWithoutVirtualClustersHasNoneOfTheirStats() throws Exception {
        assertEquals(200, curl("/api/orders", "-X", "POST", "-d", "x", "-H", "Host: plain.local").status());
        assertFalse(proxy.admin("/stats/prometheus").contains("envoy_virtual_host=\"plain\""));
        List<String> lines = LogFiles.await(accessLog, l -> l.contains("- /api/orders 200"));
        assertFalse(lines.isEmpty());
    }

    @Test
    void adminStatsShowEnvoysDottedNames() throws Exception {
        assertEquals(200, curl("/api/x", "-X", "POST", "-d", "x").status());
        String stats = proxy.admin("/stats");
        assertTrue(stats.contains("vhost.shop.vcluster.api_writes.upstream_rq_total: "), stats);
        assertTrue(stats.contains("vhost.shop.vcluster.api_writes.upstream_rq_200: "), stats);
        assertTrue(stats.contains("vhost.shop.vcluster.api_writes.upstream_rq_2xx: "), stats);
    }
}
