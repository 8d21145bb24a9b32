package io.remora.e2e;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * weighted_clusters 80/20 over 10,000 requests lands within ±2 points; header_name pins the pick.
 * One proxy, a listener and two clusters and upstreams for each test.
 */
class WeightedSplitE2ETest {

    @RegisterExtension
    static final E2EStack stack = new E2EStack();
    static TestUpstream v1;
    static TestUpstream v2;
    static final Map<String, Integer> ports = Map.of("split", ProxyProcess.freePort(), "pick", ProxyProcess.freePort());

    @BeforeAll
    static void start() throws Exception {
        v1 = stack.upstream((ctx, req, n) -> TestUpstream.send(ctx, req, 200, "v1"));
        v2 = stack.upstream((ctx, req, n) -> TestUpstream.send(ctx, req, 200, "v2"));
        TestUpstream a = stack.upstream((ctx, req, n) -> TestUpstream.send(ctx, req, 200, "a"));
        TestUpstream b = stack.upstream((ctx, req, n) -> TestUpstream.send(ctx, req, 200, "b"));
        String listeners = Bootstraps.httpListener("split", "", "", """
                - match: { prefix: "/" }
                  route:
                    weighted_clusters:
                      clusters:
                      - name: v1
                        weight: 80
                        request_headers_to_add: [{ header: { key: x-picked, value: v1 } }]
                      - name: v2
                        weight: 20
                        request_headers_to_add: [{ header: { key: x-picked, value: v2 } }]
                """) + Bootstraps.httpListener("pick", "", "", """
                - match: { prefix: "/" }
                  route:
                    weighted_clusters:
                      header_name: x-pick
                      clusters:
                      - { name: a, weight: 3 }
                      - { name: b, weight: 1 }
                """);
        String clusters = String.join("\n", Bootstraps.cluster("v1", false, null, v1.port()),
                Bootstraps.cluster("v2", false, null, v2.port()), Bootstraps.cluster("a", false, null, a.port()),
                Bootstraps.cluster("b", false, null, b.port()));
        // 10,000 requests (±2 points is five standard deviations of an 80% share): paranoid leak
        // detection's stack trace per buffer touch would be most of the proxy's work; sampled
        // detection still reports leaks as LEAK: lines.
        stack.start(Bootstraps.listeners(stack.adminPort, listeners, clusters, ports),
                List.of("-Xmx256m", "-Dio.netty.leakDetection.level=simple"));
    }

    @Test
    void eightyTwentySplit() throws Exception {
        int port = ports.get("split");
        int total = 10_000;
        int[] counts = new int[2];
        // Four curls, each 2,500 requests in turn over its keep-alive connection, printing
        // every answer's body and status on a line: a fraction of the JDK client's cost per
        // request, so the proxy sets the pace.
        List<Process> curls = new ArrayList<>();
        for (int c = 0; c < 4; c++) {
            curls.add(new ProcessBuilder("curl", "-sS", "--max-time", "120", "-w", "%{http_code}\\n",
                    "http://127.0.0.1:" + port + "/split?[" + (c * total / 4 + 1) + "-" + ((c + 1) * total / 4) + "]")
                    .redirectErrorStream(true).start());
        }
        for (Process curl : curls) {
            String out = new String(curl.getInputStream().readAllBytes());
            assertTrue(curl.waitFor(120, TimeUnit.SECONDS), "curl is done");
            assertEquals(0, curl.exitValue(), out);
            for (String answer : out.split("\n")) {
                assertTrue(answer.equals("v1200") || answer.equals("v2200"), "a 200 from v1 or v2: " + answer);
                counts[answer.startsWith("v1") ? 0 : 1]++;
            }
        }
        double v1Share = 100.0 * counts[0] / total;
        assertTrue(Math.abs(v1Share - 80.0) <= 2.0, "v1 share " + v1Share + "% of " + total);
        assertEquals(total, counts[0] + counts[1]);
        assertEquals(counts[0], v1.requests.get());
        assertEquals(counts[1], v2.requests.get());
        // A weighted cluster's own request headers go with the pick.
        assertEquals("v1", v1.lastHeaders.get("x-picked"));
        assertEquals("v2", v2.lastHeaders.get("x-picked"));
    }

    /**
     * {@code header_name}: the request header's value replaces the random number, so a client
     * pins its member (value % total weight walks the members in order); a header that does not
     * parse, or is repeated, leaves the pick random.
     */
    @Test
    void headerNameGivesThePicksRandomValue() throws Exception {
        int port = ports.get("pick");
        for (int i = 0; i < 10; i++) {
            assertEquals("a", Curl.get(port, "/", "x-pick: 2").text(), "2 % 4 falls in a's [0, 3)");
            assertEquals("b", Curl.get(port, "/", "x-pick: 7").text(), "7 % 4 falls in b's [3, 4)");
            assertEquals("b", Curl.get(port, "/", "x-pick:  +11 ").text(), "SimpleAtoi's whitespace and sign");
        }
        java.util.Set<String> random = new java.util.HashSet<>();
        for (int i = 0; i < 60 && random.size() < 2; i++) {
            random.add(Curl.get(port, "/", "x-pick: 7", "x-pick: 7").text());
            random.add(Curl.get(port, "/", "x-pick: seven").text());
        }
        assertEquals(java.util.Set.of("a", "b"), random, "repeated or unparsable: the random pick");
    }
}
