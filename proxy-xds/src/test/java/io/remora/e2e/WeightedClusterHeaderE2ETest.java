package io.remora.e2e;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * weighted_clusters members with cluster_header, through a running proxy and curl: the member's
 * cluster is the one the request header names, its own headers_to_add apply, and a missing header
 * or an unknown cluster gets the route's cluster_not_found code.
 */
class WeightedClusterHeaderE2ETest {

    @RegisterExtension
    static final E2EStack stack = new E2EStack();
    static TestUpstream a;
    static TestUpstream b;
    static ProxyProcess proxy;

    @BeforeAll
    static void start() throws Exception {
        a = stack.own(TestUpstream.text("a"));
        b = stack.own(TestUpstream.text("b"));
        String routes = """
                - match: { prefix: "/split" }
                  route:
                    weighted_clusters:
                      clusters:
                      - { name: a, weight: 1 }
                      - { cluster_header: x-target, weight: 1 }
                - match: { prefix: "/not-found" }
                  route:
                    cluster_not_found_response_code: NOT_FOUND
                    weighted_clusters: { clusters: [{ cluster_header: x-target, weight: 1 }] }
                - match: { prefix: "/" }
                  route:
                    weighted_clusters:
                      clusters:
                      - cluster_header: x-target
                        weight: 1
                        request_headers_to_add: [{ header: { key: x-member, value: from-header } }]
                """;
        String clusters = Bootstraps.cluster("a", false, "", a.port()) + Bootstraps.cluster("b", false, "", b.port());
        proxy = stack.start(stack.http(
                io.remora.testing.TempPaths.file("weighted-header", ".log").toString(), routes, clusters));
    }

    static Curl get(String path, String... headers) throws Exception {
        List<String> args = new java.util.ArrayList<>();
        for (String h : headers) {
            args.add("-H");
            args.add(h);
        }
        args.add(stack.url(path));
        return Curl.run(args.toArray(new String[0]));
    }

    static String body(Curl c) {
        return new String(c.body(), StandardCharsets.UTF_8);
    }

    @Test
    void theHeaderNamesTheMembersCluster() throws Exception {
        Curl r = get("/", "x-target: b");
        assertEquals(200, r.status());
        assertEquals("b", body(r));
        assertEquals("from-header", b.lastHeaders.get("x-member"), "the member's own request_headers_to_add");
        assertEquals("a", body(get("/", "x-target: a")));
    }

    @Test
    void aMissingHeaderOrAnUnknownClusterIsClusterNotFound() throws Exception {
        assertEquals(503, get("/").status());
        assertEquals(503, get("/", "x-target: nowhere").status());
        assertEquals(404, get("/not-found").status(), "cluster_not_found_response_code");
        assertEquals(200, get("/not-found", "x-target: a").status());
    }

    @Test
    void namedAndHeaderMembersShareTheSplit() throws Exception {
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < 40 && seen.size() < 2; i++) {
            seen.add(body(get("/split", "x-target: b")));
        }
        assertEquals(Set.of("a", "b"), seen);
    }
}
