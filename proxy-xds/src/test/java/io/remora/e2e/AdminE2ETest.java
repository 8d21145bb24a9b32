package io.remora.e2e;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.remora.testing.TempPaths;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The admin endpoints an Envoy operator reaches for, against a running proxy. */
class AdminE2ETest {

    private static final HttpClient CLIENT = HttpClient.newHttpClient();

    private static HttpResponse<String> send(String method, URI uri, String form) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(uri).timeout(java.time.Duration.ofSeconds(20));
        if (form != null) {
            b.header("content-type", "application/x-www-form-urlencoded");
        }
        b.method(method, form == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(form));
        return CLIENT.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static HttpResponse<String> get(int port, String path) throws Exception {
        return send("GET", URI.create("http://127.0.0.1:" + port + path), null);
    }

    @RegisterExtension
    static final E2EStack stack = new E2EStack();
    /**
     * The proxy of the tests that only read or switch on admin state of their own: no layered
     * runtime, a listener to "up" and one more static cluster, "other".
     */
    static ProxyProcess shared;

    @BeforeAll
    static void start() throws Exception {
        TestUpstream up = stack.upstream((ctx, req, n) -> TestUpstream.send(ctx, req, 200, "ok"));
        shared = stack.start(stack.http(TempPaths.file("access", ".log").toString(),
                "- match: { prefix: \"/\" }\n  route: { cluster: up }",
                Bootstraps.cluster("up", false, null, up.port()) + "\n" + Bootstraps.cluster("other", false, null, up.port())));
    }

    private static final String LAYERED_RUNTIME = """
            layered_runtime:
              layers:
              - name: static
                static_layer:
                  canary:
                    percent: 0
                  health_check: { min_interval: 5 }
              - name: admin
                admin_layer: {}
            """;

    @Test
    void runtimeLayersShowModifyAndSteerRuntimeFractionRoutes() throws Exception {
        try (TestUpstream stable = TestUpstream.text("stable"); TestUpstream canary = TestUpstream.text("canary")) {
            int admin = ProxyProcess.freePort();
            int port = ProxyProcess.freePort();
            Path log = TempPaths.file("access", ".log");
            String routes = """
                    - match:
                        prefix: "/"
                        runtime_fraction:
                          default_value: { numerator: 0, denominator: HUNDRED }
                          runtime_key: canary.percent
                      route: { cluster: canary }
                    - match: { prefix: "/" }
                      route: { cluster: stable }
                    """;
            String yaml = Bootstraps.http(admin, port, log.toString(), routes,
                    Bootstraps.cluster("canary", false, null, canary.port()) + "\n"
                            + Bootstraps.cluster("stable", false, null, stable.port())) + LAYERED_RUNTIME;
            try (ProxyProcess proxy = ProxyProcess.start(yaml, admin)) {
                JsonObject rt = JsonParser.parseString(proxy.admin("/runtime")).getAsJsonObject();
                assertEquals(List.of("static", "admin"), strings(rt.getAsJsonArray("layers")));
                JsonObject entry = rt.getAsJsonObject("entries").getAsJsonObject("health_check.min_interval");
                assertEquals("5", entry.get("final_value").getAsString());
                assertEquals(List.of("5", ""), strings(entry.getAsJsonArray("layer_values")));
                for (int i = 0; i < 5; i++) {
                    assertEquals("stable", get(port, "/").body(), "canary.percent is 0");
                }

                HttpResponse<String> viaGet = get(admin, "/runtime_modify?canary.percent=100");
                assertEquals(405, viaGet.statusCode(), "mutations need POST");
                HttpResponse<String> set = send("POST", proxy.adminUri("/runtime_modify?canary.percent=100"), null);
                assertEquals(200, set.statusCode());
                assertEquals("OK\n", set.body());
                for (int i = 0; i < 5; i++) {
                    assertEquals("canary", get(port, "/").body(), "canary.percent is now 100");
                }
                JsonObject after = JsonParser.parseString(proxy.admin("/runtime")).getAsJsonObject()
                        .getAsJsonObject("entries").getAsJsonObject("canary.percent");
                assertEquals(List.of("0", "100"), strings(after.getAsJsonArray("layer_values")));
                assertEquals("100", after.get("final_value").getAsString());

                // Form values work too; an empty value removes the override.
                HttpResponse<String> clear = send("POST", proxy.adminUri("/runtime_modify"), "canary.percent=");
                assertEquals(200, clear.statusCode());
                assertEquals("stable", get(port, "/").body());
                assertEquals(400, send("POST", proxy.adminUri("/runtime_modify"), null).statusCode());
                assertTrue(proxy.admin("/stats").contains("runtime.admin_overrides_active: 0"), proxy.admin("/stats"));
            }
        }
    }

    @Test
    void withoutLayeredRuntimeRuntimeModifyIs503() throws Exception {
        ProxyProcess proxy = shared;
        HttpResponse<String> r = send("POST", proxy.adminUri("/runtime_modify?a=b"), null);
        assertEquals(503, r.statusCode());
        assertEquals("No admin layer specified", r.body());
        JsonObject rt = JsonParser.parseString(proxy.admin("/runtime")).getAsJsonObject();
        assertEquals(0, rt.getAsJsonArray("layers").size());
    }

    @Test
    void clustersShowPerHostCountersAndResetCountersZeroesCounters() throws Exception {
        try (TestUpstream up = TestUpstream.start((ctx, req, n) ->
                TestUpstream.send(ctx, req, req.uri().startsWith("/fail") ? 503 : 200, "x"))) {
            int admin = ProxyProcess.freePort();
            int port = ProxyProcess.freePort();
            int dead = ProxyProcess.freePort();
            Path log = TempPaths.file("access", ".log");
            String routes = """
                    - match: { prefix: "/dead" }
                      route: { cluster: dead }
                    - match: { prefix: "/" }
                      route: { cluster: up }
                    """;
            String yaml = Bootstraps.http(admin, port, log.toString(), routes,
                    Bootstraps.cluster("up", false, null, up.port()) + "\n" + Bootstraps.cluster("dead", false, null, dead));
            try (ProxyProcess proxy = ProxyProcess.start(yaml, admin)) {
                for (int i = 0; i < 3; i++) {
                    assertEquals(200, get(port, "/ok").statusCode());
                }
                assertEquals(503, get(port, "/fail").statusCode());
                assertEquals(503, get(port, "/dead").statusCode());
                String clusters = proxy.admin("/clusters");
                String host = "up::127.0.0.1:" + up.port() + "::";
                for (String line : List.of("cx_active::1", "cx_connect_fail::0", "cx_total::1", "rq_active::0",
                        "rq_error::1", "rq_success::3", "rq_timeout::0", "rq_total::4", "hostname::",
                        "health_flags::healthy", "weight::1", "region::", "zone::", "sub_zone::", "canary::false",
                        "priority::0", "success_rate::-1", "local_origin_success_rate::-1")) {
                    assertTrue(clusters.contains(host + line + "\n"), line + " in\n" + clusters);
                }
                assertTrue(clusters.contains("dead::127.0.0.1:" + dead + "::cx_connect_fail::1\n"), clusters);
                assertTrue(clusters.contains("up::added_via_api::false\n"), clusters);
                // Envoy's order: the host's stats by name, then its description.
                assertTrue(clusters.indexOf(host + "cx_active") < clusters.indexOf(host + "rq_total")
                        && clusters.indexOf(host + "rq_total") < clusters.indexOf(host + "hostname"), clusters);

                JsonObject json = JsonParser.parseString(proxy.admin("/clusters?format=json")).getAsJsonObject();
                JsonObject upStatus = null;
                for (var c : json.getAsJsonArray("cluster_statuses")) {
                    if (c.getAsJsonObject().get("name").getAsString().equals("up")) {
                        upStatus = c.getAsJsonObject();
                    }
                }
                JsonArray stats = upStatus.getAsJsonArray("host_statuses").get(0).getAsJsonObject().getAsJsonArray("stats");
                boolean sawTotal = false;
                for (var s : stats) {
                    if (s.getAsJsonObject().get("name").getAsString().equals("rq_total")) {
                        assertEquals("4", s.getAsJsonObject().get("value").getAsString());
                        sawTotal = true;
                    }
                }
                assertTrue(sawTotal, stats.toString());

                String sample = "envoy_cluster_upstream_rq_total{envoy_cluster_name=\"up\"}";
                assertEquals(4.0, proxy.metric(sample));
                assertEquals(405, get(admin, "/reset_counters").statusCode());
                HttpResponse<String> reset = send("POST", proxy.adminUri("/reset_counters"), null);
                assertEquals(200, reset.statusCode());
                assertEquals("OK\n", reset.body());
                assertEquals(0.0, proxy.metric(sample));
                assertTrue(proxy.admin("/stats").contains("cluster.up.upstream_rq_total: 0\n"));
                assertEquals(200, get(port, "/ok").statusCode());
                assertEquals(1.0, proxy.metric(sample));
            }
        }
    }

    @Test
    void smallEndpointsAnswerAsEnvoys() throws Exception {
        ProxyProcess proxy = shared;
        assertEquals("disabled", proxy.admin("/hot_restart_version"));
        assertEquals("{}", proxy.admin("/init_dump").strip());
        String lookups = proxy.admin("/stats/recentlookups");
        assertTrue(lookups.startsWith("Lookup tracking is not enabled."), lookups);
        assertEquals(200, send("POST", proxy.adminUri("/stats/recentlookups/enable"), null).statusCode());
        assertTrue(proxy.admin("/stats/recentlookups").startsWith("   Count Lookup\n"));
        String help = proxy.admin("/help");
        for (String p : List.of("/runtime", "/init_dump", "/stats/recentlookups", "/hot_restart_version")) {
            assertTrue(help.contains("  " + p + ": "), p + " in " + help);
        }
        for (String p : List.of("/runtime_modify", "/reset_counters")) {
            assertTrue(help.contains("  " + p + " (POST): "), p + " in " + help);
        }
    }

    @Test
    void configDumpResourceMaskAndErrors() throws Exception {
        ProxyProcess proxy = shared;
        int admin = stack.adminPort;
        JsonObject all = JsonParser.parseString(proxy.admin("/config_dump")).getAsJsonObject();
        List<String> types = new java.util.ArrayList<>();
        all.getAsJsonArray("configs").forEach(c -> types.add(c.getAsJsonObject().get("@type").getAsString()));
        assertFalse(types.stream().anyMatch(t -> t.endsWith("EndpointsConfigDump")), "EDS only with include_eds: " + types);
        JsonObject withEds = JsonParser.parseString(proxy.admin("/config_dump?include_eds")).getAsJsonObject();
        assertTrue(withEds.toString().contains("EndpointsConfigDump"));

        JsonObject clusters = JsonParser.parseString(proxy.admin("/config_dump?resource=static_clusters"))
                .getAsJsonObject();
        JsonArray configs = clusters.getAsJsonArray("configs");
        assertEquals(2, configs.size(), configs.toString());
        JsonObject first = configs.get(0).getAsJsonObject();
        assertEquals("type.googleapis.com/envoy.admin.v3.ClustersConfigDump.StaticCluster",
                first.get("@type").getAsString());
        assertEquals("up", first.getAsJsonObject("cluster").get("name").getAsString());

        JsonObject masked = JsonParser.parseString(
                proxy.admin("/config_dump?resource=static_clusters&mask=cluster.name")).getAsJsonObject();
        JsonObject c0 = masked.getAsJsonArray("configs").get(0).getAsJsonObject();
        assertFalse(c0.has("last_updated"), c0.toString());
        JsonObject cl = c0.getAsJsonObject("cluster");
        assertEquals("up", cl.get("name").getAsString());
        assertFalse(cl.has("connect_timeout"), cl.toString());

        JsonObject named = JsonParser.parseString(
                proxy.admin("/config_dump?resource=static_clusters&name_regex=oth.*")).getAsJsonObject();
        assertEquals(1, named.getAsJsonArray("configs").size());

        JsonObject maskOnly = JsonParser.parseString(proxy.admin("/config_dump?mask=static_clusters"))
                .getAsJsonObject();
        for (var c : maskOnly.getAsJsonArray("configs")) {
            JsonObject o = c.getAsJsonObject();
            String t = o.get("@type").getAsString();
            if (t.endsWith("ClustersConfigDump")) {
                assertEquals(2, o.getAsJsonArray("static_clusters").size());
                assertFalse(o.has("version_info"));
            } else {
                assertEquals(1, o.size(), "other dumps are empty under the mask: " + o);
            }
        }

        HttpResponse<String> missing = get(admin, "/config_dump?resource=no_such_field");
        assertEquals(404, missing.statusCode());
        HttpResponse<String> notRepeated = get(admin, "/config_dump?resource=version_info");
        assertEquals(400, notRepeated.statusCode());
        assertTrue(notRepeated.body().contains("is not a repeated field"), notRepeated.body());
        assertEquals(400, get(admin, "/config_dump?name_regex=(").statusCode());
    }

    @Test
    void statsMatcherInclusionListDecidesWhichStatsExist() throws Exception {
        try (TestUpstream up = TestUpstream.text("ok")) {
            int admin = ProxyProcess.freePort();
            int port = ProxyProcess.freePort();
            Path log = TempPaths.file("access", ".log");
            String yaml = Bootstraps.http(admin, port, log.toString(),
                    "- match: { prefix: \"/\" }\n  route: { cluster: keep }",
                    Bootstraps.cluster("keep", false, null, up.port()) + "\n" + Bootstraps.cluster("drop", false, null, up.port()))
                    + """
                    stats_config:
                      use_all_default_tags: false
                      stats_tags:
                      - { tag_name: cluster_name, regex: "^cluster\\\\.((.+?)\\\\.)" }
                      stats_matcher:
                        inclusion_list:
                          patterns:
                          - prefix: server
                          - prefix: cluster.keep.
                          - safe_regex: { regex: "listener_manager\\\\..*" }
                    """;
            try (ProxyProcess proxy = ProxyProcess.start(yaml, admin)) {
                assertEquals(200, get(port, "/").statusCode());
                String prom = proxy.admin("/stats/prometheus");
                // stats_tags apply: Istio-style label names instead of Envoy's defaults.
                assertTrue(prom.contains("envoy_cluster_upstream_rq_total{cluster_name=\"keep\"} 1"), prom);
                assertFalse(prom.contains("cluster_name=\"drop\""), prom);
                assertFalse(prom.contains("envoy_http_downstream_rq_total"), "http.* is not included");
                assertTrue(prom.contains("envoy_server_live 1"), prom);
                assertTrue(prom.contains("envoy_listener_manager_workers_started"), prom);
                String text = proxy.admin("/stats");
                assertTrue(text.contains("cluster.keep.upstream_rq_total: 1"), text);
                assertFalse(text.contains("cluster.drop."), text);
            }
        }
    }

    private static List<String> strings(JsonArray a) {
        List<String> out = new java.util.ArrayList<>();
        a.forEach(e -> out.add(e.getAsString()));
        return out;
    }
}
