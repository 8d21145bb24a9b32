package io.remora.e2e;

import io.remora.testing.HttpHeads;
import io.remora.testing.TempPaths;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.InputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The connection manager's local_reply_config through real sockets: a mapper rewriting status,
 * body and headers; a mapper choosing a JSON body format; the config's text body format for every
 * other local reply; gRPC's trailers-only form and HEAD; upstream responses left alone.
 */
class LocalReplyConfigE2ETest {

    @RegisterExtension
    static final E2EStack stack = new E2EStack();
    static TestUpstream upstream;
    static ProxyProcess proxy;
    static Path accessLog;
    static final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();

    @BeforeAll
    static void start() throws Exception {
        upstream = stack.upstream((ctx, req, n) -> TestUpstream.send(ctx, req, 404, "upstream " + req.uri()));
        accessLog = TempPaths.file("local-reply-access", ".log");
        String yaml = """
                admin:
                  address: { socket_address: { address: 127.0.0.1, port_value: ${ADMIN} } }
                static_resources:
                  listeners:
                  - name: front
                    address: { socket_address: { address: 127.0.0.1, port_value: ${PORT} } }
                    filter_chains:
                    - filters:
                      - name: envoy.filters.network.http_connection_manager
                        typed_config:
                          "@type": type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager
                          stat_prefix: front
                          access_log:
                          - name: envoy.access_loggers.file
                            typed_config:
                              "@type": type.googleapis.com/envoy.extensions.access_loggers.file.v3.FileAccessLog
                              path: ${LOG}
                              log_format: { text_format_source: { inline_string: "%REQ(:PATH)% %RESPONSE_CODE% %RESPONSE_FLAGS%\\n" } }
                          local_reply_config:
                            mappers:
                            - filter:
                                status_code_filter:
                                  comparison: { op: EQ, value: { default_value: 404, runtime_key: local_reply.code } }
                              status_code: 418
                              body: { inline_string: "nothing here" }
                              headers_to_add:
                              - header: { key: x-mapped, value: "%REQ(x-tag)%" }
                            - filter:
                                header_filter: { header: { name: x-json, present_match: true } }
                              body_format_override:
                                json_format: { code: "%RESPONSE_CODE%", message: "%LOCAL_REPLY_BODY%", path: "%REQ(:PATH)%", missing: "%REQ(x-none)%" }
                                omit_empty_values: true
                            body_format:
                              text_format: "[%RESPONSE_CODE%] %LOCAL_REPLY_BODY% (%RESPONSE_CODE_DETAILS%)"
                          http_filters:
                          - name: envoy.filters.http.router
                            typed_config: { "@type": type.googleapis.com/envoy.extensions.filters.http.router.v3.Router }
                          route_config:
                            virtual_hosts:
                            - name: all
                              domains: ["*"]
                              routes:
                              - match: { path: "/direct" }
                                direct_response: { status: 503, body: { inline_string: "busy" } }
                                response_headers_to_add:
                                - header: { key: content-type, value: text/html }
                              - match: { path: "/down" }
                                route: { cluster: empty }
                              - match: { path: "/up" }
                                route: { cluster: web }
                  clusters:
                ${CLUSTERS}
                  - name: empty
                    type: STATIC
                    connect_timeout: 1s
                    load_assignment: { cluster_name: empty }
                """;
        Map<String, Object> vars = new java.util.HashMap<>();
        vars.put("ADMIN", stack.adminPort);
        vars.put("PORT", stack.port);
        vars.put("LOG", accessLog);
        vars.put("CLUSTERS", Bootstraps.indent(Bootstraps.cluster("web", false, null, upstream.port()), 2));
        proxy = stack.start(ProxyProcess.render(yaml, vars), List.of(),
                "--file-flush-interval-msec", "100");
    }

    static HttpResponse<String> send(String method, String path, String... headers) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(stack.url(path)))
                .timeout(Duration.ofSeconds(10)).method(method, HttpRequest.BodyPublishers.noBody());
        if (headers.length > 0) {
            b.headers(headers);
        }
        return client.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    static String header(HttpResponse<?> r, String name) {
        return r.headers().firstValue(name).orElse(null);
    }

    @Test
    void aMapperRewritesStatusBodyAndHeaders() throws Exception {
        HttpResponse<String> r = send("GET", "/nowhere", "x-tag", "t1");
        assertEquals(418, r.statusCode());
        assertEquals("[418] nothing here (route_not_found)", r.body());
        assertEquals("t1", header(r, "x-mapped"));
        assertEquals("text/plain", header(r, "content-type"));
        assertEquals(String.valueOf(r.body().length()), header(r, "content-length"));
        awaitLogLine("/nowhere 418 NR");
    }

    @Test
    void theBodyFormatAppliesWhenNoMapperMatches() throws Exception {
        HttpResponse<String> down = send("GET", "/down");
        assertEquals(503, down.statusCode());
        assertEquals("[503] no healthy upstream (no_healthy_upstream)", down.body());
        assertFalse(down.headers().firstValue("x-mapped").isPresent());

        // The route's content type is replaced: the body it described was rewritten.
        HttpResponse<String> direct = send("GET", "/direct");
        assertEquals(503, direct.statusCode());
        assertEquals("[503] busy (direct_response)", direct.body());
        assertEquals(List.of("text/plain"), direct.headers().allValues("content-type"));
    }

    @Test
    void aMapperChoosesAJsonFormat() throws Exception {
        HttpResponse<String> r = send("GET", "/down", "x-json", "1");
        assertEquals(503, r.statusCode());
        assertEquals("{\"code\":503,\"message\":\"no healthy upstream\",\"path\":\"/down\"}\n", r.body());
        assertEquals("application/json", header(r, "content-type"));
    }

    @Test
    void grpcGetsTrailersOnlyAndHeadOnlyTheLength() throws Exception {
        HttpResponse<String> g = send("POST", "/nowhere", "content-type", "application/grpc");
        assertEquals(200, g.statusCode());
        assertEquals("", g.body());
        assertEquals("application/grpc", header(g, "content-type"));
        assertEquals("2", header(g, "grpc-status"), "418 maps to UNKNOWN");
        assertEquals("[418] nothing here (route_not_found)", header(g, "grpc-message"));

        HttpResponse<String> h = send("HEAD", "/down");
        assertEquals(503, h.statusCode());
        assertEquals(String.valueOf("[503] no healthy upstream (no_healthy_upstream)".length()),
                header(h, "content-length"));
    }

    /**
     * Envoy's connection manager, not its codec, refuses an HTTP/1.1 request without Host: with
     * the request's headers in hand (the access log has its path), an empty body for the body
     * format to wrap, no protocol-error flag, and the connection closed after the 400.
     */
    @Test
    void aRequestWithoutHostIsRefusedByTheConnectionManager() throws Exception {
        try (Socket s = new Socket("127.0.0.1", stack.port)) {
            s.setSoTimeout(5000);
            s.getOutputStream().write("GET /nohost HTTP/1.1\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            InputStream in = s.getInputStream();
            String head = HttpHeads.read(in).toLowerCase(Locale.ROOT);
            assertTrue(head.startsWith("http/1.1 400"), head);
            assertEquals(List.of("close"), HttpHeads.lines(head, "connection"));
            assertEquals("[400]  (missing_host_header)", new String(in.readAllBytes(), StandardCharsets.US_ASCII));
        }
        awaitLogLine("/nohost 400 -");
    }

    @Test
    void upstreamResponsesAreNotRewritten() throws Exception {
        HttpResponse<String> r = send("GET", "/up", "x-json", "1");
        assertEquals(404, r.statusCode());
        assertEquals("upstream /up", r.body());
        assertFalse(r.headers().firstValue("x-mapped").isPresent());
    }

    static void awaitLogLine(String line) throws Exception {
        for (int i = 0; i < 100; i++) {
            if (Files.readAllLines(accessLog).contains(line)) {
                return;
            }
            Thread.sleep(50);
        }
        assertTrue(false, "no line '" + line + "' in " + Files.readString(accessLog));
    }
}
