package io.remora.e2e;

import io.remora.testing.TempPaths;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The json_to_metadata filter through a real proxy, read back with {@code %DYNAMIC_METADATA%} in
 * the access log: values of request and response bodies with each type's conversion, on_missing,
 * on_error for a body that is not JSON or a content type not allowed, preserve_existing_metadata_value
 * against what set_metadata put there, and the counters of each outcome.
 */
class JsonToMetadataE2ETest {

    @RegisterExtension
    static final E2EStack stack = E2EStack.checkingLeaks();
    static ProxyProcess proxy;
    static Path accessLog;

    @BeforeAll
    static void start() throws Exception {
        // Echoes the request body; on /resp it answers JSON, otherwise text/plain.
        TestUpstream upstream = stack.upstream((ctx, req, n) -> {
            String body = req.content().toString(StandardCharsets.UTF_8);
            if (req.uri().startsWith("/resp")) {
                TestUpstream.send(ctx, req, 200, "{\"status\":{\"code\":\"7\"}}", Map.of("content-type", "application/json"));
            } else {
                TestUpstream.send(ctx, req, 200, body);
            }
        });
        accessLog = TempPaths.file("json-to-metadata-access", ".log");
        String routes = """
                - match: { prefix: "/override" }
                  route: { cluster: app }
                  typed_per_filter_config:
                    envoy.filters.http.json_to_metadata:
                      "@type": type.googleapis.com/envoy.extensions.filters.http.json_to_metadata.v3.JsonToMetadata
                      request_rules:
                        rules:
                        - selectors: [ { key: other } ]
                          on_present: { metadata_namespace: app, key: user_id }
                - match: { prefix: "/" }
                  route: { cluster: app }
                """;
        String filters = """
                - name: envoy.filters.http.set_metadata
                  typed_config:
                    "@type": type.googleapis.com/envoy.extensions.filters.http.set_metadata.v3.Config
                    metadata:
                    - metadata_namespace: app
                      value: { tier: gold, plan: free }
                - name: envoy.filters.http.json_to_metadata
                  typed_config:
                    "@type": type.googleapis.com/envoy.extensions.filters.http.json_to_metadata.v3.JsonToMetadata
                    request_rules:
                      rules:
                      - selectors: [ { key: user }, { key: id } ]
                        on_present: { metadata_namespace: app, key: user_id, type: STRING }
                        on_missing: { metadata_namespace: app, key: user_id, value: anonymous }
                        on_error: { metadata_namespace: app, key: user_id, value: error }
                      - selectors: [ { key: count } ]
                        on_present: { metadata_namespace: app, key: count, type: NUMBER }
                      - selectors: [ { key: ratio } ]
                        on_present: { metadata_namespace: app, key: ratio, type: STRING }
                      - selectors: [ { key: flag } ]
                        on_present: { key: flag }
                      - selectors: [ { key: tier } ]
                        on_present: { metadata_namespace: app, key: tier, preserve_existing_metadata_value: true }
                      - selectors: [ { key: plan } ]
                        on_present: { metadata_namespace: app, key: plan }
                    response_rules:
                      rules:
                      - selectors: [ { key: status }, { key: code } ]
                        on_present: { metadata_namespace: resp, key: code, type: NUMBER }
                        on_missing: { metadata_namespace: resp, key: code, value: -1 }
                        on_error: { metadata_namespace: resp, key: code, value: bad }
                """;
        String yaml = stack.http(accessLog.toString(), routes,
                Bootstraps.cluster("app", false, null, upstream.port()), "", filters);
        yaml = Bootstraps.logFormat(yaml, accessLog, "%REQ(:PATH)% %DYNAMIC_METADATA(app:user_id)% "
                + "%DYNAMIC_METADATA(app:count)% %DYNAMIC_METADATA(app:ratio)% "
                + "%DYNAMIC_METADATA(envoy.filters.http.json_to_metadata:flag)% %DYNAMIC_METADATA(app:tier)% "
                + "%DYNAMIC_METADATA(app:plan)% %DYNAMIC_METADATA(resp:code)%");
        proxy = stack.start(yaml);
    }

    private static String logged(String path) throws Exception {
        List<String> lines = LogFiles.await(accessLog, l -> l.stream().anyMatch(s -> s.startsWith(path + " ")));
        return lines.stream().filter(s -> s.startsWith(path + " ")).findFirst().orElseThrow();
    }

    private static double stat(String name) throws Exception {
        return proxy.metric("envoy_http_json_to_metadata_" + name + "{envoy_http_conn_manager_prefix=\"ingress\"}");
    }

    private static Curl postJson(String path, String body) throws Exception {
        return Curl.run("-H", "content-type: application/json", "--data-binary", body, stack.url(path));
    }

    @Test
    void valuesAreConvertedByType() throws Exception {
        double success = stat("rq_success");
        String body = "{\"user\":{\"id\":12345},\"count\":\" 7 \",\"ratio\":1.5,\"flag\":true,"
                + "\"tier\":\"platinum\",\"plan\":\"pro\"}";
        Curl r = postJson("/present", body);
        assertEquals(200, r.status());
        assertEquals(body, new String(r.body(), StandardCharsets.UTF_8), "the body goes on whole");
        // STRING: an integer as it is, a double with six decimals; NUMBER trims a string; the
        // default PROTOBUF_VALUE keeps a boolean; tier keeps set_metadata's value, plan is replaced.
        // The text/plain response is not allowed: its on_error value.
        assertEquals("/present 12345 7 1.500000 true gold pro bad", logged("/present"));
        assertEquals(success + 1, stat("rq_success"));
    }

    @Test
    void missingValuesTakeOnMissing() throws Exception {
        // count is no number and flag no primitive: both missing, and their rules have no on_missing.
        posted("/missing", "{\"user\":{\"name\":\"x\"},\"count\":\"seven\",\"flag\":{\"nested\":1}}",
                "anonymous - - - gold free bad");
    }

    /** A JSON POST to {@code path}: 200 and its access-log line. */
    private static void posted(String path, String body, String line) throws Exception {
        assertEquals(200, postJson(path, body).status());
        assertEquals(path + " " + line, logged(path));
    }

    /** One request to {@code path}: 200, its access-log line, and one more count of {@code stat}. */
    private static void counted(String stat, String path, String line, String... curlArgs) throws Exception {
        double before = stat(stat);
        List<String> args = new java.util.ArrayList<>(List.of(curlArgs));
        args.add(stack.url(path));
        assertEquals(200, Curl.run(args.toArray(String[]::new)).status());
        assertEquals(path + " " + line, logged(path));
        assertEquals(before + 1, stat(stat));
    }

    @Test
    void headersOnlyRequestTakesOnMissing() throws Exception {
        counted("rq_no_body", "/empty", "anonymous - - - gold free bad", "-H", "content-type: application/json");
    }

    @Test
    void invalidJsonTakesOnError() throws Exception {
        counted("rq_invalid_json_body", "/invalid", "error - - - gold free bad",
                "-H", "content-type: application/json", "--data-binary", "{\"user\": {\"id\": 1}");
    }

    @Test
    void otherContentTypeTakesOnErrorWithoutReadingTheBody() throws Exception {
        // Compared whole, as Envoy does: a charset parameter makes it another content type.
        counted("rq_mismatched_content_type", "/charset", "error - - - gold free bad",
                "-H", "content-type: application/json; charset=utf-8", "--data-binary", "{\"user\":{\"id\":\"u1\"}}");
    }

    @Test
    void bodyInManyChunksIsReadWhole() throws Exception {
        Path file = TempPaths.file("json-to-metadata-body", ".json");
        String body = "{\"pad\":\"" + "x".repeat(300_000) + "\",\"user\":{\"id\":\"late\"}}";
        Files.writeString(file, body);
        Curl r = Curl.run("-H", "content-type: application/json", "-H", "Transfer-Encoding: chunked",
                "--data-binary", "@" + file, stack.url("/chunked"));
        assertEquals(200, r.status());
        assertEquals(body.length(), r.body().length);
        assertEquals("/chunked late - - - gold free bad", logged("/chunked"));
    }

    @Test
    void responseBodyValues() throws Exception {
        double respSuccess = stat("resp_success");
        Curl r = Curl.run(stack.url("/resp"));
        assertEquals(200, r.status());
        assertEquals("{\"status\":{\"code\":\"7\"}}", new String(r.body(), StandardCharsets.UTF_8));
        // No request content type: the request rules' on_error; the response's string "7" as NUMBER.
        assertEquals("/resp error - - - gold free 7", logged("/resp"));
        assertEquals(respSuccess + 1, stat("resp_success"));
    }

    @Test
    void perRouteConfigReplacesTheFilters() throws Exception {
        // Only the route's rule applies, and it has no response rules.
        posted("/override", "{\"user\":{\"id\":1},\"other\":\"o\",\"count\":3}", "o - - - gold free -");
    }
}
