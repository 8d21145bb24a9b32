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
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** HTTP/1.1 and HTTP/2 clients through the proxy to a real upstream, as a user runs it. */
class HttpProxyE2ETest {

    @RegisterExtension
    static final E2EStack stack = new E2EStack();
    static final String UPSTREAM_DATE = "Tue, 01 Dec 2026 08:09:10 GMT";
    static TestUpstream upstream;
    static ProxyProcess proxy;
    static Path accessLog;

    @BeforeAll
    static void start() throws Exception {
        upstream = stack.upstream((ctx, req, n) -> TestUpstream.send(ctx, req, 200,
                req.method() + " " + req.uri() + " body=" + req.content().toString(java.nio.charset.StandardCharsets.UTF_8),
                req.uri().startsWith("/dated") ? Map.of("date", UPSTREAM_DATE) : Map.of()));
        accessLog = TempPaths.file("remora-access", ".log");
        String routes = """
                - match: { prefix: "/api/" }
                  route: { cluster: backend, prefix_rewrite: "/v2/" }
                  response_headers_to_add:
                  - header: { key: x-route, value: api }
                - match: { prefix: "/" }
                  route: { cluster: backend }
                """;
        proxy = stack.start(stack.http(accessLog.toString(), routes,
                Bootstraps.cluster("backend", false, null, upstream.port())));
    }

    private static HttpResponse<String> send(HttpClient.Version version, HttpRequest.Builder req) throws Exception {
        HttpClient client = HttpClient.newBuilder().version(version).connectTimeout(Duration.ofSeconds(5)).build();
        return client.send(req.timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private static URI uri(String path) {
        return URI.create(stack.url(path));
    }

    @Test
    void http11GetAndPostReachTheUpstreamWithEnvoyHeaders() throws Exception {
        HttpResponse<String> get = send(HttpClient.Version.HTTP_1_1, HttpRequest.newBuilder(uri("/hello?x=1")));
        assertEquals(200, get.statusCode());
        assertEquals("GET /hello?x=1 body=", get.body());
        assertEquals("envoy", get.headers().firstValue("server").orElse(null));
        assertTrue(get.headers().firstValue("x-envoy-upstream-service-time").isPresent());
        String requestId = upstream.lastHeaders.get("x-request-id");
        assertNotNull(requestId, "x-request-id generated");
        assertTrue(requestId.matches("[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}"), requestId);
        assertNotNull(upstream.lastHeaders.get("x-forwarded-proto"));

        HttpResponse<String> post = send(HttpClient.Version.HTTP_1_1,
                HttpRequest.newBuilder(uri("/echo")).POST(HttpRequest.BodyPublishers.ofString("payload")));
        assertEquals("POST /echo body=payload", post.body());
    }

    @Test
    void prefixRewriteAndResponseHeaders() throws Exception {
        HttpResponse<String> r = send(HttpClient.Version.HTTP_1_1, HttpRequest.newBuilder(uri("/api/users")));
        assertEquals("GET /v2/users body=", r.body());
        assertEquals("api", r.headers().firstValue("x-route").orElse(null));
        assertEquals("/api/users", upstream.lastHeaders.get("x-envoy-original-path"));
    }

    @Test
    void h2cUpgradeOfferFromTheJdkClientIsServedOverHttp11() throws Exception {
        // The JDK client asks for h2c with an Upgrade on its first request; as Envoy, the proxy
        // serves it over HTTP/1.1 and forwards none of the offer's headers.
        HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_2).build();
        for (int i = 0; i < 3; i++) {
            HttpResponse<String> r = client.send(HttpRequest.newBuilder(uri("/h2/" + i)).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(200, r.statusCode());
            assertEquals("GET /h2/" + i + " body=", r.body());
            assertEquals(HttpClient.Version.HTTP_1_1, r.version());
            for (String name : List.of("upgrade", "http2-settings", "connection")) {
                assertNull(upstream.lastHeaders.get(name), name);
            }
        }
    }

    @Test
    void curlHttp11AndHttp2PriorKnowledge() throws Exception {
        for (String flag : List.of("--http1.1", "--http2-prior-knowledge")) {
            Process p = new ProcessBuilder("curl", "-sS", flag, "-o", "-", "-w", "\n%{http_code} %{http_version}",
                    uri("/curl").toString()).redirectErrorStream(true).start();
            assertTrue(p.waitFor(20, TimeUnit.SECONDS));
            String out = new String(p.getInputStream().readAllBytes());
            assertTrue(out.startsWith("GET /curl body="), out);
            assertTrue(out.endsWith(flag.equals("--http1.1") ? "200 1.1" : "200 2"), out);
        }
    }

    /** Envoy's connection manager gives every response without a date header one (IMF-fixdate), local replies too. */
    @Test
    void responsesWithoutADateGetOne() throws Exception {
        for (String flag : List.of("--http1.1", "--http2-prior-knowledge")) {
            long before = System.currentTimeMillis() / 1000;
            String date = Curl.run(flag, uri("/undated").toString()).header("date");
            assertNotNull(date, flag);
            long at = java.time.ZonedDateTime.parse(date, java.time.format.DateTimeFormatter.RFC_1123_DATE_TIME).toEpochSecond();
            assertTrue(at >= before && at <= System.currentTimeMillis() / 1000, date);
            assertTrue(date.matches("[A-Z][a-z]{2}, \\d\\d [A-Z][a-z]{2} \\d{4} \\d\\d:\\d\\d:\\d\\d GMT"), date);
            assertEquals(UPSTREAM_DATE, Curl.run(flag, uri("/dated").toString()).header("date"), flag);
        }
        Curl refused = Curl.run("-X", "FOO", uri("/").toString());
        assertEquals(400, refused.status());
        assertNotNull(refused.header("date"));
    }

    @Test
    void accessLogUsesEnvoysDefaultFormat() throws Exception {
        send(HttpClient.Version.HTTP_1_1, HttpRequest.newBuilder(uri("/logged")).header("user-agent", "e2e-agent"));
        String line = awaitLogLine("/logged");
        // [START_TIME] "GET /logged HTTP/1.1" 200 - 0 19 ... "e2e-agent" "<request id>" "127.0.0.1:port" "127.0.0.1:upstream"
        assertTrue(line.matches("\\[\\d{4}-\\d\\d-\\d\\dT[^\\]]+\\] \"GET /logged HTTP/1.1\" 200 - 0 \\d+ \\d+ \\d+ \"-\" \"e2e-agent\" \"[0-9a-f-]{36}\" \"127.0.0.1:"
                + stack.port + "\" \"127.0.0.1:" + upstream.port() + "\""), line);
    }

    static String awaitLogLine(String marker) throws Exception {
        return awaitLogLine(accessLog, marker);
    }

    static String awaitLogLine(Path file, String marker) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (System.nanoTime() < deadline) {
            for (String l : Files.readAllLines(file)) {
                if (l.contains(marker)) {
                    return l;
                }
            }
            Thread.sleep(100);
        }
        assertFalse(true, "no access log line with " + marker);
        return null;
    }
}
