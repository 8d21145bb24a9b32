package io.remora.e2e.capture;

import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Grpc;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.ServerServiceDefinition;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.ServerCalls;
import io.remora.testing.GrpcText;

import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.concurrent.TimeUnit;

/** The gRPC side of {@link CaptureApp}: a unary echo that says who called it, and its client. */
final class CaptureGrpc {
    static final MethodDescriptor<String, String> SAY = GrpcText.unary("capture.Echo/Say");
    private static final Context.Key<SocketAddress> PEER = Context.key("peer");
    private static final Context.Key<SocketAddress> LOCAL = Context.key("local");

    private CaptureGrpc() {
    }

    static void serve(String name, int port) throws Exception {
        ServerServiceDefinition service = ServerServiceDefinition.builder("capture.Echo")
                .addMethod(SAY, ServerCalls.asyncUnaryCall((String req, io.grpc.stub.StreamObserver<String> out) -> {
                    out.onNext(name + " saw " + hostPort(PEER.get()) + " at " + hostPort(LOCAL.get()) + " grpc " + req);
                    out.onCompleted();
                }))
                .build();
        ServerInterceptor addresses = new ServerInterceptor() {
            @Override
            public <Q, A> ServerCall.Listener<Q> interceptCall(ServerCall<Q, A> call, Metadata headers,
                                                             ServerCallHandler<Q, A> next) {
                Context ctx = Context.current()
                        .withValue(PEER, call.getAttributes().get(Grpc.TRANSPORT_ATTR_REMOTE_ADDR))
                        .withValue(LOCAL, call.getAttributes().get(Grpc.TRANSPORT_ATTR_LOCAL_ADDR));
                return Contexts.interceptCall(ctx, call, headers, next);
            }
        };
        NettyServerBuilder.forAddress(new InetSocketAddress("0.0.0.0", port))
                .addService(ServerInterceptors.intercept(service, addresses)).build().start();
    }

    private static String hostPort(SocketAddress a) {
        InetSocketAddress i = (InetSocketAddress) a;
        return i.getAddress().getHostAddress() + ":" + i.getPort();
    }

    static void call(String host, int port, String message) throws Exception {
        ManagedChannel ch = NettyChannelBuilder.forAddress(host, port).usePlaintext().build();
        try {
            System.out.println(ClientCalls.blockingUnaryCall(ch, SAY,
                    io.grpc.CallOptions.DEFAULT.withDeadlineAfter(10, TimeUnit.SECONDS), message));
        } finally {
            ch.shutdownNow();
        }
    }
}
