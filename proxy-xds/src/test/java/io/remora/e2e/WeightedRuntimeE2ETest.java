package io.remora.e2e;

import io.remora.testing.TempPaths;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Set;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** WeightedCluster.runtime_key_prefix: {@code <prefix>.<cluster>} runtime values replace the weights. */
class WeightedRuntimeE2ETest {

    private static final String ROUTES = """
            - match: { prefix: "/" }
              route:
                weighted_clusters:
                  runtime_key_prefix: routing.split
                  clusters:
                  - { name: a, weight: 100 }
                  - { name: b, weight: 0 }
            """;

    @Test
    void runtimeKeysOverrideTheConfiguredWeights() throws Exception {
        try (TestUpstream a = TestUpstream.text("a"); TestUpstream b = TestUpstream.text("b")) {
            int admin = ProxyProcess.freePort();
            int port = ProxyProcess.freePort();
            String yaml = Bootstraps.http(admin, port, TempPaths.file("access", ".log").toString(), ROUTES,
                    Bootstraps.cluster("a", false, null, a.port()) + "\n" + Bootstraps.cluster("b", false, null, b.port()))
                    + """
                    layered_runtime:
                      layers: [{ name: admin, admin_layer: {} }]
                    """;
            try (ProxyProcess proxy = ProxyProcess.start(yaml, admin)) {
                HttpClient client = HttpClient.newHttpClient();
                assertEquals(Set.of("a"), answers(client, port), "the configured weights: all to a");
                modify(client, proxy, "routing.split.a=0&routing.split.b=1");
                assertEquals(Set.of("b"), answers(client, port), "the runtime's weights: all to b");
                // A key the runtime does not set keeps the member's configured weight.
                modify(client, proxy, "routing.split.b=0");
                modify(client, proxy, "routing.split.a=");
                assertEquals(Set.of("a"), answers(client, port), "a's key unset again: its weight 100");
            }
        }
    }

    private static Set<String> answers(HttpClient client, int port) throws Exception {
        Set<String> bodies = new TreeSet<>();
        for (int i = 0; i < 20; i++) {
            HttpResponse<String> r = client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/x" + i))
                    .timeout(java.time.Duration.ofSeconds(20)).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(200, r.statusCode());
            bodies.add(r.body());
        }
        return bodies;
    }

    private static void modify(HttpClient client, ProxyProcess proxy, String query) throws Exception {
        HttpResponse<String> r = client.send(HttpRequest.newBuilder(proxy.adminUri("/runtime_modify?" + query))
                .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode(), r.body());
    }
}
