package io.remora.xds.ads;

import com.google.protobuf.Any;
import io.envoyproxy.envoy.config.route.v3.ScopedRouteConfiguration;
import io.envoyproxy.envoy.service.discovery.v3.AggregatedDiscoveryServiceGrpc;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryResponse;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import io.envoyproxy.envoy.service.discovery.v3.Resource;
import io.grpc.stub.StreamObserver;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;

/**
 * java-control-plane serves no scoped RDS, so this ADS service answers the ScopedRouteConfiguration type itself on
 * each stream as a wildcard subscription (every scope, whatever the request names), state of the world or delta,
 * and passes every other request to java-control-plane's service on the same stream. Requests and responses of the
 * type are recorded in the {@link TestControlPlane}'s lists. A NACK is not answered until the scopes change.
 */
final class SrdsAdsService {
    static final String TYPE_URL = "type.googleapis.com/envoy.config.route.v3.ScopedRouteConfiguration";

    private final TestControlPlane cp;
    private final AtomicLong nonces = new AtomicLong();
    private final List<Runnable> onChange = new CopyOnWriteArrayList<>();
    private volatile String version = "";
    private volatile Map<String, ScopedRouteConfiguration> scopes = Map.of();

    SrdsAdsService(TestControlPlane cp) {
        this.cp = cp;
    }

    void set(String newVersion, List<ScopedRouteConfiguration> newScopes) {
        Map<String, ScopedRouteConfiguration> m = new LinkedHashMap<>();
        newScopes.forEach(c -> m.put(c.getName(), c));
        scopes = m;
        version = newVersion;
        onChange.forEach(Runnable::run);
    }

    AggregatedDiscoveryServiceGrpc.AggregatedDiscoveryServiceImplBase wrap(
            AggregatedDiscoveryServiceGrpc.AggregatedDiscoveryServiceImplBase delegate) {
        return AdsTypeSplitter.ads(TYPE_URL, onChange, delegate, SotwStream::new, DeltaStream::new);
    }

    private final class SotwStream implements AdsTypeSplitter.TypeHalf<DiscoveryRequest> {
        private final StreamObserver<DiscoveryResponse> out;
        private String sent;

        SotwStream(StreamObserver<DiscoveryResponse> out) {
            this.out = out;
        }

        @Override
        public synchronized void onRequest(DiscoveryRequest r) {
            cp.requests.add(r);
            if (sent == null || !r.hasErrorDetail() && !version.equals(sent) && !version.equals(r.getVersionInfo())) {
                send();
            }
        }

        @Override
        public synchronized void changed() {
            if (sent != null) {
                send();
            }
        }

        private void send() {
            String v = version;
            DiscoveryResponse.Builder b = DiscoveryResponse.newBuilder().setTypeUrl(TYPE_URL).setVersionInfo(v)
                    .setNonce("srds-" + nonces.incrementAndGet());
            scopes.values().forEach(c -> b.addResources(Any.pack(c)));
            sent = v;
            DiscoveryResponse resp = b.build();
            cp.responses.add(resp);
            out.onNext(resp);
        }
    }

    private final class DeltaStream extends AdsTypeSplitter.DeltaHalf {
        DeltaStream(StreamObserver<DeltaDiscoveryResponse> out) {
            super(cp, out, TYPE_URL, () -> version, () -> "srds-" + nonces.incrementAndGet());
        }

        @Override
        void subscribe(DeltaDiscoveryRequest r) {
            // a wildcard subscription: every scope
        }

        @Override
        void owed(DeltaDiscoveryResponse.Builder b) {
            Map<String, ScopedRouteConfiguration> now = scopes;
            for (String name : List.copyOf(held.keySet())) {
                if (!now.containsKey(name)) {
                    held.remove(name);
                    b.addRemovedResources(name);
                }
            }
            now.forEach((name, c) -> {
                String v = Integer.toHexString(c.hashCode());
                if (!v.equals(held.get(name))) {
                    held.put(name, v);
                    b.addResources(Resource.newBuilder().setName(name).setVersion(v).setResource(Any.pack(c)));
                }
            });
        }
    }
}
