package io.remora.xds.ads;

import io.envoyproxy.envoy.service.discovery.v3.AggregatedDiscoveryServiceGrpc;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryResponse;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import io.grpc.stub.StreamObserver;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * One ADS stream shared between java-control-plane's service and a test service answering one type URL
 * it does not serve (ECDS, VHDS): that type's requests go to the test half, the rest to java-control-plane's,
 * through one synchronized writer. The test half is told of config changes while its stream lives.
 */
final class AdsTypeSplitter {

    /** One stream's half for the type. */
    interface TypeHalf<Q> {
        void onRequest(Q request);

        /** The served resources changed: send what the client's subscription is owed. */
        void changed();
    }

    /**
     * A delta stream's half: each request is recorded in the control plane's list and its subscription
     * changes taken; then, as after every change, what the client is owed goes out, if anything.
     */
    abstract static class DeltaHalf implements TypeHalf<DeltaDiscoveryRequest> {
        private final TestControlPlane cp;
        private final StreamObserver<DeltaDiscoveryResponse> out;
        private final String typeUrl;
        private final Supplier<String> version;
        private final Supplier<String> nonce;
        /** What the client holds, by resource name: the version sent. */
        final Map<String, String> held = new HashMap<>();

        DeltaHalf(TestControlPlane cp, StreamObserver<DeltaDiscoveryResponse> out, String typeUrl,
                  Supplier<String> version, Supplier<String> nonce) {
            this.cp = cp;
            this.out = out;
            this.typeUrl = typeUrl;
            this.version = version;
            this.nonce = nonce;
        }

        /** Takes the request's resource_names_subscribe and _unsubscribe. */
        abstract void subscribe(DeltaDiscoveryRequest r);

        /** Adds the resources and removals the client is owed now. */
        abstract void owed(DeltaDiscoveryResponse.Builder b);

        @Override
        public final synchronized void onRequest(DeltaDiscoveryRequest r) {
            cp.deltaRequests.add(r);
            held.putAll(r.getInitialResourceVersionsMap());
            subscribe(r);
            if (!r.hasErrorDetail()) {
                send();
            }
        }

        @Override
        public final synchronized void changed() {
            send();
        }

        private void send() {
            DeltaDiscoveryResponse.Builder b = DeltaDiscoveryResponse.newBuilder().setTypeUrl(typeUrl)
                    .setSystemVersionInfo(version.get()).setNonce(nonce.get());
            owed(b);
            if (b.getResourcesCount() == 0 && b.getRemovedResourcesCount() == 0) {
                return;
            }
            DeltaDiscoveryResponse resp = b.build();
            cp.deltaResponses.add(resp);
            out.onNext(resp);
        }
    }

    private AdsTypeSplitter() {
    }

    /**
     * {@code delegate}'s ADS service with {@code type} answered by the halves made here per stream; a null
     * {@code sotw} leaves state-of-the-world streams to the delegate whole (a delta-only type).
     */
    static AggregatedDiscoveryServiceGrpc.AggregatedDiscoveryServiceImplBase ads(String type, List<Runnable> onChange,
            AggregatedDiscoveryServiceGrpc.AggregatedDiscoveryServiceImplBase delegate,
            Function<StreamObserver<DiscoveryResponse>, TypeHalf<DiscoveryRequest>> sotw,
            Function<StreamObserver<DeltaDiscoveryResponse>, TypeHalf<DeltaDiscoveryRequest>> delta) {
        return new AggregatedDiscoveryServiceGrpc.AggregatedDiscoveryServiceImplBase() {
            @Override
            public StreamObserver<DiscoveryRequest> streamAggregatedResources(StreamObserver<DiscoveryResponse> out) {
                return sotw == null ? delegate.streamAggregatedResources(out) : serve(type, onChange, out,
                        delegate::streamAggregatedResources, sotw, DiscoveryRequest::getTypeUrl);
            }

            @Override
            public StreamObserver<DeltaDiscoveryRequest> deltaAggregatedResources(StreamObserver<DeltaDiscoveryResponse> out) {
                return serve(type, onChange, out, delegate::deltaAggregatedResources, delta,
                        DeltaDiscoveryRequest::getTypeUrl);
            }
        };
    }

    private static <Q, R> StreamObserver<Q> serve(String type, List<Runnable> onChange, StreamObserver<R> out,
                                          Function<StreamObserver<R>, StreamObserver<Q>> delegate,
                                          Function<StreamObserver<R>, TypeHalf<Q>> half, Function<Q, String> typeUrl) {
        StreamObserver<R> shared = synchronizedObserver(out);
        StreamObserver<Q> rest = delegate.apply(shared);
        TypeHalf<Q> mine = half.apply(shared);
        Runnable changed = mine::changed;
        onChange.add(changed);
        return new StreamObserver<>() {
            @Override
            public void onNext(Q request) {
                if (typeUrl.apply(request).equals(type)) {
                    mine.onRequest(request);
                } else {
                    rest.onNext(request);
                }
            }

            @Override
            public void onError(Throwable t) {
                onChange.remove(changed);
                rest.onError(t);
            }

            @Override
            public void onCompleted() {
                onChange.remove(changed);
                rest.onCompleted();
            }
        };
    }

    private static <R> StreamObserver<R> synchronizedObserver(StreamObserver<R> out) {
        if (out instanceof Synchronized<R>) {
            return out; // an inner splitter's writer is the outer one's already
        }
        return new Synchronized<>(out);
    }

    private static final class Synchronized<R> implements StreamObserver<R> {
        private final StreamObserver<R> out;

        Synchronized(StreamObserver<R> out) {
            this.out = out;
        }

        @Override
        public synchronized void onNext(R value) {
            out.onNext(value);
        }

        @Override
        public synchronized void onError(Throwable t) {
            out.onError(t);
        }

        @Override
        public synchronized void onCompleted() {
            out.onCompleted();
        }
    }
}
