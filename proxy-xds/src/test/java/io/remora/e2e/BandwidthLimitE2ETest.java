package io.remora.e2e;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.zip.CRC32;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * envoy.filters.http.bandwidth_limit through a real proxy: a route's own config paces a 64 KiB
 * response and a 64 KiB upload at 16 KiB/s, another 1 MiB up at 1 MiB/s (checked only as a lower
 * bound on the time taken), and
 * ends the (chunked, enable_trailers) response with its delay trailers; the filter-level config (DISABLED, as Envoy's example)
 * leaves other routes alone.
 */
class BandwidthLimitE2ETest {

    @RegisterExtension
    static final E2EStack stack = new E2EStack();
    static TestUpstream upstream;
    static ProxyProcess proxy;
    static final int BYTES = 64 * 1024;

    static final String BOOTSTRAP = Bootstraps.ingress("""
            http_protocol_options: { enable_trailers: true }
            """, """
            - name: envoy.filters.http.bandwidth_limit
              typed_config:
                "@type": type.googleapis.com/envoy.extensions.filters.http.bandwidth_limit.v3.BandwidthLimit
                stat_prefix: global
            """, """
            - match: { prefix: "/slow/" }
              route: { cluster: web, prefix_rewrite: "/" }
              typed_per_filter_config:
                envoy.filters.http.bandwidth_limit:
                  "@type": type.googleapis.com/envoy.extensions.filters.http.bandwidth_limit.v3.BandwidthLimit
                  stat_prefix: slow
                  enable_mode: REQUEST_AND_RESPONSE
                  limit_kbps: 16
                  fill_interval: 0.1s
                  enable_response_trailers: true
                  response_trailer_prefix: x-bw
            - match: { prefix: "/mib/" }
              route: { cluster: web, prefix_rewrite: "/" }
              typed_per_filter_config:
                envoy.filters.http.bandwidth_limit:
                  "@type": type.googleapis.com/envoy.extensions.filters.http.bandwidth_limit.v3.BandwidthLimit
                  stat_prefix: mib
                  enable_mode: REQUEST
                  limit_kbps: 1024
            - match: { prefix: "/fast/" }
              route: { cluster: web, prefix_rewrite: "/" }
            """);

    @BeforeAll
    static void start() throws Exception {
        upstream = stack.upstream((ctx, req, n) -> {
            if (req.uri().startsWith("/chunked")) {
                sendChunked(ctx);
            } else {
                TestUpstream.send(ctx, req, 200, "ok");
            }
        });
        proxy = stack.start(stack.render(BOOTSTRAP, Map.of(
                "CLUSTERS", Bootstraps.indent(Bootstraps.cluster("web", false, null, upstream.port()), 2))));
    }

    /** The body of /chunked: random bytes of a fixed seed. */
    static byte[] chunkedBody() {
        byte[] b = new byte[BYTES];
        new java.util.Random(5).nextBytes(b);
        return b;
    }

    /** A response without a length, so HTTP/1.1 downstream is chunked and can carry trailers. */
    static void sendChunked(ChannelHandlerContext ctx) {
        HttpResponse head = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
        HttpUtil.setTransferEncodingChunked(head, true);
        ctx.write(head);
        byte[] body = chunkedBody();
        for (int off = 0; off < BYTES; off += 16 * 1024) {
            ctx.write(new DefaultHttpContent(Unpooled.wrappedBuffer(body, off, 16 * 1024)));
        }
        ctx.writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT);
    }

    static double stat(String prefix, String name) throws Exception {
        return proxy.metric("envoy_" + prefix + "_http_bandwidth_limit_" + name);
    }

    @Test
    void responseIsPacedAndEndsWithDelayTrailers() throws Exception {
        double enabled = stat("slow", "response_enabled");
        double allowed = stat("slow", "response_allowed_total_size");
        long start = System.nanoTime();
        Curl r = Curl.run(stack.url("/slow/chunked"));
        long ms = (System.nanoTime() - start) / 1_000_000;
        assertEquals(200, r.status());
        assertEquals("chunked", r.header("transfer-encoding"));
        assertTrue(java.util.Arrays.equals(chunkedBody(), r.body()), "the body arrives whole");
        // 64 KiB at 16 KiB/s, starting from one fill interval's worth: about 4 s.
        assertTrue(ms >= 3000, "took " + ms + " ms");
        long delay = Long.parseLong(r.trailers().get("x-bw-bandwidth-response-delay-ms"));
        assertTrue(delay >= 3000, "response delay " + delay);
        assertTrue(Long.parseLong(r.trailers().get("x-bw-bandwidth-response-filter-delay-ms")) > 0, r.trailers().toString());
        assertNull(r.trailers().get("x-bw-bandwidth-request-delay-ms"), "a GET has no request body to pace");
        assertEquals(enabled + 1, stat("slow", "response_enabled"));
        assertEquals(allowed + BYTES, stat("slow", "response_allowed_total_size"));
        assertTrue(stat("slow", "response_enforced") > 0);
        assertEquals(0, stat("slow", "response_pending"));
    }

    /** Uploads {@code size} random bytes to {@code path}; checks the upstream got them whole; returns the milliseconds taken. */
    static long upload(String path, int size, long seed) throws Exception {
        byte[] body = new byte[size];
        new java.util.Random(seed).nextBytes(body);
        Path f = io.remora.testing.TempPaths.file("bandwidth-upload", ".bin");
        Files.write(f, body);
        long start = System.nanoTime();
        Curl r = Curl.run("-H", "Expect:", "--data-binary", "@" + f, stack.url(path));
        long ms = (System.nanoTime() - start) / 1_000_000;
        CRC32 crc = new CRC32();
        crc.update(body);
        assertEquals(200, r.status());
        assertEquals(Long.toHexString(crc.getValue()) + " " + size, r.text(), "the upstream got the body whole");
        return ms;
    }

    @Test
    void uploadIsPaced() throws Exception {
        double incoming = stat("slow", "request_incoming_total_size");
        long ms = upload("/slow/upload", BYTES, 11);
        assertTrue(ms >= 3000, "took " + ms + " ms");
        assertEquals(incoming + BYTES, stat("slow", "request_incoming_total_size"));
        assertTrue(stat("slow", "request_enabled") >= 1);
        assertEquals(0, stat("slow", "request_pending"));
    }

    /**
     * 1 MiB up at limit_kbps 1024 (REQUEST only, default 50 ms fill interval): the bucket starts
     * with one interval's worth, so the rest takes about 0.95 s; only a lower bound is checked.
     */
    @Test
    void mebibyteUploadAtOneMebibytePerSecond() throws Exception {
        int size = 1024 * 1024;
        long ms = upload("/mib/upload", size, 13);
        assertTrue(ms >= 500, "took " + ms + " ms");
        assertEquals(1, stat("mib", "request_enabled"));
        assertTrue(stat("mib", "request_enforced") > 0, "the bucket ran dry");
        assertEquals(size, stat("mib", "request_incoming_total_size"));
        assertEquals(size, stat("mib", "request_allowed_total_size"));
        assertTrue(stat("mib", "request_allowed_size") > 0);
        assertEquals(0, stat("mib", "request_pending"));
        assertEquals(0, stat("mib", "response_enabled"), "enable_mode REQUEST leaves the response alone");
    }

    @Test
    void disabledAtTheFilterLevelLeavesOtherRoutesAlone() throws Exception {
        Curl r = Curl.run("--http2-prior-knowledge", stack.url("/fast/download?bytes=" + BYTES + "&seed=3"));
        assertEquals(200, r.status());
        assertEquals(BYTES, r.body().length);
        assertTrue(r.trailers().isEmpty(), r.trailers().toString());
        assertEquals(0, stat("global", "response_enabled"));
        assertEquals(0, stat("global", "request_enabled"));
    }

    @Test
    void statsHaveEnvoyNames() throws Exception {
        assertEquals(200, Curl.run(stack.url("/slow/download?bytes=10&seed=1")).status());
        String dotted = proxy.admin("/stats?filter=http_bandwidth_limit");
        for (String stat : List.of("request_enabled", "response_enabled", "response_enforced", "response_pending",
                "response_allowed_total_size", "response_incoming_size")) {
            assertTrue(dotted.contains("slow.http_bandwidth_limit." + stat + ": "), stat + " in\n" + dotted);
        }
    }
}
