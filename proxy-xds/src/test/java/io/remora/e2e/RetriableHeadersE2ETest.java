package io.remora.e2e;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.remora.testing.TempPaths;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A retry policy's retriable_headers and retriable_request_headers through a running proxy (the
 * upstream's first answer to each path carries x-upstream-retry, later ones do not), and the
 * virtual host's include_attempt_count_in_response.
 */
class RetriableHeadersE2ETest {

    @RegisterExtension
    static final E2EStack stack = new E2EStack();
    static TestUpstream upstream;
    static ProxyProcess proxy;
    static final Map<String, AtomicInteger> SEEN = new ConcurrentHashMap<>();
    static final HttpClient client = HttpClient.newHttpClient();

    @BeforeAll
    static void start() throws Exception {
        upstream = stack.upstream((ctx, req, n) -> {
            int attempt = SEEN.computeIfAbsent(req.uri(), k -> new AtomicInteger()).incrementAndGet();
            ByteBuf body = Unpooled.copiedBuffer("attempt " + attempt, StandardCharsets.UTF_8);
            var resp = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK, body);
            resp.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, body.readableBytes());
            if (attempt == 1) {
                resp.headers().set("x-upstream-retry", "please");
            }
            ctx.writeAndFlush(resp);
        });
        String routes = """
                - match: { prefix: "/" }
                  route:
                    cluster: web
                    retry_policy:
                      retry_on: retriable-headers
                      num_retries: 2
                      retriable_headers: [{ name: x-upstream-retry, present_match: true }]
                      retriable_request_headers: [{ name: ":method", string_match: { exact: GET } }]
                """;
        String yaml = stack.http(TempPaths.file("retriable-headers", ".log").toString(), routes,
                Bootstraps.cluster("web", false, null, upstream.port()));
        int at = yaml.indexOf("domains: [\"*\"]");
        String indent = " ".repeat(at - yaml.lastIndexOf('\n', at) - 1);
        yaml = yaml.replace("domains: [\"*\"]\n", "domains: [\"*\"]\n" + indent + "include_attempt_count_in_response: true\n");
        proxy = stack.start(yaml, List.of());
    }

    static HttpResponse<String> send(String method, String path) throws Exception {
        return client.send(HttpRequest.newBuilder(URI.create(stack.url(path)))
                .method(method, HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void aResponseWithARetriableHeaderIsRetried() throws Exception {
        HttpResponse<String> r = send("GET", "/get");
        assertEquals(200, r.statusCode());
        assertEquals("attempt 2", r.body());
        assertFalse(r.headers().firstValue("x-upstream-retry").isPresent());
        assertEquals("2", r.headers().firstValue("x-envoy-attempt-count").orElse(null),
                "include_attempt_count_in_response");
        assertEquals(2, SEEN.get("/get").get());
    }

    @Test
    void aRequestNotMatchingRetriableRequestHeadersIsNot() throws Exception {
        HttpResponse<String> r = send("POST", "/post");
        assertEquals("attempt 1", r.body());
        assertEquals("1", r.headers().firstValue("x-envoy-attempt-count").orElse(null));
        assertTrue(r.headers().firstValue("x-upstream-retry").isPresent());
        assertEquals(1, SEEN.get("/post").get());
    }
}
