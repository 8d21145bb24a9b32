package io.remora.e2e;

import io.remora.testing.TempPaths;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Queue;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentLinkedQueue;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

/**
 * A route's {@code match.runtime_fraction} as Envoy's evaluateRuntimeMatch: featureEnabled with
 * the stream's id as the random, {@code id % denominator < numerator} with the fraction's own
 * denominator. A mirror policy samples the same id the same way (router.cc's shouldShadow), so
 * two fractions of 50/HUNDRED take the same requests; and a weighted split picks with the same id
 * ({@code id % total_weight}, WeightedClusterSpecifierPlugin::pickWeightedCluster).
 */
class RouteRuntimeSamplingE2ETest {

    private static final int REQUESTS = 40;

    /**
     * The first route takes the requests whose id % 100 is under 50 and mirrors every one of them;
     * the second takes the others and, sampling the same id, mirrors none.
     */
    @Test
    void aRouteAndAMirrorPolicyOfOneFractionTakeTheSameRequests() throws Exception {
        Queue<String> routed = new ConcurrentLinkedQueue<>();
        Queue<String> mirrored = new ConcurrentLinkedQueue<>();
        try (TestUpstream a = TestUpstream.start((ctx, req, n) -> {
                 routed.add(req.uri());
                 TestUpstream.send(ctx, req, 200, "a");
             });
             TestUpstream b = TestUpstream.text("b");
             TestUpstream m = TestUpstream.start((ctx, req, n) -> {
                 mirrored.add(req.uri());
                 TestUpstream.send(ctx, req, 200, "m");
             })) {
            String half = "runtime_fraction: { default_value: { numerator: 50, denominator: HUNDRED } }";
            String routes = """
                    - match: { prefix: /s, %1$s }
                      route: { cluster: a, request_mirror_policies: [ { cluster: m, %1$s } ] }
                    - match: { prefix: /s }
                      route: { cluster: b, request_mirror_policies: [ { cluster: m, %1$s } ] }
                    """.formatted(half);
            String clusters = Bootstraps.cluster("a", false, null, a.port()) + "\n"
                    + Bootstraps.cluster("b", false, null, b.port()) + "\n"
                    + Bootstraps.cluster("m", false, null, m.port());
            int admin = ProxyProcess.freePort();
            int port = ProxyProcess.freePort();
            try (ProxyProcess proxy = ProxyProcess.start(Bootstraps.http(admin, port,
                    TempPaths.file("access", ".log").toString(), routes, clusters), admin, List.of())) {
                Set<String> answers = new TreeSet<>();
                for (int i = 0; i < REQUESTS; i++) {
                    answers.add(Curl.get(port, "/s/" + i).text());
                }
                assertEquals(Set.of("a", "b"), answers, "each route takes about half of the requests");
                long deadline = System.nanoTime() + 10_000_000_000L;
                while (!new TreeSet<>(mirrored).containsAll(routed) && System.nanoTime() < deadline) {
                    Thread.sleep(50);
                }
                Thread.sleep(300); // a copy of a second-route request would have arrived by now
                assertFalse(routed.isEmpty());
                assertEquals(new TreeSet<>(routed), new TreeSet<>(mirrored),
                        "the first route's requests are mirrored, the second's are not");
            }
        }
    }

    /**
     * A route taking the requests whose id % 100 is under 50, split 50/50 over a total of 100:
     * the same id picks, so every request the route takes goes to the first member (Envoy's
     * refreshCachedRoute passes the one stream id to both).
     */
    @Test
    void aWeightedSplitPicksWithTheIdTheRouteSampled() throws Exception {
        try (TestUpstream a = TestUpstream.text("a"); TestUpstream b = TestUpstream.text("b")) {
            String routes = """
                    - match: { prefix: /w, runtime_fraction: { default_value: { numerator: 50, denominator: HUNDRED } } }
                      route: { weighted_clusters: { clusters: [ { name: a, weight: 50 }, { name: b, weight: 50 } ] } }
                    - match: { prefix: /w }
                      direct_response: { status: 200, body: { inline_string: other } }
                    """;
            String clusters = Bootstraps.cluster("a", false, null, a.port()) + "\n"
                    + Bootstraps.cluster("b", false, null, b.port());
            int admin = ProxyProcess.freePort();
            int port = ProxyProcess.freePort();
            try (ProxyProcess proxy = ProxyProcess.start(Bootstraps.http(admin, port,
                    TempPaths.file("access", ".log").toString(), routes, clusters), admin, List.of())) {
                Set<String> answers = new TreeSet<>();
                for (int i = 0; i < REQUESTS; i++) {
                    answers.add(Curl.get(port, "/w/" + i).text());
                }
                assertEquals(Set.of("a", "other"), answers, "the split's second member is never picked");
            }
        }
    }
}
