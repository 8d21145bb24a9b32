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

/**
 * Access log filters through a running proxy: three logs of one connection manager, each keeping
 * the streams its filter passes (health checks left out; errors, with a runtime override; one
 * header and route-not-found together).
 */
class AccessLogFilterE2ETest {

    @RegisterExtension
    static final E2EStack stack = new E2EStack();
    static TestUpstream upstream;
    static ProxyProcess proxy;
    static Path notHealthCheck;
    static Path errors;
    static Path debugMisses;
    static final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();

    static final String BOOTSTRAP = Bootstraps.ingress("""
            access_log:
            - name: envoy.access_loggers.file
              filter: { not_health_check_filter: {} }
              typed_config:
                "@type": type.googleapis.com/envoy.extensions.access_loggers.file.v3.FileAccessLog
                path: ${A}
                log_format: { text_format_source: { inline_string: "%REQ(:PATH)% %RESPONSE_CODE%\\n" } }
            - name: envoy.access_loggers.file
              filter:
                status_code_filter:
                  comparison: { op: GE, value: { default_value: 400, runtime_key: log.min_status } }
              typed_config:
                "@type": type.googleapis.com/envoy.extensions.access_loggers.file.v3.FileAccessLog
                path: ${B}
                log_format: { text_format_source: { inline_string: "%REQ(:PATH)% %RESPONSE_CODE%\\n" } }
            - name: envoy.access_loggers.file
              filter:
                and_filter:
                  filters:
                  - header_filter: { header: { name: x-debug, present_match: true } }
                  - response_flag_filter: { flags: [NR] }
              typed_config:
                "@type": type.googleapis.com/envoy.extensions.access_loggers.file.v3.FileAccessLog
                path: ${C}
                log_format: { text_format_source: { inline_string: "%REQ(:PATH)% %RESPONSE_CODE% %RESPONSE_FLAGS%\\n" } }
            """, """
            - name: envoy.filters.http.health_check
              typed_config:
                "@type": type.googleapis.com/envoy.extensions.filters.http.health_check.v3.HealthCheck
                pass_through_mode: false
                headers: [{ name: ":path", string_match: { exact: /healthz } }]
            """,
            "- { match: { prefix: \"/x\" }, route: { cluster: web } }") + """
            layered_runtime:
              layers: [{ name: admin, admin_layer: {} }]
            """;

    @BeforeAll
    static void start() throws Exception {
        upstream = stack.upstream((ctx, req, n) -> TestUpstream.send(ctx, req, 200, "ok"));
        notHealthCheck = TempPaths.file("log-not-hc", ".log");
        errors = TempPaths.file("log-errors", ".log");
        debugMisses = TempPaths.file("log-debug-misses", ".log");
        proxy = stack.start(stack.render(BOOTSTRAP, Map.of("A", notHealthCheck, "B", errors, "C", debugMisses,
                        "CLUSTERS", Bootstraps.indent(Bootstraps.cluster("web", false, null, upstream.port()), 2))),
                List.of(), "--file-flush-interval-msec", "100");
    }

    static int get(String path, String... headers) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(stack.url(path)))
                .timeout(Duration.ofSeconds(10));
        if (headers.length > 0) {
            b.headers(headers);
        }
        return client.send(b.build(), HttpResponse.BodyHandlers.ofString()).statusCode();
    }

    /** The log's lines once the last request's line (a marker every log keeps) is there. */
    static List<String> lines(Path log, String marker) throws Exception {
        for (int i = 0; i < 100; i++) {
            List<String> lines = Files.readAllLines(log);
            if (lines.stream().anyMatch(l -> l.startsWith(marker + " "))) {
                return lines;
            }
            Thread.sleep(50);
        }
        throw new AssertionError(marker + " never logged in " + log + ": " + Files.readAllLines(log));
    }

    @Test
    void eachLogKeepsWhatItsFilterPasses() throws Exception {
        assertEquals(200, get("/healthz"));
        assertEquals(200, get("/x/ok"));
        assertEquals(404, get("/missing"));
        assertEquals(404, get("/debug-missing", "x-debug", "1"));
        // a stream every filter passes ends each log's part of the test
        assertEquals(404, get("/end", "x-debug", "1"));

        assertEquals(List.of("/x/ok 200", "/missing 404", "/debug-missing 404", "/end 404"),
                lines(notHealthCheck, "/end"));
        assertEquals(List.of("/missing 404", "/debug-missing 404", "/end 404"), lines(errors, "/end"));
        assertEquals(List.of("/debug-missing 404 NR", "/end 404 NR"), lines(debugMisses, "/end"));

        // the runtime key overrides the filter's value from the next stream on
        HttpResponse<String> set = client.send(HttpRequest.newBuilder(proxy.adminUri("/runtime_modify?log.min_status=200"))
                .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, set.statusCode(), set.body());
        assertEquals(200, get("/x/after"));
        assertEquals(List.of("/missing 404", "/debug-missing 404", "/end 404", "/x/after 200"),
                lines(errors, "/x/after"));
    }
}
