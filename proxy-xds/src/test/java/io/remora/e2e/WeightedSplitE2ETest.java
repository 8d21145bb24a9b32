package io.remora.e2e;

import io.remora.testing.TempPaths;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** weighted_clusters 80/20 over 10,000 requests lands within ±2 points. */
class WeightedSplitE2ETest {

    @Test
    void eightyTwentySplit() throws Exception {
        try (TestUpstream v1 = TestUpstream.text("v1"); TestUpstream v2 = TestUpstream.text("v2")) {
            int admin = ProxyProcess.freePort();
            int port = ProxyProcess.freePort();
            String routes = """
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
                    """;
            String clusters = Bootstraps.cluster("v1", false, null, v1.port()) + "\n"
                    + Bootstraps.cluster("v2", false, null, v2.port());
            try (ProxyProcess proxy = ProxyProcess.start(Bootstraps.http(admin, port,
                    TempPaths.file("access", ".log").toString(), routes, clusters), admin)) {
                HttpClient client = HttpClient.newHttpClient();
                HttpRequest req = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/split")).build();
                int total = 10_000;
                int[] counts = new int[2];
                // Batches of concurrent requests over a few keep-alive connections.
                for (int sent = 0; sent < total; sent += 50) {
                    List<CompletableFuture<HttpResponse<String>>> batch = new ArrayList<>();
                    for (int i = 0; i < 50; i++) {
                        batch.add(client.sendAsync(req, HttpResponse.BodyHandlers.ofString()));
                    }
                    for (CompletableFuture<HttpResponse<String>> f : batch) {
                        HttpResponse<String> r = f.get();
                        assertEquals(200, r.statusCode());
                        counts[r.body().equals("v1") ? 0 : 1]++;
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
        }
    }

    /**
     * {@code header_name}: the request header's value replaces the random number, so a client
     * pins its member (value % total weight walks the members in order); a header that does not
     * parse, or is repeated, leaves the pick random.
     */
    @Test
    void headerNameGivesThePicksRandomValue() throws Exception {
        try (TestUpstream a = TestUpstream.text("a"); TestUpstream b = TestUpstream.text("b")) {
            int admin = ProxyProcess.freePort();
            int port = ProxyProcess.freePort();
            String routes = """
                    - match: { prefix: "/" }
                      route:
                        weighted_clusters:
                          header_name: x-pick
                          clusters:
                          - { name: a, weight: 3 }
                          - { name: b, weight: 1 }
                    """;
            String clusters = Bootstraps.cluster("a", false, null, a.port()) + "\n"
                    + Bootstraps.cluster("b", false, null, b.port());
            try (ProxyProcess proxy = ProxyProcess.start(Bootstraps.http(admin, port,
                    TempPaths.file("access", ".log").toString(), routes, clusters), admin)) {
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
    }
}
