package io.remora.e2e;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.remora.testing.TempPaths;
import io.remora.xds.TestResources;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The bootstrap's {@code stats_config} as pilot-agent writes it (Istio's stats_tags with
 * use_all_default_tags false, its inclusion list with one more prefix for the test's cluster),
 * plus histogram_bucket_settings: /stats/prometheus carries Istio's label names and the custom
 * buckets, excluded stats are nowhere, /stats keeps the dotted names and filters with RE2.
 */
class StatsConfigE2ETest {

    private static String bootstrap(int admin, int port, int upstream) throws Exception {
        JsonObject stats = JsonParser.parseString(TestResources.text("istio/bootstrap-default.json")).getAsJsonObject()
                .getAsJsonObject("stats_config").deepCopy();
        JsonArray patterns = stats.getAsJsonObject("stats_matcher").getAsJsonObject("inclusion_list")
                .getAsJsonArray("patterns");
        JsonObject prefix = new JsonObject();
        prefix.addProperty("prefix", "cluster.up;");
        patterns.add(prefix);
        String yaml = Bootstraps.http(admin, port, TempPaths.file("access", ".log").toString(),
                "- match: { prefix: \"/\" }\n  route: { cluster: up }",
                Bootstraps.cluster("up", false, "  alt_stat_name: \"up;\"\n", upstream));
        return yaml + "stats_config: " + stats + "\n"
                + "stats_config_buckets_placeholder: {}\n";
    }

    private static String withBuckets(String yaml) {
        // histogram_bucket_settings goes inside stats_config's JSON object.
        int at = yaml.indexOf("stats_config: {") + "stats_config: {".length();
        yaml = yaml.substring(0, at) + "\"histogram_bucket_settings\":[{\"match\":{\"prefix\":\"cluster.up;.upstream_rq_time\"},"
                + "\"buckets\":[100000,1,10]}]," + yaml.substring(at);
        return yaml.replace("stats_config_buckets_placeholder: {}\n", "");
    }

    private static HttpResponse<String> get(String url) throws Exception {
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(url)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void istioTagsInclusionListAndBucketsShapeTheAdminOutput() throws Exception {
        try (TestUpstream up = TestUpstream.text("ok")) {
            int admin = ProxyProcess.freePort();
            int port = ProxyProcess.freePort();
            try (ProxyProcess proxy = ProxyProcess.start(withBuckets(bootstrap(admin, port, up.port())), admin)) {
                for (int i = 0; i < 3; i++) {
                    assertEquals(200, get("http://127.0.0.1:" + port + "/x").statusCode());
                }
                String prom = proxy.admin("/stats/prometheus");
                assertTrue(prom.contains("envoy_cluster_upstream_rq{cluster_name=\"up\",response_code=\"200\"} 3\n"), prom);
                assertTrue(prom.contains("envoy_cluster_upstream_rq{cluster_name=\"up\",response_code_class=\"2xx\"} 3\n"), prom);
                assertTrue(prom.contains("envoy_cluster_upstream_rq_total{cluster_name=\"up\"} 3\n"), prom);
                assertTrue(prom.contains("envoy_cluster_upstream_rq_time_bucket{cluster_name=\"up\",le=\"1\"}"), prom);
                assertTrue(prom.contains("envoy_cluster_upstream_rq_time_bucket{cluster_name=\"up\",le=\"100000\"}"), prom);
                assertTrue(prom.contains("envoy_cluster_upstream_rq_time_count{cluster_name=\"up\"} 3\n"), prom);
                assertFalse(prom.contains("envoy_cluster_upstream_rq_time_bucket{cluster_name=\"up\",le=\"0.5\"}"),
                        "the cluster's histogram has only the configured buckets");
                // cluster.up;.external.upstream_rq_time is outside the setting's prefix: Envoy's buckets.
                assertTrue(prom.contains("envoy_cluster_external_upstream_rq_time_bucket{cluster_name=\"up\",le=\"0.5\"}"), prom);
                assertFalse(prom.contains("envoy_cluster_name"), "no default label names with use_all_default_tags false");
                // Not in the inclusion list: never created.
                assertFalse(prom.contains("envoy_http_downstream_rq_total"), prom);
                assertFalse(prom.contains("downstream_cx_total"), prom);
                assertTrue(prom.contains("envoy_server_live 1\n"), prom);

                String text = proxy.admin("/stats");
                assertTrue(text.contains("cluster.up;.upstream_rq_200: 3\n"), text);
                assertFalse(text.contains("http.ingress."), text);
                // RE2 syntax (a (?P<name>) group, which java.util.regex rejects) is accepted...
                String filter = URLEncoder.encode("^cluster\\.(?P<c>up);\\.upstream_rq_2", StandardCharsets.UTF_8);
                HttpResponse<String> r = get("http://127.0.0.1:" + admin + "/stats?filter=" + filter);
                assertEquals(200, r.statusCode(), r.body());
                assertEquals("cluster.up;.upstream_rq_200: 3\ncluster.up;.upstream_rq_2xx: 3\n", r.body());
                // ... and look-ahead, which RE2 lacks, is a 400.
                r = get("http://127.0.0.1:" + admin + "/stats/prometheus?filter="
                        + URLEncoder.encode("cluster(?=\\.)", StandardCharsets.UTF_8));
                assertEquals(400, r.statusCode(), r.body());
                assertTrue(r.body().startsWith("Invalid re2 regex"), r.body());
                // ?histogram_buckets= over the configured bounds, in Envoy's {:g} form: B1 B10 B100000.
                r = get("http://127.0.0.1:" + admin + "/stats?histogram_buckets=cumulative&filter="
                        + URLEncoder.encode("^cluster\\.up;\\.upstream_rq_time$", StandardCharsets.UTF_8));
                assertTrue(r.body().matches("cluster\\.up;\\.upstream_rq_time: B1\\(0,\\d\\) B10\\(0,\\d\\)"
                        + " B100000\\(0,3\\)\n"), r.body());
            }
        }
    }
}
