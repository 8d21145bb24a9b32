package io.remora.e2e;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * preconnect_policy.per_upstream_preconnect_ratio through a running proxy: an HTTP/1.1 pool opens
 * connections ahead until it has ratio x requests of them; without the policy, one per request.
 */
class PreconnectE2ETest {

    @Test
    void aRatioOfThreeOpensThreeConnectionsForOneRequest() throws Exception {
        try (TestUpstream pre = TestUpstream.text("pre"); TestUpstream plain = TestUpstream.text("plain")) {
            int admin = ProxyProcess.freePort();
            int port = ProxyProcess.freePort();
            String routes = """
                    - match: { prefix: "/pre" }
                      route: { cluster: pre }
                    - match: { prefix: "/" }
                      route: { cluster: plain }
                    """;
            String clusters = Bootstraps.cluster("pre", false, "  preconnect_policy: { per_upstream_preconnect_ratio: 3 }\n",
                    pre.port()) + Bootstraps.cluster("plain", false, "", plain.port());
            try (ProxyProcess proxy = ProxyProcess.start(Bootstraps.http(admin, port,
                    io.remora.testing.TempPaths.file("preconnect", ".log").toString(), routes, clusters), admin)) {
                Curl r = Curl.run("http://127.0.0.1:" + port + "/pre");
                assertEquals("pre", new String(r.body(), StandardCharsets.UTF_8));
                awaitConnections(pre, 3);
                assertEquals(3.0, proxy.metric("envoy_cluster_upstream_cx_total{envoy_cluster_name=\"pre\"}"));
                assertEquals(200, Curl.run("http://127.0.0.1:" + port + "/").status());
                assertEquals(1, plain.connections.get(), "without a policy, connections are opened on demand");
                assertEquals(3, pre.connections.get(), "one request: (1 waiting) x 3 is what the pool holds");
            }
        }
    }

    private static void awaitConnections(TestUpstream u, int n) throws InterruptedException {
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (u.connections.get() < n) {
            if (System.nanoTime() > deadline) {
                fail("the upstream got " + u.connections.get() + " connections, not " + n);
            }
            Thread.sleep(20);
        }
    }

    @Test
    void ratiosOutOfRangeAreRefused() {
        for (String policy : List.of("{ per_upstream_preconnect_ratio: 3.5 }", "{ predictive_preconnect_ratio: 0.5 }")) {
            var e = org.junit.jupiter.api.Assertions.assertThrows(io.remora.xds.translate.TranslationException.class,
                    () -> new io.remora.xds.bootstrap.BootstrapLoader().loadString(Bootstraps.http(1, 2, "/dev/null",
                            "- match: { prefix: \"/\" }\n  route: { cluster: c }",
                            Bootstraps.cluster("c", false, "  preconnect_policy: " + policy + "\n", 3)), "t.yaml"));
            assertEquals("static_resources.clusters[0].preconnect_policy."
                    + policy.substring(2, policy.indexOf(':')), e.path(), policy);
        }
    }
}
