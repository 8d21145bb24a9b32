package io.remora.e2e;

import io.remora.testing.TempPaths;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code request_mirror_policies}: a copy goes to the mirror cluster with "-shadow" appended to
 * its host (kept with {@code disable_shadow_host_suffix_append}), or to the cluster a request
 * header names ({@code cluster_header}; none without the header), while the client gets the
 * primary's answer.
 */
class MirrorE2ETest {

    @Test
    void mirrorsByClusterAndByHeader() throws Exception {
        Queue<String> mirrored = new ConcurrentLinkedQueue<>();
        try (TestUpstream primary = TestUpstream.start((ctx, req, n) -> TestUpstream.send(ctx, req, 200, "primary"));
             TestUpstream shadow = TestUpstream.start((ctx, req, n) -> {
                 mirrored.add(req.uri() + " " + req.headers().get("host"));
                 TestUpstream.send(ctx, req, 200, "shadow");
             })) {
            int admin = ProxyProcess.freePort();
            int port = ProxyProcess.freePort();
            String routes = """
                    - match: { prefix: /static }
                      route: { cluster: primary, request_mirror_policies: [ { cluster: shadow } ] }
                    - match: { prefix: /header }
                      route: { cluster: primary, request_mirror_policies: [ { cluster_header: x-mirror-to } ] }
                    - match: { prefix: /keep }
                      route:
                        cluster: primary
                        request_mirror_policies: [ { cluster: shadow, disable_shadow_host_suffix_append: true } ]
                    """;
            String clusters = Bootstraps.cluster("primary", false, null, primary.port()) + "\n"
                    + Bootstraps.cluster("shadow", false, null, shadow.port());
            try (ProxyProcess proxy = ProxyProcess.start(Bootstraps.http(admin, port,
                    TempPaths.file("access", ".log").toString(), routes, clusters), admin, List.of())) {
                String base = "http://127.0.0.1:" + port;
                assertEquals("primary", Curl.run("-H", "host: shop.example:8080", base + "/static").text());
                assertEquals("/static shop.example-shadow:8080", await(mirrored));
                assertEquals("primary", Curl.run("-H", "host: shop.example", base + "/header").text());
                assertEquals("primary", Curl.run("-H", "host: shop.example", "-H", "x-mirror-to: nowhere",
                        base + "/header").text());
                assertEquals("primary", Curl.run("-H", "host: shop.example", "-H", "x-mirror-to: shadow",
                        base + "/header?n=3").text());
                assertEquals("/header?n=3 shop.example-shadow", await(mirrored),
                        "only the request naming a known cluster is mirrored");
                assertEquals("primary", Curl.run("-H", "host: shop.example", base + "/keep").text());
                assertEquals("/keep shop.example", await(mirrored));
                assertTrue(mirrored.isEmpty(), mirrored.toString());
            }
        }
    }

    private static String await(Queue<String> q) throws InterruptedException {
        long deadline = System.nanoTime() + 10_000_000_000L;
        String s;
        while ((s = q.poll()) == null) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("no mirrored request within 10 s");
            }
            Thread.sleep(20);
        }
        return s;
    }
}
