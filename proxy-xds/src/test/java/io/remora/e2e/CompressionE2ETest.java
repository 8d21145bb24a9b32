package io.remora.e2e;

import com.aayushatharva.brotli4j.decoder.BrotliInputStream;
import com.github.luben.zstd.ZstdInputStream;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.remora.extensions.compression.BrotliCodec;
import io.remora.testing.TempPaths;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.zip.CRC32;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The compressor (gzip, brotli, zstd side by side, as Istio configures them) and the decompressor
 * through a real proxy whose heap is far smaller than the bodies it compresses; curl (which decodes
 * with its own zlib, brotli and zstd) and the JDK client check every byte.
 */
class CompressionE2ETest {

    @RegisterExtension
    static final E2EStack stack = E2EStack.checkingLeaks();
    static final long BIG = 24L * 1024 * 1024;
    static final String GZ = "envoy_http_compressor_text_gz_gzip_";
    static final String BR = "envoy_http_compressor_text_br_brotli_";
    static final String ZS = "envoy_http_compressor_text_zstd_zstd_";
    static final String TAG = "{envoy_http_conn_manager_prefix=\"ingress\"}";

    static TestUpstream upstream;
    static ProxyProcess proxy;

    /** Deterministic text of n bytes (compressible). */
    static byte[] text(int n) {
        StringBuilder sb = new StringBuilder(n + 64);
        for (int i = 0; sb.length() < n; i++) {
            sb.append("row ").append(i * 7919 % 10007).append(": the quick brown fox jumps over the lazy dog\n");
        }
        return sb.substring(0, n).getBytes(StandardCharsets.US_ASCII);
    }

    static byte[] gzip(byte[] data) throws Exception {
        ByteArrayOutputStream bos = new ByteArrayOutputStream();
        try (GZIPOutputStream out = new GZIPOutputStream(bos)) {
            out.write(data);
        }
        return bos.toByteArray();
    }

    static void respond(ChannelHandlerContext ctx, int status, byte[] body, Map<String, String> headers) {
        ByteBuf buf = Unpooled.wrappedBuffer(body);
        FullHttpResponse resp = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.valueOf(status), buf);
        headers.forEach((k, v) -> resp.headers().set(k, v));
        if (status != 204 && status != 304) {
            resp.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, body.length);
        }
        ctx.writeAndFlush(resp);
    }

    static void answer(ChannelHandlerContext ctx, FullHttpRequest req) throws Exception {
        QueryStringDecoder q = new QueryStringDecoder(req.uri());
        String path = q.path();
        int len = Integer.parseInt(q.parameters().getOrDefault("len", List.of("2000")).get(0));
        if (path.endsWith("/image")) {
            respond(ctx, 200, text(len), Map.of("content-type", "image/png"));
        } else if (path.endsWith("/etag")) {
            respond(ctx, 200, text(len), Map.of("content-type", "text/plain", "etag", q.parameters().get("tag").get(0)));
        } else if (path.endsWith("/notransform")) {
            respond(ctx, 200, text(len), Map.of("content-type", "text/plain", "cache-control", "public, no-transform"));
        } else if (path.endsWith("/empty")) {
            respond(ctx, 204, new byte[0], Map.of("content-type", "text/plain"));
        } else if (path.endsWith("/encoded")) {
            respond(ctx, 200, gzip(text(len)), Map.of("content-type", "text/plain", "content-encoding", "gzip"));
        } else if (path.endsWith("/vary")) {
            respond(ctx, 200, text(len), Map.of("content-type", "application/json; charset=utf-8",
                    "vary", q.parameters().getOrDefault("vary", List.of("Origin")).get(0)));
        } else {
            int status = Integer.parseInt(q.parameters().getOrDefault("status", List.of("200")).get(0));
            respond(ctx, status, text(len), Map.of("content-type", "text/plain; charset=utf-8"));
        }
    }

    @BeforeAll
    static void start() throws Exception {
        BrotliCodec.ensureAvailable(); // the test decodes brotli too
        upstream = stack.upstream((ctx, req, n) -> {
            try {
                answer(ctx, req);
            } catch (Exception e) {
                ctx.close();
            }
        });
        String off = """
                  typed_per_filter_config:
                    gz: { "@type": type.googleapis.com/envoy.extensions.filters.http.compressor.v3.CompressorPerRoute, disabled: true }
                    br: { "@type": type.googleapis.com/envoy.extensions.filters.http.compressor.v3.CompressorPerRoute, disabled: true }
                    zstd: { "@type": type.googleapis.com/envoy.config.route.v3.FilterConfig, disabled: true }
                """;
        String routes = """
                - match: { prefix: "/off/" }
                  route: { cluster: app, timeout: 120s }
                %s- match: { prefix: "/strip/" }
                  route: { cluster: app, timeout: 120s }
                  typed_per_filter_config:
                    gz:
                      "@type": type.googleapis.com/envoy.extensions.filters.http.compressor.v3.CompressorPerRoute
                      overrides: { response_direction_config: { remove_accept_encoding_header: true } }
                - match: { prefix: "/" }
                  route: { cluster: app, timeout: 120s }
                """.formatted(off);
        String yaml = stack.http(TempPaths.file("access", ".log").toString(), routes,
                Bootstraps.cluster("app", false, null, upstream.port()));
        // Three compressors (gzip with the deprecated top-level fields, brotli and zstd with
        // response_direction_config, zstd with choose_first), then a gzip decompressor for requests
        // and upstream responses.
        yaml = yaml.replace("          http_filters:\n", """
                          http_filters:
                          - name: gz
                            typed_config:
                              "@type": type.googleapis.com/envoy.extensions.filters.http.compressor.v3.Compressor
                              compressor_library:
                                name: text_gz
                                typed_config: { "@type": type.googleapis.com/envoy.extensions.compression.gzip.compressor.v3.Gzip }
                          - name: br
                            typed_config:
                              "@type": type.googleapis.com/envoy.extensions.filters.http.compressor.v3.Compressor
                              compressor_library:
                                name: text_br
                                typed_config: { "@type": type.googleapis.com/envoy.extensions.compression.brotli.compressor.v3.Brotli, quality: 4 }
                              response_direction_config:
                                common_config: { min_content_length: 100 }
                                uncompressible_response_codes: [206, 404]
                                disable_on_etag_header: true
                          - name: zstd
                            typed_config:
                              "@type": type.googleapis.com/envoy.extensions.filters.http.compressor.v3.Compressor
                              compressor_library:
                                name: text_zstd
                                typed_config: { "@type": type.googleapis.com/envoy.extensions.compression.zstd.compressor.v3.Zstd }
                              choose_first: true
                              request_direction_config:
                                common_config: { content_type: ["text/csv"] }
                              response_direction_config:
                                common_config: { content_type: ["text/plain", "application/json"] }
                          - name: envoy.filters.http.decompressor
                            typed_config:
                              "@type": type.googleapis.com/envoy.extensions.filters.http.decompressor.v3.Decompressor
                              decompressor_library:
                                name: in_gz
                                typed_config: { "@type": type.googleapis.com/envoy.extensions.compression.gzip.decompressor.v3.Gzip }
                """);
        proxy = stack.start(yaml, List.of("-Xmx64m", "-XX:MaxDirectMemorySize=64m"));
    }

    static String url(String path) {
        return stack.url(path);
    }

    static Curl get(String path, String acceptEncoding, String... extra) throws Exception {
        List<String> args = new java.util.ArrayList<>();
        if (acceptEncoding != null) {
            args.addAll(List.of("-H", "Accept-Encoding: " + acceptEncoding));
        }
        args.addAll(List.of(extra));
        args.add(url(path));
        return Curl.run(args.toArray(new String[0]));
    }

    static byte[] decode(String coding, byte[] body) throws Exception {
        InputStream in = switch (coding) {
            case "gzip" -> new GZIPInputStream(new ByteArrayInputStream(body));
            case "br" -> new BrotliInputStream(new ByteArrayInputStream(body));
            case "zstd" -> new ZstdInputStream(new ByteArrayInputStream(body));
            default -> throw new IllegalArgumentException(coding);
        };
        try (in) {
            return in.readAllBytes();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"gzip", "br", "zstd"})
    void eachCodingDecodesByteIdenticallyWithCurl(String coding) throws Exception {
        byte[] expected = text(300_000);
        // Raw bytes as sent: the coding, the headers, and a body that decodes to what the upstream sent.
        Curl raw = get("/text?len=300000", coding);
        assertEquals(200, raw.status());
        assertEquals(coding, raw.header("content-encoding"));
        assertNull(raw.header("content-length"));
        assertEquals("Accept-Encoding", raw.header("vary"));
        assertTrue(raw.body().length < expected.length / 4, coding + " compressed to " + raw.body().length);
        assertArrayEquals(expected, decode(coding, raw.body()));
        // curl's own decoders agree.
        Curl decoded = get("/text?len=300000", coding, "--compressed");
        assertArrayEquals(expected, decoded.body());
    }

    @ParameterizedTest
    @ValueSource(strings = {"gzip", "br", "zstd"})
    void largeStreamedBodiesAreCompressedWithoutBeingHeld(String coding) throws Exception {
        // 24 MiB of random bytes through a proxy with a 64 MiB heap, per coding; curl decodes.
        Curl r = get("/download?bytes=" + BIG + "&seed=11", coding, "--compressed");
        assertEquals(200, r.status());
        assertEquals(coding, r.header("content-encoding"));
        assertEquals(BIG, r.body().length);
        CRC32 crc = new CRC32();
        crc.update(r.body());
        assertEquals(TestUpstream.expectedCrc(BIG, 11), crc.getValue());
        assertTrue(proxy.process().isAlive());
    }

    @Test
    void jdkClientGetsGzipAndAHttp2ClientToo() throws Exception {
        HttpResponse<byte[]> r = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build()
                .send(HttpRequest.newBuilder(URI.create(url("/text?len=50000"))).header("Accept-Encoding", "gzip")
                        .build(), HttpResponse.BodyHandlers.ofByteArray());
        assertEquals(200, r.statusCode());
        assertEquals("gzip", r.headers().firstValue("content-encoding").orElse(null));
        assertArrayEquals(text(50_000), decode("gzip", r.body()));
        Curl h2 = get("/text?len=50000", "gzip", "--http2-prior-knowledge");
        assertEquals(200, h2.status());
        assertEquals("gzip", h2.header("content-encoding"));
        assertArrayEquals(text(50_000), decode("gzip", h2.body()));
    }

    @Test
    void acceptEncodingQValuesChooseAmongTheCompressors() throws Exception {
        assertEquals("br", get("/text", "gzip;q=0.5, br;q=0.9, zstd;q=0.1").header("content-encoding"));
        assertEquals("zstd", get("/text", "zstd, gzip").header("content-encoding"), "ties: the first listed");
        assertEquals("gzip", get("/text", "gzip, br").header("content-encoding"), "ties: the first listed");
        // Envoy's chooseEncoding: a tie goes to a compressor with choose_first (zstd here).
        assertEquals("zstd", get("/text", "gzip, zstd, br").header("content-encoding"), "choose_first wins a tie");
        assertEquals("gzip", get("/text", "gzip, zstd;q=0.5").header("content-encoding"), "but not a higher q");
        assertEquals("gzip", get("/text", "*").header("content-encoding"), "wildcard: the first configured");
        assertEquals("br", get("/text", "gzip;q=0, *;q=0.5").header("content-encoding"), "q=0 excludes gzip");
        assertNull(get("/text", "identity").header("content-encoding"));
        assertNull(get("/text", "deflate, compress").header("content-encoding"));
        Curl gzipOnly = get("/text?len=4000", "GZIP;q=1.0");
        assertEquals("gzip", gzipOnly.header("content-encoding"));
        assertArrayEquals(text(4000), decode("gzip", gzipOnly.body()));
    }

    @Test
    void whatIsNotCompressed() throws Exception {
        double tooSmall = proxy.metric(GZ + "content_length_too_small" + TAG);
        Curl none = get("/text?len=5000", null);
        assertNull(none.header("content-encoding"), "no Accept-Encoding");
        assertEquals("Accept-Encoding", none.header("vary"), "still varies on it");
        assertEquals("5000", none.header("content-length"));
        Curl small = get("/text?len=29", "gzip");
        assertNull(small.header("content-encoding"), "under gzip's default 30 bytes");
        assertEquals(tooSmall + 1, proxy.metric(GZ + "content_length_too_small" + TAG));
        assertEquals("gzip", get("/text?len=30", "gzip").header("content-encoding"));
        assertNull(get("/text?len=99", "br").header("content-encoding"), "under brotli's min_content_length 100");
        Curl image = get("/image?len=5000", "gzip, br, zstd");
        assertNull(image.header("content-encoding"), "image/png is not in the default list");
        assertNull(image.header("vary"));
        assertArrayEquals(text(5000), image.body());
        assertNull(get("/notransform", "gzip").header("content-encoding"));
        Curl head = get("/text?len=5000", "gzip", "-I");
        assertNull(head.header("content-encoding"), "HEAD");
        Curl empty = get("/empty", "gzip");
        assertEquals(204, empty.status());
        assertNull(empty.header("content-encoding"));
        Curl encoded = get("/encoded?len=3000", "gzip;q=0.5, br");
        assertEquals("br", encoded.header("content-encoding"), "gzip from upstream was inflated, then brotli chosen");
        assertArrayEquals(text(3000), decode("br", encoded.body()));
    }

    @Test
    void uncompressibleResponseCodesAreSentAsTheyCame() throws Exception {
        // brotli lists 206 and 404; gzip lists none, so the same responses still get gzip.
        for (int status : new int[] {206, 404}) {
            Curl br = get("/text?len=3000&status=" + status, "br");
            assertEquals(status, br.status());
            assertNull(br.header("content-encoding"), status + " is uncompressible for brotli");
            assertEquals("3000", br.header("content-length"));
            assertArrayEquals(text(3000), br.body());
            assertEquals("gzip", get("/text?len=3000&status=" + status, "gzip").header("content-encoding"));
        }
        assertEquals("br", get("/text?len=3000&status=203", "br").header("content-encoding"));
    }

    @Test
    void contentTypeListsDecideWhichCompressorsMayAnswer() throws Exception {
        // zstd lists application/json; gzip's default list has it too; brotli's default too.
        Curl json = get("/vary?len=3000", "zstd;q=0.9, gzip;q=0.1");
        assertEquals("zstd", json.header("content-encoding"));
        assertEquals("Origin, Accept-Encoding", json.header("vary"));
        assertArrayEquals(text(3000), decode("zstd", json.body()));
    }

    @Test
    void varyGetsAcceptEncodingUnlessItNamesItInThatCase() throws Exception {
        // Envoy's insertVaryHeader looks for the token case-sensitively (StringUtil::findToken).
        assertEquals("Accept-Encoding", get("/vary?len=3000&vary=Accept-Encoding", "gzip").header("vary"));
        Curl lower = get("/vary?len=3000&vary=accept-encoding", "gzip");
        assertEquals("gzip", lower.header("content-encoding"));
        assertEquals("accept-encoding, Accept-Encoding", lower.header("vary"));
    }

    @Test
    void strongEtagsAreDroppedWeakOnesKept() throws Exception {
        Curl strong = get("/etag?tag=%22abc%22", "gzip");
        assertEquals("gzip", strong.header("content-encoding"));
        assertNull(strong.header("etag"));
        Curl weak = get("/etag?tag=W/%22abc%22", "gzip");
        assertEquals("gzip", weak.header("content-encoding"));
        assertEquals("W/\"abc\"", weak.header("etag"));
        // Envoy 1.38: a two-character strong ETag goes too (only "W/" is a weak one of two).
        Curl two = get("/etag?tag=%22%22", "gzip");
        assertEquals("gzip", two.header("content-encoding"));
        assertNull(two.header("etag"));
    }

    @Test
    void disableOnEtagHeaderLeavesAnyTaggedResponseAlone() throws Exception {
        // brotli has disable_on_etag_header: a weak tag too keeps the response as it came, counted.
        double etag = proxy.metric(BR + "not_compressed_etag" + TAG);
        Curl br = get("/etag?tag=W/%22abc%22&len=3000", "br");
        assertNull(br.header("content-encoding"));
        assertEquals("W/\"abc\"", br.header("etag"));
        assertArrayEquals(text(3000), br.body());
        assertEquals(etag + 1, proxy.metric(BR + "not_compressed_etag" + TAG));
        assertEquals("br", get("/text?len=3000", "br").header("content-encoding"), "untagged: compressed");
    }

    @Test
    void routesCanTurnCompressionOff() throws Exception {
        Curl r = get("/off/text?len=20000", "gzip, br, zstd");
        assertEquals(200, r.status());
        assertNull(r.header("content-encoding"));
        assertArrayEquals(text(20_000), r.body());
    }

    @Test
    void aRouteCanRemoveAcceptEncodingBeforeTheUpstream() throws Exception {
        // Envoy's CompressorPerRoute override: the filter keeps the value for its own choice and
        // strips it from the request; gzip still answers.
        Curl kept = get("/text?len=3000", "gzip, br;q=0.1");
        assertEquals("gzip", kept.header("content-encoding"));
        assertTrue(upstream.lastHeaders.getOrDefault("accept-encoding", "").contains("br"), upstream.lastHeaders.toString());
        Curl stripped = get("/strip/text?len=3000", "gzip, br;q=0.1");
        assertEquals("gzip", stripped.header("content-encoding"));
        assertArrayEquals(text(3000), decode("gzip", stripped.body()));
        assertFalse(upstream.lastHeaders.getOrDefault("accept-encoding", "").contains("br"), upstream.lastHeaders.toString());
    }

    @Test
    void requestBodiesAreCompressedWithRequestDirectionConfig() throws Exception {
        // Envoy's CompressedRequestAcceptanceFullConfigTest: content-length gives way to the coding.
        Path body = TempPaths.file("request", ".csv");
        Files.write(body, text(5000));
        Curl.run("-H", "content-type: text/csv", "--data-binary", "@" + body, url("/text?len=40"));
        assertEquals("zstd", upstream.lastHeaders.get("content-encoding"), upstream.lastHeaders.toString());
        // (The test upstream aggregates the chunked body and counts it: the compressed size.)
        assertTrue(Long.parseLong(upstream.lastHeaders.get("content-length")) < 5000, upstream.lastHeaders.toString());
        // Below the default 30 bytes, or a type not listed: sent as it came.
        Curl.run("-H", "content-type: text/csv", "--data-binary", "short", url("/text?len=40"));
        assertNull(upstream.lastHeaders.get("content-encoding"), upstream.lastHeaders.toString());
        Curl.run("-H", "content-type: text/plain", "--data-binary", "@" + body, url("/text?len=40"));
        assertNull(upstream.lastHeaders.get("content-encoding"), upstream.lastHeaders.toString());
        assertEquals("5000", upstream.lastHeaders.get("content-length"));
    }

    @Test
    void decompressorInflatesARequestBodyForTheUpstream() throws Exception {
        byte[] plain = text(2_000_000);
        CRC32 crc = new CRC32();
        crc.update(plain);
        HttpResponse<String> r = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build().send(
                HttpRequest.newBuilder(URI.create(url("/upload"))).header("Content-Encoding", "gzip")
                        .POST(HttpRequest.BodyPublishers.ofByteArray(gzip(plain))).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode());
        assertEquals(Long.toHexString(crc.getValue()) + " " + plain.length, r.body());
        // A POST advertises that this hop decompresses gzip responses.
        Curl.run("-d", "x", url("/text?len=40"));
        assertTrue(upstream.lastHeaders.getOrDefault("accept-encoding", "").contains("gzip"), upstream.lastHeaders.toString());
    }

    @Test
    void decompressorInflatesAnUpstreamResponseForTheClient() throws Exception {
        Curl r = get("/encoded?len=100000", null);
        assertEquals(200, r.status());
        assertNull(r.header("content-encoding"));
        assertNull(r.header("content-length"));
        assertArrayEquals(text(100_000), r.body());
    }

    @Test
    void aGzipBombIsRefusedAndCostsOnlyItsOwnStream() throws Exception {
        byte[] bomb = gzip(new byte[32 << 20]);
        String err = "envoy_http_decompressor_in_gz_gzip_decompressor_library_zlib_data_error" + TAG;
        double before = proxy.metric(err);
        HttpResponse<String> r = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build().send(
                HttpRequest.newBuilder(URI.create(url("/upload"))).header("Content-Encoding", "gzip")
                        .POST(HttpRequest.BodyPublishers.ofByteArray(bomb)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(400, r.statusCode());
        assertEquals(before + 1, proxy.metric(err));
        assertEquals(200, get("/text", "gzip").status(), "the proxy carries on");
    }

    @Test
    void statsInPrometheus() throws Exception {
        double gz = proxy.metric(GZ + "compressed" + TAG);
        double br = proxy.metric(BR + "response_compressed" + TAG);
        double brUsed = proxy.metric(BR + "header_compressor_used" + TAG);
        double gzOvershadowed = proxy.metric(GZ + "header_compressor_overshadowed" + TAG);
        double noAccept = proxy.metric(ZS + "no_accept_header" + TAG);
        double inBytes = proxy.metric(GZ + "total_uncompressed_bytes" + TAG);
        double outBytes = proxy.metric(GZ + "total_compressed_bytes" + TAG);
        get("/text?len=10000", "gzip");
        get("/text?len=10000", "br");
        get("/text?len=10000", null);
        assertEquals(gz + 1, proxy.metric(GZ + "compressed" + TAG));
        assertEquals(br + 1, proxy.metric(BR + "response_compressed" + TAG));
        assertEquals(brUsed + 1, proxy.metric(BR + "header_compressor_used" + TAG));
        assertEquals(gzOvershadowed + 1, proxy.metric(GZ + "header_compressor_overshadowed" + TAG));
        assertEquals(noAccept + 1, proxy.metric(ZS + "no_accept_header" + TAG));
        assertEquals(inBytes + 10000, proxy.metric(GZ + "total_uncompressed_bytes" + TAG));
        double compressed = proxy.metric(GZ + "total_compressed_bytes" + TAG) - outBytes;
        assertTrue(compressed > 0 && compressed < 5000, "compressed bytes " + compressed);
        String metrics = proxy.admin("/stats/prometheus");
        assertTrue(metrics.contains("envoy_http_decompressor_in_gz_gzip_request_decompressed" + TAG), metrics);
        assertTrue(metrics.contains("envoy_http_decompressor_in_gz_gzip_response_total_uncompressed_bytes" + TAG));
    }
}
