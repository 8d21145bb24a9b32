package io.remora.xds.ads;

import com.google.protobuf.Any;
import io.envoyproxy.envoy.service.discovery.v3.AggregatedDiscoveryServiceGrpc;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryResponse;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import io.envoyproxy.envoy.service.discovery.v3.Resource;
import io.envoyproxy.envoy.service.runtime.v3.Runtime;
import io.envoyproxy.envoy.service.runtime.v3.RuntimeDiscoveryServiceGrpc;
import io.grpc.Server;
import io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;

import java.net.InetSocketAddress;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An ADS server on a real socket serving one RTDS Runtime resource (java-control-plane's cache has no RTDS), over
 * state of the world and delta, on ADS and on RuntimeDiscoveryService. {@link #set} pushes a new version to every stream that asked for RTDS; every
 * request is recorded, so tests see ACKs and NACKs.
 */
public final class RuntimeDiscoveryServer implements AutoCloseable {
    public static final String RTDS = XdsResourceType.RUNTIME.typeUrl;

    public final List<DiscoveryRequest> requests = new CopyOnWriteArrayList<>();
    public final List<DeltaDiscoveryRequest> deltaRequests = new CopyOnWriteArrayList<>();
    private final List<StreamObserver<DiscoveryResponse>> sotw = new CopyOnWriteArrayList<>();
    private final List<StreamObserver<DeltaDiscoveryResponse>> delta = new CopyOnWriteArrayList<>();
    private final AtomicInteger nonce = new AtomicInteger();
    /** Streams opened on RuntimeDiscoveryService itself rather than ADS. */
    public final AtomicInteger runtimeServiceStreams = new AtomicInteger();
    private volatile Runtime runtime;
    private volatile String version = "";
    private Server server;
    public int port;

    public RuntimeDiscoveryServer start() throws Exception {
        server = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
                .addService(new AggregatedDiscoveryServiceGrpc.AggregatedDiscoveryServiceImplBase() {
                    @Override
                    public StreamObserver<DiscoveryRequest> streamAggregatedResources(StreamObserver<DiscoveryResponse> out) {
                        return sotwStream(out);
                    }

                    @Override
                    public StreamObserver<DeltaDiscoveryRequest> deltaAggregatedResources(StreamObserver<DeltaDiscoveryResponse> out) {
                        return deltaStream(out);
                    }
                })
                // an rtds_config with an api_config_source of its own calls RTDS's service instead
                .addService(new RuntimeDiscoveryServiceGrpc.RuntimeDiscoveryServiceImplBase() {
                    @Override
                    public StreamObserver<DiscoveryRequest> streamRuntime(StreamObserver<DiscoveryResponse> out) {
                        runtimeServiceStreams.incrementAndGet();
                        return sotwStream(out);
                    }

                    @Override
                    public StreamObserver<DeltaDiscoveryRequest> deltaRuntime(StreamObserver<DeltaDiscoveryResponse> out) {
                        runtimeServiceStreams.incrementAndGet();
                        return deltaStream(out);
                    }
                }).build().start();
        port = ((InetSocketAddress) server.getListenSockets().get(0)).getPort();
        return this;
    }

    private StreamObserver<DiscoveryRequest> sotwStream(StreamObserver<DiscoveryResponse> out) {
        return observer(out, r -> {
            requests.add(r);
            // a first request (no nonce yet) is answered; ACKs and NACKs are not
            if (r.getTypeUrl().equals(RTDS) && r.getResponseNonce().isEmpty()) {
                sotw.add(out);
                send(out);
            }
        });
    }

    private StreamObserver<DeltaDiscoveryRequest> deltaStream(StreamObserver<DeltaDiscoveryResponse> out) {
        return observer(out, r -> {
            deltaRequests.add(r);
            if (r.getTypeUrl().equals(RTDS) && r.getResponseNonce().isEmpty()) {
                delta.add(out);
                sendDelta(out);
            }
        });
    }

    private static <Q, A> StreamObserver<Q> observer(StreamObserver<A> out, java.util.function.Consumer<Q> onRequest) {
        return new StreamObserver<>() {
            @Override
            public void onNext(Q value) {
                onRequest.accept(value);
            }

            @Override
            public void onError(Throwable t) {
            }

            @Override
            public void onCompleted() {
                out.onCompleted();
            }
        };
    }

    /** Serves this Runtime as {@code version} from now on, pushing it to the streams that subscribed. */
    public void set(Runtime r, String v) {
        runtime = r;
        version = v;
        sotw.forEach(this::send);
        delta.forEach(this::sendDelta);
    }

    private synchronized void send(StreamObserver<DiscoveryResponse> out) {
        if (runtime == null) {
            return;
        }
        out.onNext(DiscoveryResponse.newBuilder().setTypeUrl(RTDS).setVersionInfo(version)
                .setNonce(Integer.toString(nonce.incrementAndGet())).addResources(Any.pack(runtime)).build());
    }

    private synchronized void sendDelta(StreamObserver<DeltaDiscoveryResponse> out) {
        if (runtime == null) {
            return;
        }
        out.onNext(DeltaDiscoveryResponse.newBuilder().setTypeUrl(RTDS).setSystemVersionInfo(version)
                .setNonce(Integer.toString(nonce.incrementAndGet()))
                .addResources(Resource.newBuilder().setName(runtime.getName()).setVersion(version)
                        .setResource(Any.pack(runtime))).build());
    }

    /** The error_detail message of the latest NACK, or null. */
    public String lastNackReason() {
        for (int i = requests.size() - 1; i >= 0; i--) {
            if (requests.get(i).hasErrorDetail()) {
                return requests.get(i).getErrorDetail().getMessage();
            }
        }
        for (int i = deltaRequests.size() - 1; i >= 0; i--) {
            if (deltaRequests.get(i).hasErrorDetail()) {
                return deltaRequests.get(i).getErrorDetail().getMessage();
            }
        }
        return null;
    }

    @Override
    public void close() throws InterruptedException {
        if (server != null) {
            server.shutdownNow();
            server.awaitTermination(5, TimeUnit.SECONDS);
        }
    }
}
