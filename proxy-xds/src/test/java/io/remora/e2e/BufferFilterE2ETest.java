package io.remora.e2e;

import io.remora.testing.TempPaths;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The buffer filter through a real proxy: chunked uploads (no content-length) from curl reach the
 * upstream whole with a content-length; a body over {@code max_request_bytes} gets 413; a route can
 * disable the filter or give it a larger limit than the connection manager's own 1 MiB.
 */
class BufferFilterE2ETest {

    @RegisterExtension
    static final E2EStack stack = E2EStack.checkingLeaks();
    static TestUpstream upstream;
    static ProxyProcess proxy;
    static Path accessLog;

    @BeforeAll
    static void start() throws Exception {
        upstream = stack.upstream((ctx, req, n) -> TestUpstream.send(ctx, req, 200,
                "got " + req.content().readableBytes()));
        accessLog = TempPaths.file("buffer-access", ".log");
        String routes = """
                - match: { prefix: "/nobuf" }
                  route: { cluster: app }
                  typed_per_filter_config:
                    envoy.filters.http.buffer:
                      "@type": type.googleapis.com/envoy.extensions.filters.http.buffer.v3.BufferPerRoute
                      disabled: true
                - match: { prefix: "/upload" }
                  route: { cluster: app }
                  typed_per_filter_config:
                    envoy.filters.http.buffer:
                      "@type": type.googleapis.com/envoy.extensions.filters.http.buffer.v3.BufferPerRoute
                      buffer: { max_request_bytes: 3000000 }
                - match: { prefix: "/" }
                  route: { cluster: app }
                """;
        String filters = """
                - name: envoy.filters.http.buffer
                  typed_config:
                    "@type": type.googleapis.com/envoy.extensions.filters.http.buffer.v3.Buffer
                    max_request_bytes: 4096
                """;
        String yaml = stack.http(accessLog.toString(), routes,
                Bootstraps.cluster("app", false, null, upstream.port()), "", filters);
        yaml = Bootstraps.logFormat(yaml, accessLog, "%REQ(:PATH)% %RESPONSE_CODE% cl=%REQ(CONTENT-LENGTH)%");
        proxy = stack.start(yaml);
    }

    static String url(String path) {
        return stack.url(path);
    }

    static Path body(int bytes) throws Exception {
        byte[] b = new byte[bytes];
        new Random(bytes).nextBytes(b);
        Path f = TempPaths.file("body", ".bin");
        Files.write(f, b);
        return f;
    }

    /** POSTs the file chunked (curl sends no content-length then), without Expect: 100-continue. */
    static Curl chunked(String path, Path file) throws Exception {
        return Curl.run("-H", "Transfer-Encoding: chunked", "-H", "Expect:", "--data-binary", "@" + file, url(path));
    }

    static String logged(String path) throws Exception {
        List<String> lines = LogFiles.await(accessLog, l -> l.stream().anyMatch(s -> s.startsWith(path + " ")));
        return lines.stream().filter(s -> s.startsWith(path + " ")).findFirst().orElseThrow();
    }

    @Test
    void chunkedBodyIsBufferedAndGetsContentLength() throws Exception {
        Curl r = chunked("/chunked", body(3000));
        assertEquals(200, r.status());
        assertEquals("got 3000", r.text());
        assertEquals("/chunked 200 cl=3000", logged("/chunked"), "forwarded with the body's length");
    }

    @Test
    void contentLengthOfTheClientIsKept() throws Exception {
        Curl r = Curl.run("-H", "Expect:", "--data-binary", "@" + body(4096), url("/sized"));
        assertEquals(200, r.status());
        assertEquals("got 4096", r.text());
        assertEquals("/sized 200 cl=4096", logged("/sized"));
    }

    @Test
    void bodyOverTheLimitGets413() throws Exception {
        String tooLarge = "envoy_http_downstream_rq_too_large{envoy_http_conn_manager_prefix=\"ingress\"}";
        double before = proxy.metric(tooLarge);
        int requests = upstream.requests.get();
        Curl chunked = chunked("/big", body(4097));
        assertEquals(413, chunked.status());
        assertEquals("Payload Too Large", chunked.text());
        Curl sized = Curl.run("-H", "Expect:", "--data-binary", "@" + body(20000), url("/big2"));
        assertEquals(413, sized.status());
        // curl's default for large bodies: Expect: 100-continue, answered by the proxy.
        Curl expecting = Curl.run("--data-binary", "@" + body(50000), url("/big3"));
        assertEquals(413, expecting.status());
        assertEquals(requests, upstream.requests.get(), "nothing reached the upstream");
        assertEquals(before + 3, proxy.metric(tooLarge));
    }

    @Test
    void requestsWithoutBodyPass() throws Exception {
        Curl r = Curl.run(url("/get"));
        assertEquals(200, r.status());
        assertEquals("got 0", r.text());
    }

    @Test
    void routeCanDisableTheFilter() throws Exception {
        Curl r = chunked("/nobuf", body(10000));
        assertEquals(200, r.status(), "not buffered: the filter's 4096 bytes do not apply");
        assertEquals("got 10000", r.text());
        assertEquals("/nobuf 200 cl=-", logged("/nobuf"), "streamed as it came, chunked");
    }

    @Test
    void routeLimitCanExceedTheConnectionManagersBuffer() throws Exception {
        // The upstream's /upload streams and answers "<crc32> <length>"; 2 MB is past the 1 MiB
        // a stream may buffer by default, so only the route's max_request_bytes lets it through.
        Path f = body(2_000_000);
        java.util.zip.CRC32 crc = new java.util.zip.CRC32();
        crc.update(Files.readAllBytes(f));
        Curl r = chunked("/upload", f);
        assertEquals(200, r.status());
        assertEquals(Long.toHexString(crc.getValue()) + " 2000000", r.text());
        assertEquals("/upload 200 cl=2000000", logged("/upload"));
        assertEquals(413, chunked("/upload2", body(3_000_001)).status());
    }

    @Test
    void http2BodyLargerThanTheFlowControlWindowsIsBuffered() throws Exception {
        // Buffering must keep granting HTTP/2 window: 2 MB is far past the initial 64 KiB windows.
        Path f = body(2_000_000);
        java.util.zip.CRC32 crc = new java.util.zip.CRC32();
        crc.update(Files.readAllBytes(f));
        Curl r = Curl.run("--http2-prior-knowledge", "--data-binary", "@" + f, url("/upload?h2"));
        assertEquals(200, r.status());
        assertEquals(Long.toHexString(crc.getValue()) + " 2000000", r.text());
    }
}
