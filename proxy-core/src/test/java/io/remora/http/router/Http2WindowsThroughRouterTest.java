package io.remora.http.router;

import io.grpc.CallOptions;
import io.grpc.ClientCall;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Server;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.ServerCalls;
import io.grpc.stub.StreamObserver;
import io.remora.config.ClusterConfig.UpstreamProtocol;
import io.remora.http.testing.FixedCluster;
import io.remora.http.testing.HcmHarness;
import io.remora.http.testing.LeakCheck;
import io.remora.http.testing.TestServerContext;
import io.remora.server.Transport;
import io.remora.testing.GrpcText;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Streamed DATA frames through the proxy against peers with small HTTP/2 windows that stop reading
 * for a while (grpc-java on both ends, manual gRPC flow control): the proxy must send no byte
 * beyond a window (grpc-java fails the stream or connection with FLOW_CONTROL_ERROR if it does),
 * hold the rest, and deliver it whole once the window opens. DATA frames that fit the windows are
 * written without Netty's flow-control queue ({@code Http2DataWriter}); these check its accounting.
 */
class Http2WindowsThroughRouterTest {
    static {
        LeakCheck.install();
    }

    static final MethodDescriptor<String, String> DOWN = GrpcText.bidi("t.W/Down");
    static final MethodDescriptor<String, String> UP = GrpcText.bidi("t.W/Up");
    static final int WINDOW = 4096;
    static final int MESSAGES = 100;
    static final String PAYLOAD = "x".repeat(1000);

    static final Transport TRANSPORT = Transport.detect();
    static final ScheduledExecutorService LATER = Executors.newSingleThreadScheduledExecutor();
    static Server grpcServer;
    static HcmHarness hcm;
    static ManagedChannel channel;

    @BeforeAll
    static void start() throws Exception {
        ServerServiceDefinition svc = ServerServiceDefinition.builder("t.W")
                // "N": answers with N messages of 1,000 bytes.
                .addMethod(DOWN, ServerCalls.asyncBidiStreamingCall(out -> new StreamObserver<String>() {
                    @Override
                    public void onNext(String v) {
                        for (int i = 0; i < Integer.parseInt(v); i++) {
                            out.onNext(PAYLOAD);
                        }
                    }

                    @Override
                    public void onError(Throwable t) {
                    }

                    @Override
                    public void onCompleted() {
                        out.onCompleted();
                    }
                }))
                // Reads nothing for 300 ms (its 4 KiB window fills), then counts what came.
                .addMethod(UP, ServerCalls.asyncBidiStreamingCall(out -> {
                    ServerCallStreamObserver<String> o = (ServerCallStreamObserver<String>) out;
                    o.disableAutoRequest();
                    LATER.schedule(() -> o.request(Integer.MAX_VALUE), 300, TimeUnit.MILLISECONDS);
                    return new StreamObserver<String>() {
                        int count;
                        long bytes;

                        @Override
                        public void onNext(String v) {
                            count++;
                            bytes += v.length();
                        }

                        @Override
                        public void onError(Throwable t) {
                        }

                        @Override
                        public void onCompleted() {
                            out.onNext(count + "/" + bytes);
                            out.onCompleted();
                        }
                    };
                })).build();
        grpcServer = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0)).flowControlWindow(WINDOW)
                .addService(svc).build().start();
        TestServerContext ctx = new TestServerContext(TRANSPORT);
        ctx.add(new FixedCluster(FixedCluster.config("grpc", UpstreamProtocol.HTTP2), ctx.stats,
                FixedCluster.hosts(new InetSocketAddress("127.0.0.1", grpcServer.getPort()))));
        hcm = new HcmHarness(TRANSPORT, ctx, new RouterFilterProvider(),
                List.of(HcmHarness.route("/", "grpc", null, Duration.ZERO)));
        channel = NettyChannelBuilder.forAddress(hcm.address()).usePlaintext().flowControlWindow(WINDOW).build();
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
        LATER.shutdownNow();
        List<String> leaks = LeakCheck.leaks();
        assertTrue(leaks.isEmpty(), () -> "ByteBuf leaks: " + leaks);
    }

    /** Many frames towards a client whose window is full until it asks for the messages. */
    @Test
    void responseFramesStayInsideTheClientsWindow() throws Exception {
        Call call = new Call(DOWN);
        call.call.sendMessage(String.valueOf(MESSAGES));
        call.call.halfClose();
        Thread.sleep(500); // the server has answered; the proxy holds what the 4 KiB window does not take
        assertFalse(call.closed.isDone(), () -> "closed before reading: " + call.closed.getNow(null));
        call.call.request(MESSAGES + 1);
        Status status = call.closed.get(10, TimeUnit.SECONDS);
        assertTrue(status.isOk(), () -> "status " + status);
        assertEquals(MESSAGES, call.got.size());
        assertTrue(call.got.stream().allMatch(PAYLOAD::equals), "a message arrived changed");
    }

    /** Many frames towards an upstream whose window is full until it starts reading. */
    @Test
    void requestFramesStayInsideTheUpstreamsWindow() throws Exception {
        Call call = new Call(UP);
        call.call.request(1);
        for (int i = 0; i < MESSAGES; i++) {
            call.call.sendMessage(PAYLOAD);
        }
        call.call.halfClose();
        Status status = call.closed.get(10, TimeUnit.SECONDS);
        assertTrue(status.isOk(), () -> "status " + status);
        assertEquals(List.of(MESSAGES + "/" + MESSAGES * PAYLOAD.length()), call.got);
    }

    /** A call with manual flow control: messages are read only as requested. */
    private static final class Call extends ClientCall.Listener<String> {
        final ClientCall<String, String> call;
        final List<String> got = new ArrayList<>();
        final CompletableFuture<Status> closed = new CompletableFuture<>();

        Call(MethodDescriptor<String, String> method) {
            call = channel.newCall(method, CallOptions.DEFAULT);
            call.start(this, new Metadata());
        }

        @Override
        public void onMessage(String message) {
            synchronized (got) {
                got.add(message);
            }
        }

        @Override
        public void onClose(Status status, Metadata trailers) {
            closed.complete(status);
        }
    }
}
