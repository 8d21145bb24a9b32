package io.remora.e2e;

import com.google.protobuf.util.JsonFormat;
import io.envoyproxy.envoy.config.core.v3.HeaderValue;
import io.envoyproxy.envoy.data.tap.v3.HttpBufferedTrace;
import io.envoyproxy.envoy.data.tap.v3.TraceWrapper;
import io.remora.testing.TempPaths;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.Reader;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static io.remora.xds.ads.TestControlPlane.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code envoy.filters.http.tap} through a real proxy: a static {@code file_per_tap} config writes
 * one JSON trace per matching stream with what curl sent and got (no file for the others), a body
 * match with a binary format, and {@code POST /tap} on the admin streaming traces of the requests
 * made while it is open, one session at a time.
 */
class TapE2ETest {

    @RegisterExtension
    static final E2EStack stack = new E2EStack();
    static ProxyProcess proxy;
    static Path dir;
    static final HttpClient client = HttpClient.newHttpClient();

    @BeforeAll
    static void start() throws Exception {
        TestUpstream upstream = stack.upstream((ctx, req, n) -> TestUpstream.send(ctx, req, 200,
                req.uri().equals("/big") ? "x".repeat(3000) : "hello " + req.uri(), Map.of("x-up", "yes")));
        dir = TempPaths.directory("tap");
        String filters = """
                - name: envoy.filters.http.tap
                  typed_config:
                    "@type": type.googleapis.com/envoy.extensions.filters.http.tap.v3.Tap
                    record_headers_received_time: true
                    record_downstream_connection: true
                    common_config:
                      static_config:
                        match:
                          and_match:
                            rules:
                            - http_request_headers_match: { headers: [{ name: x-tap, string_match: { exact: "yes" } }] }
                            - http_response_headers_match: { headers: [{ name: ":status", string_match: { exact: "200" } }] }
                        output_config:
                          sinks:
                          - format: JSON_BODY_AS_STRING
                            file_per_tap: { path_prefix: %s/json }
                - name: tap-body
                  typed_config:
                    "@type": type.googleapis.com/envoy.extensions.filters.http.tap.v3.Tap
                    common_config:
                      static_config:
                        match_config:
                          http_request_generic_body_match: { patterns: [{ string_match: needle }] }
                        output_config:
                          max_buffered_rx_bytes: 4
                          sinks:
                          - format: PROTO_BINARY_LENGTH_DELIMITED
                            file_per_tap: { path_prefix: %s/bin }
                - name: tap-streamed
                  typed_config:
                    "@type": type.googleapis.com/envoy.extensions.filters.http.tap.v3.Tap
                    common_config:
                      static_config:
                        match:
                          and_match:
                            rules:
                            - http_request_headers_match: { headers: [{ name: x-stream, string_match: { exact: "yes" } }] }
                            - http_response_headers_match: { headers: [{ name: x-up, present_match: true }] }
                        output_config:
                          streaming: true
                          sinks:
                          - format: JSON_BODY_AS_STRING
                            file_per_tap: { path_prefix: %s/stream }
                - name: tap-admin
                  typed_config:
                    "@type": type.googleapis.com/envoy.extensions.filters.http.tap.v3.Tap
                    common_config:
                      admin_config: { config_id: by_admin }
                """.formatted(dir, dir, dir);
        String routes = """
                - match: { prefix: "/" }
                  route: { cluster: web }
                """;
        proxy = stack.start(stack.http(TempPaths.file("access", ".log").toString(), routes,
                Bootstraps.cluster("web", false, null, upstream.port()), "", filters));
    }

    @Test
    void aMatchingStreamIsWrittenAsOneJsonTrace() throws Exception {
        Curl r = Curl.run("-H", "x-tap: yes", "--data-binary", "ping body", stack.url("/echo"));
        assertEquals(200, r.status());
        HttpBufferedTrace trace = awaitJsonTrace("/echo");
        HttpBufferedTrace.Message req = trace.getRequest();
        assertEquals("yes", header(req.getHeadersList(), "x-tap"));
        assertEquals("POST", header(req.getHeadersList(), ":method"));
        assertEquals("ping body", req.getBody().getAsString());
        assertFalse(req.getBody().getTruncated());
        assertTrue(req.hasHeadersReceivedTime());
        HttpBufferedTrace.Message resp = trace.getResponse();
        assertEquals("200", header(resp.getHeadersList(), ":status"));
        assertEquals("yes", header(resp.getHeadersList(), "x-up"));
        assertEquals(r.text(), resp.getBody().getAsString());
        assertEquals(stack.url("/").split(":")[2].replace("/", ""),
                String.valueOf(trace.getDownstreamConnection().getLocalAddress().getSocketAddress().getPortValue()));
        assertEquals("127.0.0.1", trace.getDownstreamConnection().getRemoteAddress().getSocketAddress().getAddress());
    }

    @Test
    void streamsThatDoNotMatchWriteNothing() throws Exception {
        double before = proxy.stat("http.ingress.tap.rq_tapped");
        assertEquals(200, Curl.run("-H", "x-tap: no", stack.url("/skipped")).status());
        // Files are written in order: once the next matching one is there, the other would be too.
        assertEquals(200, Curl.run("-H", "x-tap: yes", stack.url("/after-skipped")).status());
        awaitJsonTrace("/after-skipped");
        assertTrue(jsonTraces().stream().noneMatch(t -> path(t).equals("/skipped")));
        assertEquals(before + 1, proxy.stat("http.ingress.tap.rq_tapped"));
    }

    @Test
    void bodiesAreKeptUpToTheLimitAndMarkedTruncated() throws Exception {
        assertEquals(200, Curl.run("-H", "x-tap: yes", stack.url("/big")).status());
        HttpBufferedTrace.Message resp = awaitJsonTrace("/big").getResponse();
        assertEquals("x".repeat(1024), resp.getBody().getAsString(), "max_buffered_tx_bytes defaults to 1 KiB");
        assertTrue(resp.getBody().getTruncated());
    }

    @Test
    void aBodyMatchWritesALengthDelimitedProto() throws Exception {
        assertEquals(200, Curl.run("--data-binary", "hay hay needle hay", stack.url("/needle")).status());
        await("a .pb_length_delimited trace", () -> !files("bin_").isEmpty());
        List<Path> bins = files("bin_");
        assertEquals(1, bins.size(), "the request without the needle is not tapped");
        assertTrue(bins.get(0).getFileName().toString().matches("bin_\\d+\\.pb_length_delimited"), bins.toString());
        try (InputStream in = Files.newInputStream(bins.get(0))) {
            HttpBufferedTrace trace = TraceWrapper.parseDelimitedFrom(in).getHttpBufferedTrace();
            assertEquals("hay ", trace.getRequest().getBody().getAsBytes().toStringUtf8());
            assertTrue(trace.getRequest().getBody().getTruncated());
            assertEquals("/needle", header(trace.getRequest().getHeadersList(), ":path"));
        }
    }

    /**
     * streaming: the request's pieces wait until the response headers decide the match, then
     * every piece is its own segment, in order, in the stream's one file.
     */
    @Test
    void aStreamedTraceIsWrittenAsSegments() throws Exception {
        assertEquals(200, Curl.run("-H", "x-stream: yes", "--data-binary", "ping", stack.url("/stream")).status());
        await("a streamed trace", () -> {
            List<Path> f = files("stream_");
            try {
                return f.size() == 1 && Files.readString(f.get(0)).contains("response_body_chunk");
            } catch (Exception e) {
                return false;
            }
        });
        Path file = files("stream_").get(0);
        Reader in = new java.io.StringReader(Files.readString(file));
        List<io.envoyproxy.envoy.data.tap.v3.HttpStreamedTraceSegment> segments = new java.util.ArrayList<>();
        for (int i = 0; i < 4; i++) {
            TraceWrapper.Builder b = TraceWrapper.newBuilder();
            JsonFormat.parser().merge(nextJson(in), b);
            segments.add(b.getHttpStreamedTraceSegment());
        }
        assertEquals("/stream", header(segments.get(0).getRequestHeaders().getHeadersList(), ":path"));
        assertEquals("ping", segments.get(1).getRequestBodyChunk().getAsString());
        assertEquals("yes", header(segments.get(2).getResponseHeaders().getHeadersList(), "x-up"));
        assertEquals("hello /stream", segments.get(3).getResponseBodyChunk().getAsString());
        String id = file.getFileName().toString().replace("stream_", "").replace(".json", "");
        assertTrue(segments.stream().allMatch(s -> Long.toUnsignedString(s.getTraceId()).equals(id)), file.toString());
    }

    @Test
    void adminTapStreamsTracesWhileTheClientStays() throws Exception {
        String body = """
                config_id: by_admin
                tap_config:
                  match: { http_request_headers_match: { headers: [{ name: x-admin, string_match: { exact: "on" } }] } }
                  output_config:
                    sinks: [{ format: JSON_BODY_AS_BYTES, streaming_admin: {} }]
                """;
        HttpResponse<String> unknown = postTap(body.replace("by_admin", "nobody"));
        assertEquals(400, unknown.statusCode());
        assertTrue(unknown.body().contains("Unknown config id 'nobody'"), unknown.body());
        Process curl = new ProcessBuilder("curl", "-sS", "-N", "--max-time", "60", "-X", "POST", "--data-binary", body,
                proxy.adminUri("/tap").toString()).redirectErrorStream(true).start();
        BlockingQueue<String> traces = new LinkedBlockingQueue<>();
        Thread reader = new Thread(() -> {
            try (Reader out = new InputStreamReader(curl.getInputStream(), StandardCharsets.UTF_8)) {
                while (true) {
                    traces.add(nextJson(out));
                }
            } catch (Exception | AssertionError e) {
                // the stream ended
            }
        });
        reader.setDaemon(true);
        reader.start();
        try {
            // curl tells nothing before the first trace: probe until the session is attached.
            String probe = null;
            for (int i = 0; probe == null && i < 50; i++) {
                assertEquals(200, Curl.run("-H", "x-admin: on", stack.url("/probe")).status());
                probe = traces.poll(200, TimeUnit.MILLISECONDS);
            }
            assertEquals("/probe", path(trace(probe)));
            HttpResponse<String> second = postTap(body);
            assertEquals(400, second.statusCode());
            assertTrue(second.body().contains("already exists"), second.body());
            traces.clear();
            assertEquals(200, Curl.run("-H", "x-admin: off", stack.url("/not-streamed")).status());
            assertEquals(200, Curl.run("-H", "x-admin: on", stack.url("/streamed")).status());
            HttpBufferedTrace trace = trace(traces.poll(10, TimeUnit.SECONDS));
            assertEquals("/streamed", path(trace), "the stream that does not match is not streamed");
            assertEquals("hello /streamed", trace.getResponse().getBody().getAsBytes().toStringUtf8());
        } finally {
            curl.destroy();
            curl.waitFor(10, TimeUnit.SECONDS);
        }
        // The session went with its client: another may attach (its 200 comes once it is).
        await("a new /tap session attached", () -> {
            try {
                HttpResponse<InputStream> next = client.send(HttpRequest.newBuilder(proxy.adminUri("/tap"))
                        .timeout(java.time.Duration.ofSeconds(10)).POST(HttpRequest.BodyPublishers.ofString(body))
                        .build(), HttpResponse.BodyHandlers.ofInputStream());
                next.body().close();
                return next.statusCode() == 200;
            } catch (Exception e) {
                throw new AssertionError(e);
            }
        });
    }

    /** buffered_admin: the reply carries max_traces traces at once, then ends (and the session with it). */
    @Test
    void bufferedAdminTapAnswersOnceMaxTracesAreThere() throws Exception {
        String body = """
                config_id: by_admin
                tap_config:
                  match: { http_request_headers_match: { headers: [{ name: x-buffered, present_match: true }] } }
                  output_config:
                    sinks: [{ format: JSON_BODY_AS_STRING, buffered_admin: { max_traces: 2 } }]
                """;
        HttpRequest post = HttpRequest.newBuilder(proxy.adminUri("/tap")).POST(HttpRequest.BodyPublishers.ofString(body))
                .build();
        var reply = client.sendAsync(post, HttpResponse.BodyHandlers.ofString());
        for (int i = 0; i < 100; i++) {
            if (reply.isDone()) {
                if (!reply.get().body().contains("already exists")) {
                    break;
                }
                // another test's session is still going away
                Thread.sleep(50);
                reply = client.sendAsync(post, HttpResponse.BodyHandlers.ofString());
            }
            assertEquals(200, Curl.run("-H", "x-buffered: " + i, stack.url("/buffered-" + i)).status());
        }
        HttpResponse<String> r = reply.get(10, TimeUnit.SECONDS);
        assertEquals(200, r.statusCode(), r.body());
        Reader in = new java.io.StringReader(r.body());
        String first = path(trace(nextJson(in)));
        String second = path(trace(nextJson(in)));
        assertTrue(first.startsWith("/buffered-") && second.startsWith("/buffered-") && !first.equals(second),
                first + " " + second);
        assertEquals("", r.body().substring(r.body().lastIndexOf('}') + 1).trim(), "two traces, then the end");
    }

    private static HttpBufferedTrace trace(String json) throws Exception {
        assertTrue(json != null, "no trace streamed");
        TraceWrapper.Builder b = TraceWrapper.newBuilder();
        JsonFormat.parser().merge(json, b);
        return b.getHttpBufferedTrace();
    }

    private static HttpResponse<String> postTap(String body) throws Exception {
        return client.send(HttpRequest.newBuilder(proxy.adminUri("/tap")).timeout(java.time.Duration.ofSeconds(10))
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    /** The next whole JSON object on the stream (its braces balanced outside strings). */
    private static String nextJson(Reader in) throws Exception {
        StringBuilder sb = new StringBuilder();
        int depth = 0;
        boolean inString = false;
        boolean escaped = false;
        int c;
        while ((c = in.read()) >= 0) {
            if (depth == 0 && c != '{') {
                continue;
            }
            sb.append((char) c);
            if (inString) {
                escaped = !escaped && c == '\\';
                inString = escaped || c != '"';
            } else if (c == '"') {
                inString = true;
            } else if (c == '{') {
                depth++;
            } else if (c == '}' && --depth == 0) {
                return sb.toString();
            }
        }
        throw new AssertionError("the stream ended: " + sb);
    }

    private static HttpBufferedTrace awaitJsonTrace(String path) {
        await("a JSON trace of " + path, () -> jsonTraces().stream().anyMatch(t -> path(t).equals(path)));
        List<HttpBufferedTrace> all = jsonTraces().stream().filter(t -> path(t).equals(path)).toList();
        assertEquals(1, all.size(), "one file per tapped stream");
        return all.get(0);
    }

    private static String path(HttpBufferedTrace t) {
        return String.valueOf(header(t.getRequest().getHeadersList(), ":path"));
    }

    private static List<HttpBufferedTrace> jsonTraces() {
        return files("json_").stream().map(p -> {
            try {
                TraceWrapper.Builder b = TraceWrapper.newBuilder();
                JsonFormat.parser().merge(Files.readString(p), b);
                return b.getHttpBufferedTrace();
            } catch (Exception e) {
                // a file still being written: the next poll reads it whole
                return HttpBufferedTrace.getDefaultInstance();
            }
        }).toList();
    }

    private static List<Path> files(String prefix) {
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> p.getFileName().toString().startsWith(prefix)).toList();
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    private static String header(List<HeaderValue> headers, String name) {
        return headers.stream().filter(h -> h.getKey().equals(name)).map(HeaderValue::getValue).findFirst().orElse(null);
    }
}
