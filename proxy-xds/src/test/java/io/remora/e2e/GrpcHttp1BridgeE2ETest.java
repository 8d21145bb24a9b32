package io.remora.e2e;

import io.grpc.Server;
import io.grpc.netty.NettyServerBuilder;
import io.remora.testing.TempPaths;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The grpc_http1_bridge filter between curl over HTTP/1.1 and a grpc-java server: the status
 * trailers come back as headers (503 for an error), an application/x-protobuf request is framed
 * and its answer unframed, and a query is stripped before the call.
 */
class GrpcHttp1BridgeE2ETest {

    @RegisterExtension
    static final E2EStack stack = new E2EStack();
    static Server server;
    static ProxyProcess proxy;

    @BeforeAll
    static void start() throws Exception {
        server = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
                .addService(GrpcWebE2ETest.echoService()).build().start();
        stack.own(server::shutdownNow);
        // grpc: {} only matches once the filter made an x-protobuf request gRPC (the route is looked up again).
        String routes = """
                - match: { prefix: "/demo.Echo/", grpc: {} }
                  route: { cluster: grpc_backend, timeout: 0s }
                """;
        String filters = """
                - name: envoy.filters.http.grpc_http1_bridge
                  typed_config:
                    "@type": type.googleapis.com/envoy.extensions.filters.http.grpc_http1_bridge.v3.Config
                    upgrade_protobuf_to_grpc: true
                    ignore_query_parameters: true
                """;
        proxy = stack.start(stack.http(TempPaths.file("access", ".log").toString(), routes,
                Bootstraps.cluster("grpc_backend", true, null, server.getPort()), "", filters));
    }

    @Test
    void okStatusComesInHeadersWithTheLength() throws Exception {
        Curl r = call("/demo.Echo/Say", "application/grpc", GrpcWebE2ETest.frame(0, "bridge"));
        assertEquals(200, r.status());
        assertEquals("0", r.header("grpc-status"));
        byte[] expected = GrpcWebE2ETest.frame(0, "hello bridge");
        assertArrayEquals(expected, r.body());
        assertEquals(Integer.toString(expected.length), r.header("content-length"));
    }

    @Test
    void errorStatusBecomes503WithStatusAndMessageHeaders() throws Exception {
        // grpc-java answers a failed unary call trailers-only, which passes as it is (200)...
        Curl r = call("/demo.Echo/Fail", "application/grpc", GrpcWebE2ETest.frame(0, "thing"));
        assertEquals(200, r.status());
        assertEquals("5", r.header("grpc-status"));
        // ...while a status in real trailers (after the headers) turns into 503.
        r = call("/demo.Echo/Partial", "application/grpc+proto", GrpcWebE2ETest.frame(0, "y"));
        assertEquals(503, r.status(), r.headers().toString());
        assertEquals("5", r.header("grpc-status"));
        assertEquals("no y 100%25", r.header("grpc-message"));
        byte[] expected = GrpcWebE2ETest.frame(0, "partial y");
        assertArrayEquals(expected, r.body());
        assertEquals(Integer.toString(expected.length), r.header("content-length"));
    }

    @Test
    void protobufRequestIsFramedAndItsAnswerUnframed() throws Exception {
        Curl r = call("/demo.Echo/Say?trace=1", "application/x-protobuf", "proto".getBytes(StandardCharsets.UTF_8));
        assertEquals(200, r.status(), r.headers().toString());
        assertEquals("0", r.header("grpc-status"));
        assertEquals("hello proto", r.text());
        assertEquals("11", r.header("content-length"));
    }

    @Test
    void queryIsStrippedBeforeTheCall() throws Exception {
        // grpc-java knows no method "Say?x=1": it would answer UNIMPLEMENTED (12).
        Curl r = call("/demo.Echo/Say?x=1", "application/grpc", GrpcWebE2ETest.frame(0, "q"));
        assertEquals("0", r.header("grpc-status"), r.headers().toString());
        assertArrayEquals(GrpcWebE2ETest.frame(0, "hello q"), r.body());
    }

    private static Curl call(String path, String contentType, byte[] body, String... extra) throws Exception {
        Path file = TempPaths.file("bridge", ".bin");
        Files.write(file, body);
        List<String> args = new ArrayList<>(List.of("--http1.1", "-H", "te: trailers"));
        args.addAll(List.of(extra));
        args.addAll(List.of("-H", "content-type: " + contentType, "--data-binary", "@" + file,
                stack.url(path)));
        try {
            return Curl.run(args.toArray(String[]::new));
        } finally {
            Files.deleteIfExists(file);
        }
    }
}
