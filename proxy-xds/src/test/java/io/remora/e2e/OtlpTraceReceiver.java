package io.remora.e2e;

import io.grpc.Server;
import io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse;
import io.opentelemetry.proto.collector.trace.v1.TraceServiceGrpc;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.Span;

import java.net.InetSocketAddress;
import java.util.HexFormat;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/** An OTLP/gRPC trace receiver (grpc-java serving the OTLP protos): every exported span, with its resource. */
final class OtlpTraceReceiver implements AutoCloseable {
    final LinkedBlockingQueue<Span> spans = new LinkedBlockingQueue<>();
    final LinkedBlockingQueue<String> services = new LinkedBlockingQueue<>();
    /** Each export's resource attributes (string values), in the order sent. */
    final LinkedBlockingQueue<java.util.Map<String, String>> resources = new LinkedBlockingQueue<>();
    private final Server server;

    OtlpTraceReceiver() throws Exception {
        server = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
                .addService(new TraceServiceGrpc.TraceServiceImplBase() {
                    @Override
                    public void export(ExportTraceServiceRequest request,
                                       StreamObserver<ExportTraceServiceResponse> response) {
                        for (ResourceSpans rs : request.getResourceSpansList()) {
                            java.util.Map<String, String> resource = new java.util.LinkedHashMap<>();
                            rs.getResource().getAttributesList().forEach(kv -> resource.put(kv.getKey(),
                                    kv.getValue().getStringValue()));
                            resources.add(resource);
                            for (KeyValue kv : rs.getResource().getAttributesList()) {
                                if (kv.getKey().equals("service.name")) {
                                    services.add(kv.getValue().getStringValue());
                                }
                            }
                            rs.getScopeSpansList().forEach(ss -> spans.addAll(ss.getSpansList()));
                        }
                        response.onNext(ExportTraceServiceResponse.getDefaultInstance());
                        response.onCompleted();
                    }
                }).build().start();
    }

    int port() {
        return server.getPort();
    }

    /** The next span, waiting up to 15 s; null when none came. */
    Span next() throws InterruptedException {
        return spans.poll(15, TimeUnit.SECONDS);
    }

    /** A span's string attribute; null when it has none of that name. */
    static String attr(Span s, String key) {
        for (KeyValue kv : s.getAttributesList()) {
            if (kv.getKey().equals(key)) {
                return kv.getValue().getStringValue();
            }
        }
        return null;
    }

    static String hex(com.google.protobuf.ByteString b) {
        return HexFormat.of().formatHex(b.toByteArray());
    }

    @Override
    public void close() {
        server.shutdownNow();
    }
}
