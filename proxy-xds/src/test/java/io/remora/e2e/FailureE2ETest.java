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

/**
 * Bad peers and bad input cost only their own request or connection, with Envoy's answers: its
 * codecs' refusals downstream, 502 UPE for a response its client codec cannot take.
 */
class FailureE2ETest {

    @RegisterExtension
    static final E2EStack stack = E2EStack.checkingLeaks();
    static TestUpstream upstream;
    static RawHeadUpstream broken;
    static ProxyProcess proxy;

    /** What the broken upstream answers, by the request's path. */
    private static String brokenAnswer(String head) {
        String path = head.substring(head.indexOf(' ') + 1, head.indexOf(' ', head.indexOf(' ') + 1));
        return switch (path) {
            case "/broken/status" -> "HTTP/1.1 11111111111111111111 OK\r\ncontent-length: 0\r\n\r\n";
            case "/broken/gzip" -> "HTTP/1.1 200 OK\r\ntransfer-encoding: gzip\r\n\r\nabc";
            case "/broken/no-content" -> "HTTP/1.1 204 No Content\r\ncontent-length: 5\r\n\r\n";
            case "/broken/no-content-00" -> "HTTP/1.1 204 No Content\r\ncontent-length: 00\r\n\r\n";
            case "/broken/two-lengths" -> "HTTP/1.1 200 OK\r\ncontent-length: 2\r\ncontent-length: 2\r\n\r\nok";
            case "/broken/extra" -> "HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nokEXTRA";
            default -> "HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok";
        };
    }

    @BeforeAll
    static void start() throws Exception {
        upstream = stack.upstream((ctx, req, n) -> {
            if (req.uri().startsWith("/cut")) {
                TestUpstream.sendTruncated(ctx, 10_000, "only part of it");
            } else {
                TestUpstream.send(ctx, req, 200, "fine");
            }
        });
        broken = new RawHeadUpstream(FailureE2ETest::brokenAnswer);
        String routes = """
                - match: { prefix: "/broken/" }
                  route: { cluster: broken }
                - match: { prefix: "/" }
                  route: { cluster: backend }
                """;
        proxy = stack.start(stack.http(TempPaths.file("access", ".log").toString(), routes,
                Bootstraps.cluster("backend", false, null, upstream.port()) + "\n"
                        + Bootstraps.cluster("broken", false, null, broken.port())),
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

    /**
     * Envoy's router answers a response its codec could not take 502 (not 503): a status line
     * that is no status, a transfer coding other than chunked, a 204 with a length (its codec
     * compares the text with "0", so "00" too), two content-lengths even when equal (its
     * BalsaParser sets disallow_multiple_content_length). Each is an upstream_cx_protocol_error,
     * as are bytes past the end of a response, which still arrives.
     */
    @Test
    void responsesEnvoysCodecRefusesAre502() throws Exception {
        for (String path : List.of("/broken/status", "/broken/gzip", "/broken/no-content", "/broken/no-content-00",
                "/broken/two-lengths")) {
            String resp = raw("GET " + path + " HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n");
            assertTrue(resp.startsWith("HTTP/1.1 502 "), path + ": " + resp);
            assertTrue(resp.endsWith("reset reason: protocol error"), resp);
        }
        String extra = raw("GET /broken/extra HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n");
        assertTrue(extra.startsWith("HTTP/1.1 200 ") && extra.endsWith("\r\n\r\nok"), extra);
        assertEquals(5, proxy.stat("cluster.broken.upstream_rq_502"));
        assertEquals(6, proxy.stat("cluster.broken.upstream_cx_protocol_error"));
    }

    /**
     * Envoy's codecs check the authority (check_authority_h1_h2): HTTP/1.1 answers 400
     * http.invalid_authority and closes; HTTP/2 ends the connection (GOAWAY PROTOCOL_ERROR).
     */
    @Test
    void anInvalidHostIsRefusedBeforeItIsRouted() throws Exception {
        for (String host : List.of("ho|st|", "a b", "a{b}")) {
            // raw() reads to the end: the connection must close after the 400.
            String resp = raw("GET / HTTP/1.1\r\nHost: " + host + "\r\n\r\n");
            assertTrue(resp.startsWith("HTTP/1.1 400 "), host + ": " + resp);
        }
        assertTrue(raw("GET / HTTP/1.1\r\nHost: user@[::1]:80\r\nConnection: close\r\n\r\n")
                .startsWith("HTTP/1.1 200 "));
        double before = proxy.stat("http.ingress.downstream_rq_2xx");
        assertThrows(IOException.class, () -> Curl.run("--http2-prior-knowledge", "-H", "Host: ho|st",
                stack.url("/")));
        assertTrue(proxy.stat("http2.rx_messaging_error") >= 1);
        assertEquals(before, proxy.stat("http.ingress.downstream_rq_2xx"), "the request went on");
    }

    /** HTTP/1.0 without accept_http_10 is a codec error in Envoy: 426, then the connection closes. */
    @Test
    void http10IsUpgradeRequiredAndTheConnectionClosesEvenWithKeepAlive() throws Exception {
        double before = proxy.stat("http.ingress.downstream_cx_protocol_error");
        String resp = raw("GET / HTTP/1.0\r\nHost: a\r\nConnection: keep-alive\r\n\r\n");
        assertTrue(resp.startsWith("HTTP/1.1 426 "), resp);
        assertTrue(resp.toLowerCase(java.util.Locale.ROOT).contains("\r\nconnection: close\r\n"), resp);
        assertEquals(before + 1, proxy.stat("http.ingress.downstream_cx_protocol_error"));
    }
}
