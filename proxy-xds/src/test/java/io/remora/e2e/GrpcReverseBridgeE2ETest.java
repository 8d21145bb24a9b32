package io.remora.e2e;

import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.ClientCalls;
import io.remora.testing.GrpcText;
import io.remora.testing.TempPaths;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The grpc_http1_reverse_bridge filter between a grpc-java client (h2c) and a plain HTTP/1.1
 * server answering bare protobuf bodies: the frame header is taken off the request and put back
 * on the response, and the upstream's HTTP status becomes the grpc-status trailer.
 */
class GrpcReverseBridgeE2ETest {

    static final String PROTOBUF = "application/x-protobuf";

    static TestUpstream upstream;
    static ProxyProcess proxy;
    static ManagedChannel channel;
    static ProxyProcess sizedProxy;
    static ManagedChannel sizedChannel;
    static volatile String seenByDisabledRoute;

    @BeforeAll
    static void start() throws Exception {
        upstream = TestUpstream.start((ctx, req, n) -> {
            String body = req.content().toString(StandardCharsets.UTF_8);
            String ct = req.headers().get("content-type");
            String accept = req.headers().get("accept");
            String path = req.uri();
            if (path.endsWith("/Missing")) {
                TestUpstream.send(ctx, req, 404, "", Map.of("content-type", PROTOBUF));
            } else if (path.endsWith("/Plain")) {
                TestUpstream.send(ctx, req, 200, "not protobuf");
            } else if (path.endsWith("/Sized")) {
                String reply = "sized " + body;
                TestUpstream.send(ctx, req, 200, reply, Map.of("content-type", PROTOBUF,
                        "x-message-size", Integer.toString(reply.length())));
            } else if (path.startsWith("/demo.Off/")) {
                TestUpstream.send(ctx, req, 200, "", Map.of("content-type", PROTOBUF, "x-seen-type", ct));
                seenByDisabledRoute = ct;
            } else if (path.endsWith("/Broken")) {
                TestUpstream.send(ctx, req, 503, "x", Map.of("content-type", PROTOBUF));
            } else {
                // What the upstream saw comes back in the message, so the test can check it.
                TestUpstream.send(ctx, req, 200, "got " + body + " as " + ct + " accepting " + accept,
                        Map.of("content-type", PROTOBUF));
            }
        });
        int admin = ProxyProcess.freePort();
        int port = ProxyProcess.freePort();
        String routes = """
                - match: { prefix: "/demo.Off/" }
                  route: { cluster: http1_backend, timeout: 0s }
                  typed_per_filter_config:
                    envoy.filters.http.grpc_http1_reverse_bridge:
                      "@type": type.googleapis.com/envoy.extensions.filters.http.grpc_http1_reverse_bridge.v3.FilterConfigPerRoute
                      disabled: true
                - match: { prefix: "/demo.Down/" }
                  route: { cluster: down }
                - match: { prefix: "/" }
                  route: { cluster: http1_backend, timeout: 0s }
                """;
        String filters = """
                - name: envoy.filters.http.grpc_http1_reverse_bridge
                  typed_config:
                    "@type": type.googleapis.com/envoy.extensions.filters.http.grpc_http1_reverse_bridge.v3.FilterConfig
                    content_type: application/x-protobuf
                    withhold_grpc_frames: true
                """;
        String clusters = Bootstraps.cluster("http1_backend", false, null, upstream.port())
                + Bootstraps.cluster("down", false, null, ProxyProcess.freePort());
        proxy = ProxyProcess.start(Bootstraps.http(admin, port, TempPaths.file("access", ".log").toString(), routes,
                clusters, "", filters), admin);
        channel = NettyChannelBuilder.forAddress("127.0.0.1", port).usePlaintext().build();

        int sizedAdmin = ProxyProcess.freePort();
        int sizedPort = ProxyProcess.freePort();
        sizedProxy = ProxyProcess.start(Bootstraps.http(sizedAdmin, sizedPort, TempPaths.file("access", ".log").toString(),
                routes, clusters, "",
                filters + "    response_size_header: X-Message-Size\n"), sizedAdmin);
        sizedChannel = NettyChannelBuilder.forAddress("127.0.0.1", sizedPort).usePlaintext().build();
    }

    @AfterAll
    static void stop() throws Exception {
        if (channel != null) {
            channel.shutdownNow();
        }
        if (sizedChannel != null) {
            sizedChannel.shutdownNow();
        }
        if (proxy != null) {
            proxy.close();
        }
        if (sizedProxy != null) {
            sizedProxy.close();
        }
        if (upstream != null) {
            upstream.close();
        }
    }

    @Test
    void bareProtobufAnswerBecomesGrpcMessageWithOk() {
        String reply = ClientCalls.blockingUnaryCall(channel, method("Say"), CallOptions.DEFAULT, "remora");
        assertEquals("got remora as application/x-protobuf accepting application/x-protobuf", reply);
    }

    @Test
    void upstreamErrorStatusesMapToGrpcStatuses() {
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class,
                () -> ClientCalls.blockingUnaryCall(channel, method("Missing"), CallOptions.DEFAULT, "x"));
        assertEquals(Status.Code.UNIMPLEMENTED, e.getStatus().getCode());
        e = assertThrows(StatusRuntimeException.class,
                () -> ClientCalls.blockingUnaryCall(channel, method("Broken"), CallOptions.DEFAULT, "x"));
        assertEquals(Status.Code.UNAVAILABLE, e.getStatus().getCode());
    }

    @Test
    void unreachableUpstreamFailsTheCall() {
        // The router's gRPC local reply is not of the upstream's type either: the filter answers
        // for it, as Envoy's does; the call ends with an error, not a hang.
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class,
                () -> ClientCalls.blockingUnaryCall(channel, GrpcText.unary("demo.Down/Say"), CallOptions.DEFAULT, "x"));
        assertEquals(Status.Code.UNKNOWN, e.getStatus().getCode(), e.getStatus().toString());
    }

    @Test
    void answerOfAnotherContentTypeIsUnknown() {
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class,
                () -> ClientCalls.blockingUnaryCall(channel, method("Plain"), CallOptions.DEFAULT, "x"));
        assertEquals(Status.Code.UNKNOWN, e.getStatus().getCode());
        assertTrue(e.getStatus().getDescription().contains("unsupported content-type text/plain, status code 200"),
                e.getStatus().toString());
    }

    @Test
    void responseSizeHeaderGivesTheFrameLength() {
        assertEquals("sized s", ClientCalls.blockingUnaryCall(sizedChannel, method("Sized"), CallOptions.DEFAULT, "s"));
    }

    @Test
    void responseWithoutTheSizeHeaderIsInternal() {
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class,
                () -> ClientCalls.blockingUnaryCall(sizedChannel, method("Say"), CallOptions.DEFAULT, "x"));
        assertEquals(Status.Code.INTERNAL, e.getStatus().getCode());
        assertEquals("envoy reverse bridge: upstream did not set content length", e.getStatus().getDescription());
    }

    @Test
    void disabledRouteLeavesTheRequestGrpc() {
        // The answer is not gRPC then, so the client fails; the upstream saw the gRPC content-type.
        assertThrows(StatusRuntimeException.class, () -> ClientCalls.blockingUnaryCall(channel,
                GrpcText.unary("demo.Off/Say"), CallOptions.DEFAULT, "x"));
        assertEquals("application/grpc", seenByDisabledRoute);
    }

    private static MethodDescriptor<String, String> method(String name) {
        return GrpcText.unary("demo.Bridge/" + name);
    }
}
