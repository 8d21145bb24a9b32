package io.remora.e2e;

import io.remora.testing.GrpcText;

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
import io.remora.testing.TempPaths;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** grpc-java unary and bidirectional streaming calls through the proxy to a grpc-java server. */
class GrpcE2ETest {

    @RegisterExtension
    static final E2EStack stack = new E2EStack();
    static final MethodDescriptor<String, String> UNARY = GrpcText.unary("demo.Echo/Say");
    static final MethodDescriptor<String, String> FAIL = GrpcText.unary("demo.Echo/Fail");
    static final MethodDescriptor<String, String> BIDI = GrpcText.bidi("demo.Echo/Chat");

    static Server server;
    static ProxyProcess proxy;
    static ManagedChannel channel;

    @BeforeAll
    static void start() throws Exception {
        ServerServiceDefinition service = ServerServiceDefinition.builder("demo.Echo")
                .addMethod(UNARY, ServerCalls.asyncUnaryCall((String req, StreamObserver<String> out) -> {
                    out.onNext("hello " + req);
                    out.onCompleted();
                }))
                .addMethod(FAIL, ServerCalls.asyncUnaryCall((String req, StreamObserver<String> out) ->
                        out.onError(Status.NOT_FOUND.withDescription("no " + req).asRuntimeException())))
                .addMethod(BIDI, ServerCalls.asyncBidiStreamingCall(out -> new StreamObserver<String>() {
                    @Override
                    public void onNext(String value) {
                        out.onNext("echo " + value);
                    }

                    @Override
                    public void onError(Throwable t) {
                    }

                    @Override
                    public void onCompleted() {
                        out.onCompleted();
                    }
                }))
                .build();
        server = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0)).addService(service).build().start();
        stack.own(server::shutdownNow);
        String routes = """
                - match: { prefix: "/demo.Echo/", grpc: {} }
                  route: { cluster: grpc_backend, timeout: 0s }
                """;
        proxy = stack.start(stack.http(TempPaths.file("access", ".log").toString(),
                routes, Bootstraps.cluster("grpc_backend", true, null, server.getPort())));
        channel = NettyChannelBuilder.forAddress("127.0.0.1", stack.port).usePlaintext().build();
        stack.own(channel::shutdownNow);
    }

    @Test
    void unary() {
        assertEquals("hello remora", ClientCalls.blockingUnaryCall(channel, UNARY, io.grpc.CallOptions.DEFAULT, "remora"));
    }

    @Test
    void statusAndMessageTravelInTrailers() {
        StatusRuntimeException e = org.junit.jupiter.api.Assertions.assertThrows(StatusRuntimeException.class,
                () -> ClientCalls.blockingUnaryCall(channel, FAIL, io.grpc.CallOptions.DEFAULT, "thing"));
        assertEquals(Status.Code.NOT_FOUND, e.getStatus().getCode());
        assertEquals("no thing", e.getStatus().getDescription());
    }

    @Test
    void bidirectionalStreaming() throws Exception {
        List<String> got = new ArrayList<>();
        CountDownLatch done = new CountDownLatch(1);
        Throwable[] error = new Throwable[1];
        StreamObserver<String> requests = ClientCalls.asyncBidiStreamingCall(
                channel.newCall(BIDI, io.grpc.CallOptions.DEFAULT), new StreamObserver<String>() {
                    @Override
                    public void onNext(String value) {
                        synchronized (got) {
                            got.add(value);
                        }
                    }

                    @Override
                    public void onError(Throwable t) {
                        error[0] = t;
                        done.countDown();
                    }

                    @Override
                    public void onCompleted() {
                        done.countDown();
                    }
                });
        for (int i = 0; i < 100; i++) {
            requests.onNext("m" + i);
        }
        requests.onCompleted();
        assertTrue(done.await(20, TimeUnit.SECONDS));
        assertNull(error[0]);
        assertEquals(100, got.size());
        assertEquals("echo m0", got.get(0));
        assertEquals("echo m99", got.get(99));
    }
}
