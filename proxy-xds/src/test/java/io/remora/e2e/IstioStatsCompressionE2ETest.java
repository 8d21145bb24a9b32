package io.remora.e2e;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.remora.xds.TestResources;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Istio's Prometheus listener (15090) exactly as istio-agent's bootstrap configures it — its three
 * compressors (brotli, zstd, gzip) in front of the admin's /stats/prometheus — with only the ports
 * changed: scrapers asking for any of the codings get them.
 */
class IstioStatsCompressionE2ETest {

    static ProxyProcess proxy;
    static int port;

    @BeforeAll
    static void start() throws Exception {
        JsonObject istio = JsonParser.parseString(TestResources.text("istio/bootstrap-default.json")).getAsJsonObject();
        int admin = ProxyProcess.freePort();
        port = ProxyProcess.freePort();
        JsonObject statics = istio.getAsJsonObject("static_resources");
        JsonObject listener = find(statics.getAsJsonArray("listeners"), "0.0.0.0_15090");
        JsonObject cluster = find(statics.getAsJsonArray("clusters"), "prometheus_stats");
        socket(listener.getAsJsonObject("address"), "127.0.0.1", port);
        socket(cluster.getAsJsonObject("load_assignment").getAsJsonArray("endpoints").get(0).getAsJsonObject()
                .getAsJsonArray("lb_endpoints").get(0).getAsJsonObject().getAsJsonObject("endpoint")
                .getAsJsonObject("address"), "127.0.0.1", admin);
        JsonObject bootstrap = new JsonObject();
        JsonObject adminConfig = istio.getAsJsonObject("admin").deepCopy();
        adminConfig.remove("profile_path");
        socket(adminConfig.getAsJsonObject("address"), "127.0.0.1", admin);
        bootstrap.add("admin", adminConfig);
        JsonObject resources = new JsonObject();
        JsonArray listeners = new JsonArray();
        listeners.add(listener);
        JsonArray clusters = new JsonArray();
        clusters.add(cluster);
        resources.add("listeners", listeners);
        resources.add("clusters", clusters);
        bootstrap.add("static_resources", resources);
        proxy = ProxyProcess.start(bootstrap.toString(), admin); // JSON is YAML
    }

    private static JsonObject find(JsonArray items, String name) {
        for (JsonElement e : items) {
            if (e.getAsJsonObject().get("name").getAsString().equals(name)) {
                return e.getAsJsonObject().deepCopy();
            }
        }
        throw new IllegalStateException("no " + name + " in Istio's bootstrap");
    }

    private static void socket(JsonObject address, String ip, int port) {
        JsonObject sa = address.getAsJsonObject("socket_address");
        sa.addProperty("address", ip);
        sa.addProperty("port_value", port);
    }

    @AfterAll
    static void stop() throws Exception {
        if (proxy != null) {
            proxy.closeCheckingLeaks();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"br", "zstd", "gzip"})
    void scrapesAreCompressedWithTheAskedCoding(String coding) throws Exception {
        Curl raw = Curl.run("-H", "Accept-Encoding: " + coding, "http://127.0.0.1:" + port + "/stats/prometheus");
        assertEquals(200, raw.status());
        assertEquals(coding, raw.header("content-encoding"));
        Curl decoded = Curl.run("--compressed", "-H", "Accept-Encoding: " + coding,
                "http://127.0.0.1:" + port + "/stats/prometheus");
        String body = new String(decoded.body(), StandardCharsets.UTF_8);
        assertTrue(body.contains("# TYPE envoy_server_live"), body);
        assertTrue(raw.body().length * 2 < decoded.body().length, "compressed " + raw.body().length + " of "
                + decoded.body().length);
        String library = coding.equals("br") ? "brotli" : coding;
        assertTrue(proxy.metric("envoy_http_compressor_stats_" + library + "_" + library + "_response_compressed"
                + "{envoy_http_conn_manager_prefix=\"stats\"}") >= 2);
    }
}
