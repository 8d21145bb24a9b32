package io.remora.e2e;

import io.remora.testing.TempPaths;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

/**
 * envoy.filters.http.health_check through real sockets: health checks answered by the proxy (200,
 * or 503 when a watched cluster is empty, unknown or short of healthy hosts), the pass-through
 * mode's cached answer, and the admin's /healthcheck/fail and /healthcheck/ok.
 */
class HealthCheckFilterE2ETest {

    @RegisterExtension
    static final E2EStack stack = new E2EStack();
    static TestUpstream upstream;
    static ProxyProcess proxy;
    static Path accessLog;
    static final Map<String, Integer> PORTS = new java.util.HashMap<>();
    static final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();

    /** One listener whose connection manager runs the health check filter with this config, then the router. */
    static String listener(String name, String healthCheck) {
        return """
                - name: NAME
                  address: { socket_address: { address: 127.0.0.1, port_value: ${NAME} } }
                  filter_chains:
                  - filters:
                    - name: envoy.filters.network.http_connection_manager
                      typed_config:
                        "@type": type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager
                        stat_prefix: NAME
                        access_log:
                        - name: envoy.access_loggers.file
                          typed_config:
                            "@type": type.googleapis.com/envoy.extensions.access_loggers.file.v3.FileAccessLog
                            path: ${LOG}
                            log_format: { text_format_source: { inline_string: "NAME %REQ(:PATH)% %RESPONSE_CODE% %RESPONSE_FLAGS% %RESPONSE_CODE_DETAILS%\\n" } }
                        http_filters:
                        - name: envoy.filters.http.health_check
                          typed_config:
                            "@type": type.googleapis.com/envoy.extensions.filters.http.health_check.v3.HealthCheck
                HC
                        - name: envoy.filters.http.router
                          typed_config: { "@type": type.googleapis.com/envoy.extensions.filters.http.router.v3.Router }
                        route_config:
                          virtual_hosts:
                          - name: all
                            domains: ["*"]
                            routes: [{ match: { prefix: "/" }, route: { cluster: web } }]
                """.replace("NAME", name).replace("HC", healthCheck.indent(12).stripTrailing());
    }

    @BeforeAll
    static void start() throws Exception {
        upstream = stack.upstream((ctx, req, n) -> TestUpstream.send(ctx, req, 200, "upstream " + req.uri()));
        for (String l : List.of("plain", "empty", "unknown", "cached")) {
            PORTS.put(l, ProxyProcess.freePort());
        }
        accessLog = TempPaths.file("health-check-access", ".log");
        String yaml = """
                admin:
                  address: { socket_address: { address: 127.0.0.1, port_value: ${ADMIN} } }
                static_resources:
                  listeners:
                """
                + (listener("plain", """
                        pass_through_mode: false
                        headers: [{ name: ":path", string_match: { exact: /healthz } }]
                        cluster_min_healthy_percentages: { web: { value: 100 } }
                        """)
                + listener("empty", """
                        pass_through_mode: false
                        headers: [{ name: ":path", string_match: { exact: /healthz } }]
                        cluster_min_healthy_percentages: { web: { value: 100 }, empty: { value: 50 } }
                        """)
                + listener("unknown", """
                        pass_through_mode: false
                        headers: [{ name: ":path", string_match: { exact: /healthz } }]
                        cluster_min_healthy_percentages: { nosuch: { value: 1 } }
                        """)
                + listener("cached", """
                        pass_through_mode: true
                        cache_time: 60s
                        headers: [{ name: x-probe, present_match: true }]
                        """)).indent(2)
                + """
                  clusters:
                ${CLUSTERS}
                  - name: empty
                    type: STATIC
                    connect_timeout: 1s
                    load_assignment: { cluster_name: empty }
                """;
        Map<String, Object> vars = new java.util.HashMap<>(PORTS);
        vars.put("ADMIN", stack.adminPort);
        vars.put("LOG", accessLog);
        vars.put("CLUSTERS", Bootstraps.indent(Bootstraps.cluster("web", false, null, upstream.port()), 2));
        proxy = stack.start(ProxyProcess.render(yaml, vars), List.of(),
                "--service-cluster", "front", "--file-flush-interval-msec", "100");
    }

    static HttpResponse<String> get(String listener, String path, String... headers) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + PORTS.get(listener) + path))
                .timeout(Duration.ofSeconds(10));
        if (headers.length > 0) {
            b.headers(headers);
        }
        return client.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    static void admin(String path) throws Exception {
        HttpResponse<String> r = client.send(HttpRequest.newBuilder(proxy.adminUri(path))
                .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode(), path + ": " + r.body());
    }

    static List<String> lines(String prefix) throws Exception {
        return Files.readAllLines(accessLog).stream().filter(l -> l.startsWith(prefix)).toList();
    }

    /**
     * Sends the request and returns it with the access log's line for it (code, flags, details):
     * the line for this listener and path after the ones already there, once the log is flushed.
     */
    static Exchange exchange(String listener, String path, String... headers) throws Exception {
        String prefix = listener + " " + path + " ";
        int before = lines(prefix).size();
        HttpResponse<String> r = get(listener, path, headers);
        for (int i = 0; i < 100; i++) {
            List<String> now = lines(prefix);
            if (now.size() > before) {
                return new Exchange(r, now.get(before).substring(prefix.length()));
            }
            Thread.sleep(50);
        }
        throw new AssertionError("no access log line for " + prefix + " in " + Files.readString(accessLog));
    }

    record Exchange(HttpResponse<String> response, String logged) {
    }

    @Test
    void answersHealthChecksAndProxiesTheRest() throws Exception {
        int before = upstream.requests.get();
        Exchange e = exchange("plain", "/healthz");
        HttpResponse<String> hc = e.response();
        assertEquals(200, hc.statusCode());
        assertEquals("", hc.body());
        assertEquals("front", hc.headers().firstValue("x-envoy-upstream-healthchecked-cluster").orElse(null));
        assertEquals(before, upstream.requests.get(), "a health check is not sent upstream");
        assertEquals("200 - health_check_ok_cluster_healthy", e.logged());

        HttpResponse<String> other = get("plain", "/other");
        assertEquals(200, other.statusCode());
        assertEquals("upstream /other", other.body());
        assertFalse(other.headers().firstValue("x-envoy-upstream-healthchecked-cluster").isPresent());
    }

    @Test
    void watchedClustersDecide() throws Exception {
        Exchange empty = exchange("empty", "/healthz");
        assertEquals(503, empty.response().statusCode());
        assertEquals("503 LH health_check_failed_cluster_empty", empty.logged());

        Exchange unknown = exchange("unknown", "/healthz");
        assertEquals(503, unknown.response().statusCode());
        assertEquals("503 LH health_check_failed_no_cluster_found", unknown.logged());
    }

    @Test
    void passThroughIsCached() throws Exception {
        int before = upstream.requests.get();
        Exchange sent = exchange("cached", "/status", "x-probe", "1");
        HttpResponse<String> first = sent.response();
        assertEquals("200 - via_upstream", sent.logged());
        assertEquals(200, first.statusCode());
        assertEquals("upstream /status", first.body());
        assertEquals("front", first.headers().firstValue("x-envoy-upstream-healthchecked-cluster").orElse(null));
        assertEquals(before + 1, upstream.requests.get());

        Exchange second = exchange("cached", "/status", "x-probe", "1");
        assertEquals(200, second.response().statusCode());
        assertEquals("", second.response().body());
        assertEquals(before + 1, upstream.requests.get(), "the cached answer, not the upstream's");
        assertEquals("200 - health_check_cached", second.logged());

        // not a health check: proxied every time
        assertEquals("upstream /status", get("cached", "/status").body());
        assertEquals(before + 2, upstream.requests.get());
    }

    @Test
    void adminFailsAndRestoresHealthChecks() throws Exception {
        admin("/healthcheck/fail");
        try {
            Exchange hc = exchange("plain", "/healthz");
            assertEquals(503, hc.response().statusCode());
            assertEquals("front", hc.response().headers().firstValue("x-envoy-upstream-healthchecked-cluster")
                    .orElse(null));
            assertEquals("503 LH health_check_failed", hc.logged());

            HttpResponse<String> other = get("plain", "/during-fail");
            assertEquals(200, other.statusCode());
            assertEquals("true", other.headers().firstValue("x-envoy-immediate-health-check-fail").orElse(null));

            int before = upstream.requests.get();
            assertEquals(503, get("cached", "/probe-fail", "x-probe", "1").statusCode());
            assertEquals(before, upstream.requests.get(), "failing, even pass-through health checks are answered here");
        } finally {
            admin("/healthcheck/ok");
        }
        assertEquals(200, get("plain", "/healthz").statusCode());
        assertFalse(get("plain", "/after-ok").headers().firstValue("x-envoy-immediate-health-check-fail").isPresent());
    }
}
