package io.remora.e2e;

import io.remora.testing.TempPaths;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Bad peers and bad input cost only their own request or connection. */
class FailureE2ETest {

    @RegisterExtension
    static final E2EStack stack = E2EStack.checkingLeaks();
    static TestUpstream upstream;
    static ProxyProcess proxy;

    @BeforeAll
    static void start() throws Exception {
        upstream = stack.upstream((ctx, req, n) -> {
            if (req.uri().startsWith("/cut")) {
                TestUpstream.sendTruncated(ctx, 10_000, "only part of it");
            } else {
                TestUpstream.send(ctx, req, 200, "fine");
            }
        });
        String routes = """
                - match: { prefix: "/" }
                  route: { cluster: backend }
                """;
        proxy = stack.start(stack.http(TempPaths.file("access", ".log").toString(),
                routes, Bootstraps.cluster("backend", false, null, upstream.port())),
                List.of("-Xmx128m"));
    }

    private static String raw(String request) throws IOException {
        try (Socket s = new Socket("127.0.0.1", stack.port)) {
            s.setSoTimeout(10_000);
            OutputStream out = s.getOutputStream();
            out.write(request.getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            InputStream in = s.getInputStream();
            return new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);
        }
    }

    @Test
    void malformedRequestLineIs400() throws IOException {
        String resp = raw("THIS IS NOT HTTP\r\n\r\n");
        assertTrue(resp.startsWith("HTTP/1.1 400"), resp);
    }

    @Test
    void headerBlockOverTheLimitIs431() throws IOException {
        // Envoy's default max_request_headers_kb is 60.
        String big = "x".repeat(70 * 1024);
        String resp = raw("GET / HTTP/1.1\r\nHost: a\r\nX-Big: " + big + "\r\n\r\n");
        assertTrue(resp.startsWith("HTTP/1.1 431"), resp.substring(0, Math.min(200, resp.length())));
    }

    @Test
    void upstreamClosingMidResponseResetsOnlyThatRequest() throws Exception {
        HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        URI cut = URI.create(stack.url("/cut"));
        // The client sees the response cut short (a reset), not a complete body.
        assertThrows(IOException.class, () -> client.send(HttpRequest.newBuilder(cut).build(),
                HttpResponse.BodyHandlers.ofString()));
        // Everyone else is still served.
        for (int i = 0; i < 5; i++) {
            HttpResponse<String> ok = client.send(HttpRequest.newBuilder(URI.create(stack.url("/ok"))).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(200, ok.statusCode());
            assertEquals("fine", ok.body());
        }
        assertTrue(proxy.process().isAlive());
    }
}
