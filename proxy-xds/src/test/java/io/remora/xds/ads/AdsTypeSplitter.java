package io.remora.xds.ads;

import io.grpc.stub.StreamObserver;

import java.util.List;
import java.util.function.Function;

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

    private AdsTypeSplitter() {
    }

    static <Q, R> StreamObserver<Q> serve(String type, List<Runnable> onChange, StreamObserver<R> out,
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
