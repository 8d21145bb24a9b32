package io.remora.e2e;

import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.MethodDescriptor;
import io.grpc.Server;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.ServerCalls;
import io.grpc.stub.StreamObserver;
import io.opentelemetry.proto.trace.v1.Span;
import io.remora.testing.GrpcText;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.net.InetSocketAddress;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static io.remora.e2e.OtlpTraceReceiver.attr;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The span of a gRPC call, as Envoy tags it (http_tracer_impl.cc addGrpcRequestTags and
 * addGrpcResponseTags, setCommonTags; TracerImpl::startSpan for the node's): grpc-java client and server through
 * the proxy, its OpenTelemetry spans at a real OTLP receiver.
 */
class GrpcTracingE2ETest {

    @RegisterExtension
    static final E2EStack stack = new E2EStack();
    static final MethodDescriptor<String, String> SAY = GrpcText.unary("demo.Echo/Say");
    static final MethodDescriptor<String, String> DOWN = GrpcText.unary("demo.Echo/Down");
    static final MethodDescriptor<String, String> MISSING = GrpcText.unary("demo.Echo/Missing");
    static final Map<String, Integer> ports = new HashMap<>();
    static OtlpTraceReceiver collector;
    static ManagedChannel channel;

    @BeforeAll
    static void start() throws Exception {
        ServerServiceDefinition service = ServerServiceDefinition.builder("demo.Echo")
                .addMethod(SAY, ServerCalls.asyncUnaryCall((String req, StreamObserver<String> out) -> {
                    out.onNext("hello " + req);
                    out.onCompleted();
                }))
                .addMethod(DOWN, ServerCalls.asyncUnaryCall((String req, StreamObserver<String> out) ->
                        out.onError(Status.UNAVAILABLE.withDescription("backend down").asRuntimeException())))
                .addMethod(MISSING, ServerCalls.asyncUnaryCall((String req, StreamObserver<String> out) ->
                        out.onError(Status.NOT_FOUND.withDescription("no " + req).asRuntimeException())))
                .build();
        Server server = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0)).addService(service)
                .build().start();
        stack.own(server::shutdownNow);
        collector = stack.own(new OtlpTraceReceiver());
        ports.put("grpc", ProxyProcess.freePort());
        String tracing = """
                tracing:
                  random_sampling: { value: 100 }
                  provider:
                    name: envoy.tracers.opentelemetry
                    typed_config:
                      "@type": type.googleapis.com/envoy.config.trace.v3.OpenTelemetryConfig
                      grpc_service: { envoy_grpc: { cluster_name: otel }, timeout: 1s }
                """;
        String listener = Bootstraps.httpListenerWithFilters("grpc", "", tracing, "", Bootstraps.catchAll("""
                - match: { prefix: "/demo.Echo/" }
                  route: { cluster: grpc_backend, timeout: 0s }
                """));
        String clusters = Bootstraps.cluster("grpc_backend", true, "  alt_stat_name: echo-service\n",
                server.getPort()) + "\n"
                + Bootstraps.cluster("otel", true, null, collector.port());
        stack.start(Bootstraps.listeners(stack.adminPort, listener, clusters, ports)
                + "node: { id: sidecar~10.0.0.7~orders.shop, cluster: orders.shop, locality: { zone: zone-a } }\n"
                + "layered_runtime:\n  layers:\n  - name: static\n    static_layer:\n"
                + "      tracing.opentelemetry.min_flush_spans: 1\n");
        channel = NettyChannelBuilder.forAddress("127.0.0.1", ports.get("grpc")).usePlaintext().build();
        stack.own(channel::shutdownNow);
    }

    /** The span whose grpc.path is {@code path} (the calls' spans may come in any order). */
    private static Span spanOf(String path) throws InterruptedException {
        for (Span s = collector.next(); s != null; s = collector.next()) {
            if (path.equals(attr(s, "grpc.path"))) {
                return s;
            }
        }
        return null;
    }

    @Test
    void aCallIsTaggedWithItsRequestsGrpcHeadersItsStatusAndTheNode() throws Exception {
        assertEquals("hello remora", ClientCalls.blockingUnaryCall(channel, SAY,
                CallOptions.DEFAULT.withDeadlineAfter(30, TimeUnit.SECONDS), "remora"));
        Span s = spanOf("/demo.Echo/Say");
        assertNotNull(s, "the call's span reached the collector");
        assertEquals("127.0.0.1:" + ports.get("grpc"), attr(s, "grpc.authority"));
        assertEquals("application/grpc", attr(s, "grpc.content_type"));
        String timeout = attr(s, "grpc.timeout");
        assertNotNull(timeout, "the client's deadline");
        assertTrue(timeout.matches("[0-9]{1,8}[HMSmun]"), timeout);
        assertEquals("0", attr(s, "grpc.status_code"), "from the trailers");
        assertNull(attr(s, "error"));
        assertEquals("sidecar~10.0.0.7~orders.shop", attr(s, "node_id"));
        assertEquals("zone-a", attr(s, "zone"));
        assertEquals("grpc_backend", attr(s, "upstream_cluster"));
        assertEquals("echo-service", attr(s, "upstream_cluster.name"), "Envoy's observabilityName");
    }

    /** UNAVAILABLE blames the server: the span is an error though the HTTP status is 200. */
    @Test
    void aServersFailureIsAnError() throws Exception {
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class,
                () -> ClientCalls.blockingUnaryCall(channel, DOWN, CallOptions.DEFAULT, "x"));
        assertEquals(Status.Code.UNAVAILABLE, e.getStatus().getCode());
        Span s = spanOf("/demo.Echo/Down");
        assertNotNull(s);
        assertEquals("200", attr(s, "http.status_code"));
        assertEquals("14", attr(s, "grpc.status_code"));
        assertEquals("backend down", attr(s, "grpc.message"));
        assertEquals("true", attr(s, "error"));
        assertEquals(io.opentelemetry.proto.trace.v1.Status.StatusCode.STATUS_CODE_ERROR, s.getStatus().getCode());
        assertNull(attr(s, "grpc.timeout"), "no deadline, no timeout");
    }

    /** NOT_FOUND is the client's mistake (Envoy issue 18877): tagged, but no error. */
    @Test
    void aClientsMistakeIsNoError() throws Exception {
        assertThrows(StatusRuntimeException.class,
                () -> ClientCalls.blockingUnaryCall(channel, MISSING, CallOptions.DEFAULT, "thing"));
        Span s = spanOf("/demo.Echo/Missing");
        assertNotNull(s);
        assertEquals("5", attr(s, "grpc.status_code"));
        assertEquals("no thing", attr(s, "grpc.message"));
        assertNull(attr(s, "error"));
        assertEquals(io.opentelemetry.proto.trace.v1.Status.StatusCode.STATUS_CODE_UNSET, s.getStatus().getCode());
    }
}
