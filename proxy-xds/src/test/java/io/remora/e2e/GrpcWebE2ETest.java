package io.remora.e2e;

import io.grpc.MethodDescriptor;
import io.grpc.Server;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.ServerCalls;
import io.grpc.stub.StreamObserver;
import io.remora.testing.GrpcText;
import io.remora.testing.TempPaths;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.ByteArrayOutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The grpc_web filter between gRPC-Web clients (curl over HTTP/1.1 and HTTP/2, the JDK client
 * streaming a text body in pieces) and a grpc-java server: binary and base64 text calls, the
 * trailer frame, a trailers-only error, an upstream that is not gRPC, and bad base64.
 */
class GrpcWebE2ETest {

    @RegisterExtension
    static final E2EStack stack = new E2EStack();
    static final MethodDescriptor<String, String> SAY = GrpcText.unary("demo.Echo/Say");
    static final MethodDescriptor<String, String> FAIL = GrpcText.unary("demo.Echo/Fail");
    static final MethodDescriptor<String, String> PARTIAL = GrpcText.bidi("demo.Echo/Partial");

    static Server server;
    static ProxyProcess proxy;

    /** demo.Echo: Say answers "hello <req>", Fail is NOT_FOUND, Partial one message then NOT_FOUND in trailers. */
    static ServerServiceDefinition echoService() {
        return ServerServiceDefinition.builder("demo.Echo")
                .addMethod(SAY, ServerCalls.asyncUnaryCall((String req, StreamObserver<String> out) -> {
                    out.onNext("hello " + req);
                    out.onCompleted();
                }))
                .addMethod(FAIL, ServerCalls.asyncUnaryCall((String req, StreamObserver<String> out) ->
                        out.onError(Status.NOT_FOUND.withDescription("no " + req).asRuntimeException())))
                // One message, then an error: the status comes in real trailers.
                .addMethod(PARTIAL, ServerCalls.asyncBidiStreamingCall(out -> new StreamObserver<String>() {
                    @Override
                    public void onNext(String value) {
                        out.onNext("partial " + value);
                        out.onError(Status.NOT_FOUND.withDescription("no " + value + " 100%").asRuntimeException());
                    }

                    @Override
                    public void onError(Throwable t) {
                    }

                    @Override
                    public void onCompleted() {
                    }
                }))
                .build();
    }

    @BeforeAll
    static void start() throws Exception {
        server = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0)).addService(echoService()).build().start();
        stack.own(server::shutdownNow);
        // A gRPC-Web request is not gRPC to the route match (as in Envoy): prefixes, no grpc: {}.
        String routes = """
                - match: { prefix: "/demo.Echo/" }
                  route: { cluster: grpc_backend, timeout: 0s }
                - match: { prefix: "/down.Service/" }
                  route: { cluster: down }
                """;
        String filters = """
                - name: envoy.filters.http.grpc_web
                  typed_config: { "@type": type.googleapis.com/envoy.extensions.filters.http.grpc_web.v3.GrpcWeb }
                """;
        proxy = stack.start(stack.http(TempPaths.file("access", ".log").toString(), routes,
                Bootstraps.cluster("grpc_backend", true, null, server.getPort())
                        + Bootstraps.cluster("down", true, null, ProxyProcess.freePort()), "", filters));
    }

    @Test
    void binaryCallOverHttp1() throws Exception {
        Curl r = call("/demo.Echo/Say", "application/grpc-web+proto", frame(0, "web"), "--http1.1",
                "-H", "x-grpc-web: 1");
        assertEquals(200, r.status());
        assertEquals("application/grpc-web+proto", r.header("content-type"));
        List<byte[]> frames = frames(r.body(), 0x00);
        assertEquals("hello web", text(frames.get(0)));
        assertEquals(List.of("grpc-status:0"), trailerLines(frames));
        assertNull(r.header("grpc-status"), "the status travels in the body, not in headers or trailers");
        assertTrue(calls("demo_Echo_Say_success") >= 1);
        assertTrue(calls("demo_Echo_Say_0") >= 1);
    }

    @Test
    void binaryCallOverHttp2WithErrorInTrailerFrame() throws Exception {
        Curl r = call("/demo.Echo/Partial", "application/grpc-web", frame(0, "thing"), "--http2-prior-knowledge");
        assertEquals(200, r.status());
        assertEquals("application/grpc-web+proto", r.header("content-type"));
        List<byte[]> frames = frames(r.body(), 0x00);
        assertEquals("partial thing", text(frames.get(0)));
        assertEquals(List.of("grpc-status:5", "grpc-message:no thing 100%25"), trailerLines(frames));
        assertTrue(calls("demo_Echo_Partial_failure") >= 1);
        assertTrue(calls("demo_Echo_Partial_5") >= 1);
    }

    @Test
    void textCallAnswersInText() throws Exception {
        byte[] body = Base64.getEncoder().encode(frame(0, "text"));
        Curl r = call("/demo.Echo/Say", "application/grpc-web-text", body, "--http1.1",
                "-H", "accept: application/grpc-web-text");
        assertEquals(200, r.status());
        assertEquals("application/grpc-web-text+proto", r.header("content-type"));
        List<byte[]> frames = frames(decodeSegments(r.body()), 0x00);
        assertEquals("hello text", text(frames.get(0)));
        assertEquals(List.of("grpc-status:0"), trailerLines(frames));
    }

    @Test
    void largeTextMessageSpanningManyDataFrames() throws Exception {
        // Larger than an HTTP/2 DATA frame both ways: frames are reassembled before they are encoded.
        String big = "x".repeat(200_000);
        Curl r = call("/demo.Echo/Say", "application/grpc-web-text+proto", Base64.getEncoder().encode(frame(0, big)),
                "--http2-prior-knowledge", "-H", "accept: application/grpc-web-text+proto");
        assertEquals(200, r.status());
        List<byte[]> frames = frames(decodeSegments(r.body()), 0x00);
        assertEquals("hello " + big, text(frames.get(0)));
        assertEquals(List.of("grpc-status:0"), trailerLines(frames));
    }

    @Test
    void textBodyStreamedInPiecesThatSplitBase64Groups() throws Exception {
        byte[] b64 = Base64.getEncoder().encode(frame(0, "pieces of a longer request message"));
        List<byte[]> pieces = List.of(slice(b64, 0, 3), slice(b64, 3, 9), slice(b64, 9, 10), slice(b64, 10, b64.length));
        HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        HttpResponse<byte[]> r = client.send(HttpRequest.newBuilder(URI.create(stack.url("/demo.Echo/Say")))
                .header("content-type", "application/grpc-web-text+proto")
                .POST(HttpRequest.BodyPublishers.ofByteArrays(pieces)).build(), HttpResponse.BodyHandlers.ofByteArray());
        assertEquals(200, r.statusCode());
        assertEquals("application/grpc-web+proto", r.headers().firstValue("content-type").orElse(null));
        List<byte[]> frames = frames(r.body(), 0x00);
        assertEquals("hello pieces of a longer request message", text(frames.get(0)));
        assertEquals(List.of("grpc-status:0"), trailerLines(frames));
    }

    @Test
    void trailersOnlyErrorsKeepStatusInHeaders() throws Exception {
        Curl r = call("/demo.Echo/Nope", "application/grpc-web+proto", frame(0, "x"), "--http1.1");
        assertEquals(200, r.status());
        assertEquals("application/grpc-web+proto", r.header("content-type"));
        assertEquals("12", r.header("grpc-status")); // UNIMPLEMENTED
        assertEquals(0, r.body().length);

        r = call("/demo.Echo/Fail", "application/grpc-web-text", Base64.getEncoder().encode(frame(0, "thing")),
                "--http2-prior-knowledge", "-H", "accept: application/grpc-web-text");
        assertEquals(200, r.status());
        assertEquals("application/grpc-web-text+proto", r.header("content-type"));
        assertEquals("5", r.header("grpc-status"));
        assertEquals("no thing", r.header("grpc-message"));
        assertEquals(0, r.body().length);
        assertTrue(calls("demo_Echo_Fail_failure") >= 1);
    }

    @Test
    void upstreamThatIsNotGrpcBecomesStatusHeaders() throws Exception {
        Curl r = call("/down.Service/Call", "application/grpc-web+proto", frame(0, "x"), "--http1.1");
        assertEquals(503, r.status());
        assertEquals("application/grpc-web+proto", r.header("content-type"));
        assertEquals("14", r.header("grpc-status"));
        assertTrue(r.header("grpc-message").startsWith("upstream connect error"), r.header("grpc-message"));
        assertEquals("0", r.header("content-length"));
        assertEquals(0, r.body().length);
    }

    @Test
    void invalidBase64IsBadRequest() throws Exception {
        for (String bad : List.of("AAAA!AAA", "AAAAA", "AA==AAAA")) {
            Curl r = call("/demo.Echo/Say", "application/grpc-web-text", bad.getBytes(StandardCharsets.US_ASCII),
                    "--http1.1", "-H", "accept: application/grpc-web-text");
            assertEquals(400, r.status(), bad);
            assertEquals("application/grpc-web-text+proto", r.header("content-type"));
            assertEquals("13", r.header("grpc-status"));
            assertEquals("Bad gRPC-web request, invalid base64 data.", r.header("grpc-message"));
            assertEquals(0, r.body().length);
        }
    }

    @Test
    void otherContentTypesPassUntouched() throws Exception {
        // With a parameter the type is not one of the four: the request reaches the server as sent,
        // which refuses it, and its answer comes back as it is.
        Curl r = call("/demo.Echo/Say", "application/grpc-web+proto; charset=utf-8", frame(0, "x"), "--http1.1");
        assertEquals(415, r.status());
        assertTrue(r.header("content-type").startsWith("text/plain"), r.headers().toString());
        assertTrue(r.header("grpc-message").contains("application/grpc-web+proto; charset=utf-8"), r.headers().toString());
    }

    // ------------------------------------------------------------------ helpers

    /** A grpc-web call counter of the backend cluster ({@code <service>_<method>_<stat>}). */
    private static double calls(String stat) throws Exception {
        return proxy.metric("envoy_cluster_grpc_web_" + stat + "{envoy_cluster_name=\"grpc_backend\"}");
    }

    private static Curl call(String path, String contentType, byte[] body, String... extra) throws Exception {
        Path file = TempPaths.file("grpcweb", ".bin");
        Files.write(file, body);
        List<String> args = new ArrayList<>(List.of(extra));
        args.addAll(List.of("-H", "content-type: " + contentType, "--data-binary", "@" + file,
                stack.url(path)));
        try {
            return Curl.run(args.toArray(String[]::new));
        } finally {
            Files.deleteIfExists(file);
        }
    }

    /** A gRPC(-Web) frame: flag, big-endian length, payload. */
    static byte[] frame(int flag, String payload) {
        byte[] p = payload.getBytes(StandardCharsets.UTF_8);
        return ByteBuffer.allocate(5 + p.length).put((byte) flag).putInt(p.length).put(p).array();
    }

    /** The payloads of a body's frames, checking the first one's flag and that the last is a trailer frame. */
    static List<byte[]> frames(byte[] body, int firstFlag) {
        List<byte[]> out = new ArrayList<>();
        ByteBuffer b = ByteBuffer.wrap(body);
        int last = -1;
        while (b.hasRemaining()) {
            int flag = b.get() & 0xff;
            if (out.isEmpty()) {
                assertEquals(firstFlag, flag, "first frame's flag");
            }
            byte[] p = new byte[b.getInt()];
            b.get(p);
            out.add(p);
            last = flag;
        }
        assertEquals(0x80, last, "the body ends with a trailer frame");
        return out;
    }

    /** The "key:value" lines of the trailer frame (the last one). */
    static List<String> trailerLines(List<byte[]> frames) {
        String t = text(frames.get(frames.size() - 1));
        assertTrue(t.endsWith("\r\n"), t);
        return List.of(t.substring(0, t.length() - 2).split("\r\n"));
    }

    /** A text body is base64 segments each padded on its own (one per frame): decoded group by group. */
    static byte[] decodeSegments(byte[] text) {
        assertEquals(0, text.length % 4, "whole base64 groups");
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (int i = 0; i < text.length; i += 4) {
            out.writeBytes(Base64.getDecoder().decode(slice(text, i, i + 4)));
        }
        return out.toByteArray();
    }

    static byte[] slice(byte[] b, int from, int to) {
        return java.util.Arrays.copyOfRange(b, from, to);
    }

    static String text(byte[] b) {
        return new String(b, StandardCharsets.UTF_8);
    }
}
