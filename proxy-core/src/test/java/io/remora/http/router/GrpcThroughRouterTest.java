package io.remora.http.router;

import io.remora.testing.GrpcText;

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
import io.remora.config.ClusterConfig.UpstreamProtocol;
import io.remora.config.RetryPolicy;
import io.remora.http.testing.FixedCluster;
import io.remora.http.testing.HcmHarness;
import io.remora.http.testing.LeakCheck;
import io.remora.http.testing.TestServerContext;
import io.remora.server.Transport;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** grpc-java client → connection manager → router → HTTP/2 pool → grpc-java server. */
class GrpcThroughRouterTest {
    static {
        LeakCheck.install();
    }

    static final MethodDescriptor<String, String> UNARY = GrpcText.unary("t.Echo/Unary");
    static final MethodDescriptor<String, String> BIDI = GrpcText.bidi("t.Echo/Bidi");
    static final MethodDescriptor<String, String> FLAKY = GrpcText.unary("t.Echo/Flaky");

    static final Transport TRANSPORT = Transport.detect();
    static final AtomicInteger flakyCalls = new AtomicInteger();
    static Server grpcServer;
    static HcmHarness hcm;
    static ManagedChannel channel;
    static TestServerContext ctx;

    @BeforeAll
    static void start() throws Exception {
        ServerServiceDefinition svc = ServerServiceDefinition.builder("t.Echo")
                .addMethod(UNARY, ServerCalls.asyncUnaryCall((req, obs) -> {
                    obs.onNext("echo:" + req);
                    obs.onCompleted();
                }))
                .addMethod(FLAKY, ServerCalls.asyncUnaryCall((req, obs) -> {
                    if (flakyCalls.incrementAndGet() == 1) {
                        obs.onError(Status.UNAVAILABLE.withDescription("not yet").asRuntimeException());
                    } else {
                        obs.onNext("finally");
                        obs.onCompleted();
                    }
                }))
                .addMethod(BIDI, ServerCalls.asyncBidiStreamingCall(out -> new StreamObserver<String>() {
                    @Override
                    public void onNext(String v) {
                        out.onNext("re:" + v);
                    }

                    @Override
                    public void onError(Throwable t) {
                    }

                    @Override
                    public void onCompleted() {
                        out.onCompleted();
                    }
                })).build();
        grpcServer = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0)).addService(svc).build().start();
        ctx = new TestServerContext(TRANSPORT);
        ctx.add(new FixedCluster(FixedCluster.config("grpc", UpstreamProtocol.HTTP2), ctx.stats,
                FixedCluster.hosts(new InetSocketAddress("127.0.0.1", grpcServer.getPort()))));
        RetryPolicy rp = new RetryPolicy(EnumSet.of(RetryPolicy.RetryOn.GRPC_UNAVAILABLE), 2, null, null, Set.of(),
                null, null, false, 1);
        hcm = new HcmHarness(TRANSPORT, ctx, new RouterFilterProvider(),
                List.of(HcmHarness.route("/", "grpc", rp, Duration.ZERO)));
        channel = NettyChannelBuilder.forAddress(hcm.address()).usePlaintext().build();
    }

    @AfterAll
    static void stop() throws Exception {
        if (channel != null) {
            channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
        if (hcm != null) {
            hcm.close();
        }
        grpcServer.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        List<String> leaks = LeakCheck.leaks();
        assertTrue(leaks.isEmpty(), () -> "ByteBuf leaks: " + leaks);
    }

    @Test
    void unary() {
        assertEquals("echo:hi", ClientCalls.blockingUnaryCall(channel, UNARY, CallOptions.DEFAULT, "hi"));
    }

    @Test
    void unavailableIsRetried() {
        assertEquals("finally", ClientCalls.blockingUnaryCall(channel, FLAKY, CallOptions.DEFAULT, "x"));
        assertEquals(2, flakyCalls.get());
    }

    @Test
    void bidiStreams() throws Exception {
        List<String> got = new ArrayList<>();
        CompletableFuture<Void> done = new CompletableFuture<>();
        StreamObserver<String> req = ClientCalls.asyncBidiStreamingCall(channel.newCall(BIDI, CallOptions.DEFAULT),
                new StreamObserver<>() {
                    @Override
                    public void onNext(String v) {
                        synchronized (got) {
                            got.add(v);
                        }
                    }

                    @Override
                    public void onError(Throwable t) {
                        done.completeExceptionally(t);
                    }

                    @Override
                    public void onCompleted() {
                        done.complete(null);
                    }
                });
        for (int i = 0; i < 50; i++) {
            req.onNext("m" + i);
        }
        req.onCompleted();
        done.get(10, TimeUnit.SECONDS);
        assertEquals(50, got.size());
        assertEquals("re:m49", got.get(49));
    }

    @Test
    void unknownMethodStatusPassesThrough() {
        MethodDescriptor<String, String> missing = UNARY.toBuilder().setFullMethodName("t.Echo/Missing").build();
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class,
                () -> ClientCalls.blockingUnaryCall(channel, missing, CallOptions.DEFAULT, "x"));
        assertEquals(Status.Code.UNIMPLEMENTED, e.getStatus().getCode());
    }
}
