package io.remora.admin;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.remora.config.Address;
import io.remora.log.Logging;
import io.remora.stats.PromtoolSupport;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class AdminServerTest {

    private static final HttpClient CLIENT = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    private TestAdminContext ctx;
    private AdminServer admin;

    @BeforeEach
    void start() throws Exception {
        ctx = new TestAdminContext();
        ctx.state.initialized();
        admin = new AdminServer(ctx, new Address.Tcp("127.0.0.1", 0)).start();
    }

    @AfterEach
    void stop() {
        admin.close();
        Logging.setAll(Level.INFO);
    }

    private HttpResponse<String> get(String path) throws Exception {
        return send("GET", path);
    }

    private HttpResponse<String> post(String path) throws Exception {
        return send("POST", path);
    }

    private HttpResponse<String> send(String method, String path) throws Exception {
        HttpRequest req = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + admin.port() + path))
                .method(method, HttpRequest.BodyPublishers.noBody()).build();
        return CLIENT.send(req, HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void readyFollowsServerStateAndHealthcheckEndpoints() throws Exception {
        HttpResponse<String> r = get("/ready");
        assertEquals(200, r.statusCode());
        assertEquals("LIVE\n", r.body());
        // As Envoy's admin (its own connection manager): server and date on every response.
        assertEquals("envoy", r.headers().firstValue("server").orElse(null));
        assertTrue(r.headers().firstValue("date").orElse("").endsWith(" GMT"), r.headers().toString());

        r = post("/healthcheck/fail");
        assertEquals(200, r.statusCode());
        assertEquals("OK\n", r.body());
        r = get("/ready");
        assertEquals(503, r.statusCode());
        assertEquals("DRAINING\n", r.body());
        assertTrue(get("/stats/prometheus").body().contains("\nenvoy_server_live 0\n"));
        assertTrue(get("/stats").body().contains("server.state: 1\n"));

        assertEquals(200, post("/healthcheck/ok").statusCode());
        assertEquals("LIVE\n", get("/ready").body());
        assertTrue(get("/stats/prometheus").body().contains("\nenvoy_server_live 1\n"));
    }

    @Test
    void notReadyWhileInitializing() throws Exception {
        admin.close();
        ctx = new TestAdminContext();
        admin = new AdminServer(ctx, new Address.Tcp("127.0.0.1", 0)).start();
        HttpResponse<String> r = get("/ready");
        assertEquals(503, r.statusCode());
        assertEquals("INITIALIZING\n", r.body());
    }

    @Test
    void mutatingEndpointsRequirePost() throws Exception {
        for (String path : new String[]{"/healthcheck/fail", "/healthcheck/ok", "/quitquitquit", "/logging",
                "/reopen_logs"}) {
            HttpResponse<String> r = get(path);
            assertEquals(405, r.statusCode(), path);
            assertEquals("Method GET not allowed, POST required.", r.body(), path);
        }
        assertEquals("LIVE\n", get("/ready").body());
        assertEquals(1, ctx.quit.getCount());
        assertEquals(0, ctx.reopened);
        assertEquals(405, send("PUT", "/healthcheck/fail").statusCode());
    }

    @Test
    void quitquitquitCallsQuitAfterReplying() throws Exception {
        HttpResponse<String> r = post("/quitquitquit");
        assertEquals(200, r.statusCode());
        assertEquals("OK\n", r.body());
        assertTrue(ctx.quit.await(10, TimeUnit.SECONDS));
    }

    @Test
    void serverInfo() throws Exception {
        HttpResponse<String> r = get("/server_info");
        assertEquals(200, r.statusCode());
        assertEquals("application/json", r.headers().firstValue("content-type").orElse(""));
        JsonObject o = JsonParser.parseString(r.body()).getAsJsonObject();
        assertEquals("remora/0.1.0-SNAPSHOT/RELEASE", o.get("version").getAsString());
        assertEquals("LIVE", o.get("state").getAsString());
        assertEquals("disabled", o.get("hot_restart_version").getAsString());
        assertTrue(o.get("uptime_current_epoch").getAsString().matches("\\d+s"), r.body());
        assertTrue(o.get("uptime_all_epochs").getAsString().matches("\\d+s"), r.body());
        assertEquals(2, o.getAsJsonObject("command_line_options").get("concurrency").getAsInt());
        assertEquals("45s", o.getAsJsonObject("command_line_options").get("drain_time").getAsString());
        JsonObject node = o.getAsJsonObject("node");
        assertEquals("sidecar~10.0.0.9~reviews-v1.default~default.svc.cluster.local", node.get("id").getAsString());
        assertEquals("1.24.0", node.getAsJsonObject("metadata").get("ISTIO_VERSION").getAsString());
        assertEquals("us-east1", node.getAsJsonObject("locality").get("region").getAsString());
        post("/healthcheck/fail");
        assertEquals("DRAINING", JsonParser.parseString(get("/server_info").body()).getAsJsonObject()
                .get("state").getAsString());
    }

    @Test
    void statsTextJsonFilterAndPrometheus() throws Exception {
        HttpResponse<String> r = get("/stats");
        assertEquals(200, r.statusCode());
        assertTrue(r.headers().firstValue("content-type").orElse("").startsWith("text/plain"));
        String c = "cluster.outbound|8080||reviews.default.svc.cluster.local.";
        assertTrue(r.body().contains(c + "upstream_rq_total: 5\n"), r.body());
        assertTrue(r.body().contains(c + "upstream_rq_2xx: 1\n"), r.body());
        assertTrue(r.body().contains("http.inbound_0.0.0.0_9080.downstream_rq_total: 2\n"), r.body());

        r = get("/stats?filter=upstream_rq_total");
        assertTrue(r.body().contains(c + "upstream_rq_total: 5\n"), r.body());
        assertFalse(r.body().contains("server.live"), r.body());
        assertEquals(400, get("/stats?filter=%28unclosed").statusCode());

        r = get("/stats?usedonly");
        assertTrue(r.body().contains(c + "upstream_rq_total: 5\n"), r.body());
        assertFalse(r.body().contains("upstream_rq_retry:"), r.body());

        r = get("/stats?format=json");
        assertEquals("application/json", r.headers().firstValue("content-type").orElse(""));
        JsonArray stats = JsonParser.parseString(r.body()).getAsJsonObject().getAsJsonArray("stats");
        boolean found = false;
        for (var e : stats) {
            JsonObject s = e.getAsJsonObject();
            if (s.has("name") && s.get("name").getAsString().equals(c + "upstream_rq_total")) {
                assertEquals(5, s.get("value").getAsLong());
                found = true;
            }
        }
        assertTrue(found, r.body());

        r = get("/stats/prometheus");
        assertEquals(200, r.statusCode());
        assertEquals("text/plain; version=0.0.4; charset=utf-8", r.headers().firstValue("content-type").orElse(""));
        String cl = "envoy_cluster_name=\"outbound|8080||reviews.default.svc.cluster.local\"";
        for (String needle : new String[]{
                "envoy_cluster_upstream_rq_total{" + cl + "} 5\n",
                "envoy_cluster_upstream_rq_xx{" + cl + ",envoy_response_code_class=\"2\"} 1\n",
                "envoy_cluster_upstream_rq_time_bucket{" + cl + ",le=\"25\"} 1\n",
                "envoy_cluster_upstream_rq_time_count{" + cl + "} 1\n",
                "envoy_cluster_upstream_cx_active{" + cl + "} 0\n",
                "envoy_cluster_upstream_rq_retry{" + cl + "} 0\n",
                "envoy_cluster_upstream_rq_timeout{" + cl + "} 0\n",
                "envoy_http_downstream_rq_total{envoy_http_conn_manager_prefix=\"inbound_0.0.0.0_9080\"} 2\n",
                "envoy_http_downstream_cx_active{envoy_http_conn_manager_prefix=\"inbound_0.0.0.0_9080\"} 0\n",
                "envoy_listener_downstream_cx_total{envoy_listener_address=\"0.0.0.0_15006\"} 1\n",
                "envoy_server_live 1\n"}) {
            assertTrue(r.body().contains(needle), needle + " in\n" + r.body());
        }
        PromtoolSupport.Result check = PromtoolSupport.check(r.body());
        assertEquals(0, check.exitCode(), check.output());
        assertEquals(get("/stats/prometheus").body().length(), get("/stats?format=prometheus").body().length());
    }

    @Test
    void statsTypeAndParameterErrorsAsEnvoysStatsParams() throws Exception {
        // Envoy's StatsParams::parse: type= lists one kind; bad parameters are 400 with its words.
        String c = "cluster.outbound|8080||reviews.default.svc.cluster.local.";
        String counters = get("/stats?type=Counters").body();
        assertTrue(counters.contains(c + "upstream_rq_total: 5\n"), counters);
        assertFalse(counters.contains("server.state"), counters);
        assertFalse(counters.contains("upstream_rq_time:"), counters);
        String gauges = get("/stats?type=Gauges&filter=server").body();
        assertTrue(gauges.contains("server.state: 0\n"), gauges);
        assertFalse(gauges.contains("upstream_rq_total"), gauges);
        String histograms = get("/stats?type=Histograms").body();
        assertTrue(histograms.contains(c + "upstream_rq_time: P0("), histograms);
        assertFalse(histograms.contains("server.state"), histograms);
        assertFalse(get("/stats?type=TextReadouts").body().contains("server.state"));
        String json = get("/stats?type=Counters&format=json").body();
        assertTrue(json.contains(c + "upstream_rq_total"), json);
        assertFalse(json.contains("histograms") || json.contains("server.state"), json);
        assertTrue(get("/stats?type=All").body().contains("server.state: 0\n"));

        HttpResponse<String> r = get("/stats?type=counters");
        assertEquals(400, r.statusCode());
        assertEquals("invalid &type= param", r.body());
        r = get("/stats?filter=%28unclosed");
        assertEquals(400, r.statusCode());
        assertEquals("Invalid re2 regex", r.body());
        r = get("/stats?histogram_buckets=invalid_input");
        assertEquals(400, r.statusCode());
        assertEquals("usage: /stats?histogram_buckets=(cumulative|disjoint|detailed|summary)\n", r.body());
        r = get("/stats?format=xml");
        assertEquals(400, r.statusCode());
        assertEquals("usage: /stats?format=(html|active-html|json|prometheus|text)\n\n", r.body());
    }

    @Test
    void histogramBucketsModesAsEnvoysStatsRender() throws Exception {
        // Envoy's StatsTextRender / StatsJsonRender per ?histogram_buckets=, over its default buckets; Remora has
        // no interval histograms, so every interval count is 0. One value of 12 ms was recorded.
        String c = "cluster.outbound|8080||reviews.default.svc.cluster.local.upstream_rq_time";
        String q = "&filter=%5Ecluster%5C..*upstream_rq_time%24";
        String b = ": B0.5(0,0) B1(0,0) B5(0,0) B10(0,0) B25(0,%d) B50(0,%2$d) B100(0,%2$d) B250(0,%2$d) B500(0,%2$d)"
                + " B1000(0,%2$d) B2500(0,%2$d) B5000(0,%2$d) B10000(0,%2$d) B30000(0,%2$d) B60000(0,%2$d)"
                + " B300000(0,%2$d) B600000(0,%2$d) B1.8e+06(0,%2$d) B3.6e+06(0,%2$d)\n";
        String unused = "cluster.blackhole.upstream_rq_time: No recorded values\n";
        assertEquals(unused + c + String.format(b, 1, 1), get("/stats?histogram_buckets=cumulative" + q).body());
        assertEquals(unused + c + String.format(b, 1, 0), get("/stats?histogram_buckets=disjoint" + q).body());
        String summary = get("/stats?histogram_buckets=summary" + q).body();
        assertEquals(get("/stats?" + q.substring(1)).body(), summary);
        assertEquals(summary, get("/stats?histogram_buckets=none" + q).body());
        String quantiles = summary.substring(summary.indexOf(c) + c.length() + 2, summary.length() - 1);
        assertTrue(quantiles.startsWith("P0(nan,10) P25(nan,"), quantiles);
        assertEquals(unused + c + ":\n  totals=10,15:1\n  intervals=\n  summary=" + quantiles + "\n",
                get("/stats?histogram_buckets=detailed" + q).body());

        JsonObject cumulative = histograms(get("/stats?format=json&usedonly&histogram_buckets=cumulative" + q));
        JsonArray buckets = cumulative.getAsJsonArray("histograms").get(0).getAsJsonObject().getAsJsonArray("buckets");
        assertEquals(19, buckets.size());
        assertEquals("{\"upper_bound\":10,\"interval\":0,\"cumulative\":0}", buckets.get(3).toString());
        assertEquals("{\"upper_bound\":25,\"interval\":0,\"cumulative\":1}", buckets.get(4).toString());
        assertEquals("{\"upper_bound\":3600000,\"interval\":0,\"cumulative\":1}", buckets.get(18).toString());
        JsonArray disjoint = histograms(get("/stats?format=json&histogram_buckets=disjoint" + q))
                .getAsJsonArray("histograms");
        assertEquals(2, disjoint.size(), "an unused histogram is listed with empty buckets, as Envoy's");
        assertEquals(c, disjoint.get(1).getAsJsonObject().get("name").getAsString());
        JsonArray d = disjoint.get(1).getAsJsonObject().getAsJsonArray("buckets");
        assertEquals(1, d.get(4).getAsJsonObject().get("cumulative").getAsInt());
        assertEquals(0, d.get(5).getAsJsonObject().get("cumulative").getAsInt());
        JsonObject detailed = histograms(get("/stats?format=json&usedonly&histogram_buckets=detailed" + q))
                .getAsJsonObject("histograms");
        assertEquals("[0,25,50,75,90,95,99,99.5,99.9,100]", detailed.get("supported_percentiles").toString());
        JsonObject detail = detailed.getAsJsonArray("details").get(0).getAsJsonObject();
        assertEquals(c, detail.get("name").getAsString());
        assertEquals("[{\"lower_bound\":10,\"width\":15,\"count\":1}]", detail.get("totals").toString());
        assertEquals("[]", detail.get("intervals").toString());
        assertEquals(10, detail.getAsJsonArray("percentiles").size());
        assertTrue(detail.getAsJsonArray("percentiles").get(0).getAsJsonObject().get("interval").isJsonNull());
        assertEquals(10, detail.getAsJsonArray("percentiles").get(0).getAsJsonObject().get("cumulative").getAsDouble());
        assertTrue(histograms(get("/stats?format=json&histogram_buckets=none" + q)).getAsJsonObject("histograms")
                .has("computed_quantiles"));
    }

    /** The histograms' entry of a {@code /stats?format=json} answer (the last of its stats array). */
    private static JsonObject histograms(HttpResponse<String> r) {
        assertEquals(200, r.statusCode(), r.body());
        JsonArray stats = JsonParser.parseString(r.body()).getAsJsonObject().getAsJsonArray("stats");
        return stats.get(stats.size() - 1).getAsJsonObject();
    }

    @Test
    void prometheusTextReadoutsAsEnvoysGaugeWithTextValue() throws Exception {
        // Envoy's generateTextReadoutOutput: only with ?text_readouts, a gauge of 1 carrying the text as a label.
        io.remora.stats.TextReadout id = io.remora.stats.TextReadout.register(ctx.stats.meterRegistry(),
                "envoy_control_plane_identifier", List.of());
        id.set("istiod-\"1\"");
        assertFalse(get("/stats/prometheus").body().contains("identifier"));
        String prom = get("/stats/prometheus?text_readouts").body();
        assertTrue(prom.contains("# TYPE envoy_control_plane_identifier gauge\n"
                + "envoy_control_plane_identifier{text_value=\"istiod-\\\"1\\\"\"} 1\n"), prom);
        assertEquals("envoy_control_plane_identifier{text_value=\"istiod-\\\"1\\\"\"} 1\n",
                get("/stats/prometheus?text_readouts&filter=identifier").body().lines()
                        .filter(l -> !l.startsWith("#")).map(l -> l + "\n").reduce("", String::concat));
        PromtoolSupport.Result check = PromtoolSupport.check(prom);
        assertEquals(0, check.exitCode(), check.output());
    }

    @Test
    void istioReadinessStatsQuery() throws Exception {
        // pilot-agent's readiness probe: both lines must be present, server.state 0 means LIVE.
        HttpResponse<String> r = get("/stats?usedonly&filter=%5E%28server%5C.state%7Clistener_manager%5C.workers_started%29");
        assertEquals(200, r.statusCode());
        assertEquals("listener_manager.workers_started: 1\nserver.state: 0\n", r.body());
    }

    @Test
    void usedonlyKeepsWhatWasWrittenAsEnvoysUsedFlag() throws Exception {
        // Envoy's used flag (stats/allocator_impl.cc): a gauge never set is left out, one set stays
        // in at 0; a counter reset to 0 stays in; server.* gauges are set at start-up.
        String c = "cluster.outbound|8080||reviews.default.svc.cluster.local.";
        String cl = "{envoy_cluster_name=\"outbound|8080||reviews.default.svc.cluster.local\"}";
        String text = get("/stats?usedonly").body();
        assertFalse(text.contains(c + "upstream_cx_active:"), text);
        assertTrue(text.contains("server.hot_restart_epoch: 0\n"), text);
        assertTrue(text.contains("server.state: 0\n"), text);
        String prom = get("/stats/prometheus?usedonly").body();
        assertFalse(prom.contains("envoy_cluster_upstream_cx_active" + cl), prom);
        assertTrue(prom.contains("\nenvoy_server_hot_restart_epoch 0\n"), prom);
        assertFalse(get("/stats?usedonly&format=json").body().contains(c + "upstream_cx_active"));

        ctx.stats.cluster("outbound|8080||reviews.default.svc.cluster.local").upstreamCxActive.set(2);
        assertTrue(get("/stats/prometheus?usedonly").body().contains("envoy_cluster_upstream_cx_active" + cl + " 2\n"));
        ctx.stats.cluster("outbound|8080||reviews.default.svc.cluster.local").upstreamCxActive.set(0);
        assertTrue(get("/stats?usedonly").body().contains(c + "upstream_cx_active: 0\n"));
        assertTrue(get("/stats/prometheus?usedonly").body().contains("envoy_cluster_upstream_cx_active" + cl + " 0\n"));
        assertTrue(get("/stats?usedonly&format=json").body().contains(c + "upstream_cx_active"));

        assertEquals(200, post("/reset_counters").statusCode());
        text = get("/stats?usedonly").body();
        assertTrue(text.contains(c + "upstream_rq_total: 0\n"), text);
        assertFalse(text.contains(c + "upstream_rq_retry:"), text);
        assertTrue(get("/stats/prometheus?usedonly").body().contains("envoy_cluster_upstream_rq_total" + cl + " 0\n"));
    }

    @Test
    void readinessQueryWithoutWorkersStartedWhileInitializing() throws Exception {
        // pilot-agent answers "listener_manager.workers_started is not yet updated" on this: Envoy
        // sets the gauge only when its workers start.
        admin.close();
        ctx = new TestAdminContext();
        admin = new AdminServer(ctx, new Address.Tcp("127.0.0.1", 0)).start();
        String q = "/stats?usedonly&filter=%5E%28server%5C.state%7Clistener_manager%5C.workers_started%29";
        assertEquals("server.state: 3\n", get(q).body());
        ctx.state.initialized();
        assertEquals("listener_manager.workers_started: 1\nserver.state: 0\n", get(q).body());
    }

    @Test
    void drainListenersLeavesTheServerLive() throws Exception {
        // Envoy's /ready and server.state follow only the init manager and the health check.
        assertEquals(405, get("/drain_listeners?inboundonly&graceful").statusCode());
        HttpResponse<String> r = post("/drain_listeners?inboundonly&graceful");
        assertEquals(200, r.statusCode());
        assertEquals("OK\n", r.body());
        assertEquals(200, get("/ready").statusCode());
        assertEquals("LIVE\n", get("/ready").body());
        assertTrue(get("/stats").body().contains("server.state: 0\n"));
        post("/healthcheck/fail");
        assertEquals("DRAINING\n", get("/ready").body());
    }

    @Test
    void configDump() throws Exception {
        HttpResponse<String> r = get("/config_dump");
        assertEquals(200, r.statusCode());
        assertEquals("application/json", r.headers().firstValue("content-type").orElse(""));
        assertEquals("type.googleapis.com/envoy.admin.v3.BootstrapConfigDump", JsonParser.parseString(r.body())
                .getAsJsonObject().getAsJsonArray("configs").get(0).getAsJsonObject().get("@type").getAsString());
    }

    @Test
    void clustersText() throws Exception {
        HttpResponse<String> r = get("/clusters");
        assertEquals(200, r.statusCode());
        String n = "outbound|8080||reviews.default.svc.cluster.local";
        String body = r.body();
        for (String line : new String[]{
                n + "::observability_name::" + n,
                n + "::default_priority::max_connections::100",
                n + "::default_priority::max_pending_requests::200",
                n + "::default_priority::max_requests::300",
                n + "::default_priority::max_retries::4",
                n + "::high_priority::max_connections::1024",
                n + "::10.0.0.1:8080::cx_active::3",
                n + "::10.0.0.1:8080::rq_active::2",
                n + "::10.0.0.1:8080::hostname::pod-a",
                n + "::10.0.0.1:8080::health_flags::healthy",
                n + "::10.0.0.1:8080::zone::us-east1-b",
                n + "::10.0.0.2:8080::health_flags::/failed_eds_health",
                n + "::10.0.0.2:8080::weight::5",
                n + "::10.0.0.4:8080::health_flags::/failed_eds_health",
                n + "::added_via_api::false",
                n + "::eds_service_name::reviews-svc",
                "blackhole::observability_name::blackhole"}) {
            assertTrue(body.contains(line + "\n"), line + " in\n" + body);
        }
        assertTrue(body.indexOf(n + "::added_via_api::") < body.indexOf(n + "::eds_service_name::")
                && body.indexOf(n + "::eds_service_name::") < body.indexOf(n + "::10.0.0.1:8080::"), body);
        assertFalse(body.contains("blackhole::eds_service_name"), body);
        for (String l : body.split("\n")) {
            assertTrue(l.split("::").length >= 3, l);
        }
    }

    /** Envoy's ClustersHandler: {@code filter} keeps the clusters whose name its RE2 partially matches. */
    @Test
    void clustersFilter() throws Exception {
        String text = get("/clusters?filter=hole$").body();
        assertTrue(text.startsWith("blackhole::observability_name::blackhole\n"), text);
        assertFalse(text.contains("reviews"), text);
        JsonArray statuses = JsonParser.parseString(get("/clusters?format=json&filter=review").body())
                .getAsJsonObject().getAsJsonArray("cluster_statuses");
        assertEquals(1, statuses.size());
        assertEquals("outbound|8080||reviews.default.svc.cluster.local",
                statuses.get(0).getAsJsonObject().get("name").getAsString());
        HttpResponse<String> bad = get("/clusters?filter=(");
        assertEquals(400, bad.statusCode());
        assertEquals("Invalid re2 regex", bad.body());
        assertTrue(get("/clusters?filter=").body().contains("blackhole::") , "an empty filter keeps every cluster");
    }

    @Test
    void clustersJson() throws Exception {
        HttpResponse<String> r = get("/clusters?format=json");
        assertEquals("application/json", r.headers().firstValue("content-type").orElse(""));
        JsonArray statuses = JsonParser.parseString(r.body()).getAsJsonObject().getAsJsonArray("cluster_statuses");
        assertEquals(2, statuses.size());
        JsonObject reviews = statuses.get(1).getAsJsonObject();
        assertEquals("outbound|8080||reviews.default.svc.cluster.local", reviews.get("name").getAsString());
        // protobuf's JSON of Envoy's ClusterStatus: fields at their proto3 default are left out
        // (COUNTER and zero values, false flags, empty names, priority 0, the DEFAULT priority).
        String expected = """
                {"name": "outbound|8080||reviews.default.svc.cluster.local",
                 "host_statuses": [
                  {"address": {"socket_address": {"address": "10.0.0.1", "port_value": 8080}},
                   "stats": [{"name": "cx_connect_fail"}, {"name": "cx_total"}, {"name": "rq_error"},
                    {"name": "rq_success"}, {"name": "rq_timeout"}, {"value": "7", "name": "rq_total"},
                    {"type": "GAUGE", "value": "3", "name": "cx_active"},
                    {"type": "GAUGE", "value": "2", "name": "rq_active"}],
                   "health_status": {"eds_health_status": "HEALTHY"},
                   "weight": 1, "hostname": "pod-a", "locality": {"region": "us-east1", "zone": "us-east1-b"}},
                  {"address": {"socket_address": {"address": "10.0.0.2", "port_value": 8080}},
                   "stats": [{"name": "cx_connect_fail"}, {"name": "cx_total"}, {"name": "rq_error"},
                    {"name": "rq_success"}, {"name": "rq_timeout"}, {"name": "rq_total"},
                    {"type": "GAUGE", "name": "cx_active"}, {"type": "GAUGE", "name": "rq_active"}],
                   "health_status": {"eds_health_status": "UNHEALTHY"}, "weight": 5, "locality": {}},
                  {"address": {"socket_address": {"address": "10.0.0.3", "port_value": 8080}},
                   "stats": [{"name": "cx_connect_fail"}, {"name": "cx_total"}, {"name": "rq_error"},
                    {"name": "rq_success"}, {"name": "rq_timeout"}, {"name": "rq_total"},
                    {"type": "GAUGE", "name": "cx_active"}, {"type": "GAUGE", "name": "rq_active"}],
                   "health_status": {"eds_health_status": "HEALTHY"}, "weight": 1, "locality": {}},
                  {"address": {"socket_address": {"address": "10.0.0.4", "port_value": 8080}},
                   "stats": [{"name": "cx_connect_fail"}, {"name": "cx_total"}, {"name": "rq_error"},
                    {"name": "rq_success"}, {"name": "rq_timeout"}, {"name": "rq_total"},
                    {"type": "GAUGE", "name": "cx_active"}, {"type": "GAUGE", "name": "rq_active"}],
                   "health_status": {"eds_health_status": "UNHEALTHY"}, "weight": 1, "locality": {}}],
                 "circuit_breakers": {"thresholds": [
                  {"max_connections": 100, "max_pending_requests": 200, "max_requests": 300, "max_retries": 4},
                  {"priority": "HIGH", "max_connections": 1024, "max_pending_requests": 1024, "max_requests": 1024,
                   "max_retries": 3}]},
                 "observability_name": "outbound|8080||reviews.default.svc.cluster.local",
                 "eds_service_name": "reviews-svc"}""";
        assertEquals(JsonParser.parseString(expected), reviews, r.body());
        JsonObject blackhole = statuses.get(0).getAsJsonObject();
        assertEquals(List.of("name", "circuit_breakers", "observability_name"), List.copyOf(blackhole.keySet()), r.body());
    }

    @Test
    void listeners() throws Exception {
        HttpResponse<String> r = get("/listeners");
        assertEquals(200, r.statusCode());
        assertEquals("virtualInbound::0.0.0.0:15006\n[::]_15001::[::]:15001\n", r.body());
        r = get("/listeners?format=json");
        JsonArray ls = JsonParser.parseString(r.body()).getAsJsonObject().getAsJsonArray("listener_statuses");
        assertEquals("virtualInbound", ls.get(0).getAsJsonObject().get("name").getAsString());
        assertEquals(15006, ls.get(0).getAsJsonObject().getAsJsonObject("local_address")
                .getAsJsonObject("socket_address").get("port_value").getAsInt());
    }

    @Test
    void logging() throws Exception {
        HttpResponse<String> r = post("/logging");
        assertEquals(200, r.statusCode());
        assertTrue(r.body().startsWith("active loggers:\n"), r.body());
        assertTrue(r.body().contains("  upstream: info\n"), r.body());

        r = post("/logging?level=debug");
        assertEquals(200, r.statusCode());
        assertTrue(r.body().contains("  upstream: debug\n") && r.body().contains("  http: debug\n"), r.body());
        assertEquals(Level.FINE, Logging.logger("router").getLevel());

        r = post("/logging?upstream=trace");
        assertTrue(r.body().contains("  upstream: trace\n") && r.body().contains("  http: debug\n"), r.body());

        r = post("/logging?paths=http:error,router:warning");
        assertTrue(r.body().contains("  http: error\n") && r.body().contains("  router: warning\n"), r.body());

        r = post("/logging?level=loud");
        assertEquals(404, r.statusCode());
        assertTrue(r.body().startsWith("usage: "), r.body());
        r = post("/logging?nosuchcomponent=debug");
        assertEquals(404, r.statusCode());
    }

    @Test
    void contentionAnswersAsEnvoyWithoutMutexTracing() throws Exception {
        // Envoy's StatsHandler::handlerContention without --enable-mutex-tracing.
        HttpResponse<String> r = get("/contention");
        assertEquals(200, r.statusCode());
        assertTrue(r.headers().firstValue("content-type").orElse("").startsWith("text/plain"));
        assertEquals("Mutex contention tracing is not enabled. To enable, run Envoy with flag --enable-mutex-tracing.",
                r.body());
        assertTrue(get("/help").body().contains("  /contention: dump current Envoy mutex contention stats (if enabled)\n"));
    }

    @Test
    void helpHomeAndUnknownPaths() throws Exception {
        HttpResponse<String> r = get("/help");
        assertEquals(200, r.statusCode());
        assertTrue(r.body().startsWith("admin commands are:\n"), r.body());
        assertTrue(r.body().contains("  /ready: "), r.body());
        assertTrue(r.body().contains("  /stats/prometheus: "), r.body());
        // Envoy's getHelp: sorted by path, " (POST)" after the paths that change the server.
        assertTrue(r.body().contains("\n  /quitquitquit (POST): exit the server\n"), r.body());
        assertTrue(r.body().contains("\n  /drain_listeners (POST): drain listeners\n"), r.body());
        java.util.List<String> paths = r.body().lines().skip(1).map(l -> l.trim().split("[ :]")[0]).toList();
        assertEquals(paths.stream().sorted().toList(), paths);
        r = get("/");
        assertEquals(200, r.statusCode());
        assertTrue(r.headers().firstValue("content-type").orElse("").startsWith("text/html"));
        assertTrue(r.body().contains("href='/clusters'"), r.body());
        r = get("/nope");
        assertEquals(404, r.statusCode());
        assertTrue(r.body().startsWith("invalid path. admin commands are:\n"), r.body());
        assertEquals(200, post("/reopen_logs").statusCode());
        assertEquals(1, ctx.reopened);
        assertEquals(200, get("/memory").statusCode());
        assertTrue(JsonParser.parseString(get("/memory").body()).getAsJsonObject().has("allocated"));
    }

    @Test
    void adminAccessLog(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
        java.nio.file.Path file = dir.resolve("admin.log");
        try (io.remora.accesslog.AccessLogs logs = new io.remora.accesslog.AccessLogs()) {
            admin.accessLogs(logs.create(java.util.List.of(io.remora.config.AccessLogConfig.builder(
                    io.remora.config.AccessLogConfig.Sink.FILE).path(file.toString()).textFormat(
                    "%REQ(:METHOD)% %REQ(:PATH)% %PROTOCOL% %RESPONSE_CODE% %BYTES_SENT% %DOWNSTREAM_REMOTE_ADDRESS_WITHOUT_PORT%\n")
                    .build())));
            get("/ready");
            get("/healthcheck/fail");
            // the log is written once the reply is flushed; the next reply proves the previous one went out
            get("/ready");
            logs.flush();
            String text = java.nio.file.Files.readString(file);
            assertTrue(text.startsWith("GET /ready HTTP/1.1 200 5 127.0.0.1\n"
                    + "GET /healthcheck/fail HTTP/1.1 405 38 127.0.0.1\n"), text);
        }
    }

    @BeforeAll
    static void quiet() {
        Logging.setAll(Level.INFO);
    }

    @AfterAll
    static void reset() {
        Logging.setAll(Level.INFO);
    }
}
