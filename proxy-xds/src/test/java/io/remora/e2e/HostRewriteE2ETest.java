package io.remora.e2e;

import io.remora.testing.TempPaths;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * A route's host rewrite as Envoy's finalizeHostHeader and Http::Utility::updateAuthority: the
 * replaced Host goes to x-envoy-original-host, and with append_x_forwarded_host to
 * x-forwarded-host unless it is already that list's last element (compared whole, not as a
 * suffix). A weighted member's host_rewrite_literal only sets the Host (WeightedClusterEntry).
 */
class HostRewriteE2ETest {

    @Test
    void rewrittenHostIsKeptAndAppendedAsEnvoyDoes() throws Exception {
        try (TestUpstream up = TestUpstream.start((ctx, req, n) -> TestUpstream.send(ctx, req, 200,
                req.headers().get("host") + " | " + req.headers().get("x-envoy-original-host") + " | "
                        + req.headers().get("x-forwarded-host")))) {
            String routes = """
                    - match: { prefix: /literal }
                      route: { cluster: up, host_rewrite_literal: backend.internal, append_x_forwarded_host: true }
                    - match: { prefix: /header }
                      route: { cluster: up, host_rewrite_header: x-target }
                    - match: { prefix: /weighted }
                      route:
                        append_x_forwarded_host: true
                        weighted_clusters: { clusters: [ { name: up, weight: 1, host_rewrite_literal: w.internal } ] }
                    """;
            int admin = ProxyProcess.freePort();
            int port = ProxyProcess.freePort();
            try (ProxyProcess proxy = ProxyProcess.start(Bootstraps.http(admin, port,
                    TempPaths.file("access", ".log").toString(), routes, Bootstraps.cluster("up", false, null, up.port())),
                    admin, List.of())) {
                assertEquals("backend.internal | front.example | xfront.example,front.example",
                        Curl.get(port, "/literal", "host: front.example", "x-forwarded-host: xfront.example").text(),
                        "xfront.example ends with the old host but is not it: appended");
                assertEquals("backend.internal | front.example | a.example,front.example",
                        Curl.get(port, "/literal", "host: front.example",
                                "x-forwarded-host: a.example,front.example").text(),
                        "already last: not appended again");
                assertEquals("target.example | front.example | null",
                        Curl.get(port, "/header", "host: front.example", "x-target: target.example").text());
                assertEquals("w.internal | null | null",
                        Curl.get(port, "/weighted", "host: front.example").text(),
                        "a weighted member's literal sets the Host alone");
            }
        }
    }
}
