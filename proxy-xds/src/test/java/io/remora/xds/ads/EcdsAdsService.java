package io.remora.xds.ads;

import com.google.protobuf.Any;
import io.envoyproxy.envoy.config.core.v3.TypedExtensionConfig;
import io.envoyproxy.envoy.service.discovery.v3.AggregatedDiscoveryServiceGrpc;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryResponse;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import io.envoyproxy.envoy.service.discovery.v3.Resource;
import io.grpc.stub.StreamObserver;

import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;

/**
 * java-control-plane serves no ECDS (its server refuses the TypedExtensionConfig type URL), so this
 * ADS service answers that type itself on each stream, state of the world or delta, by the names the
 * client subscribes to, and passes every other request to java-control-plane's service on the same
 * stream. Requests and responses of the type are recorded in the {@link TestControlPlane}'s lists, so
 * its ACK helpers work for ECDS too. A NACK is not answered until the configs change.
 */
final class EcdsAdsService {
    static final String TYPE_URL = XdsResourceType.EXTENSION_CONFIG.typeUrl;

    private final TestControlPlane cp;
    private final AtomicLong nonces = new AtomicLong();
    private final List<Runnable> onChange = new CopyOnWriteArrayList<>();
    private volatile String version = "";
    private volatile Map<String, TypedExtensionConfig> configs = Map.of();

    EcdsAdsService(TestControlPlane cp) {
        this.cp = cp;
    }

    void set(String newVersion, List<TypedExtensionConfig> newConfigs) {
        Map<String, TypedExtensionConfig> m = new LinkedHashMap<>();
        newConfigs.forEach(c -> m.put(c.getName(), c));
        configs = m;
        version = newVersion;
        onChange.forEach(Runnable::run);
    }

    /** java-control-plane's ADS service with ECDS answered here. */
    AggregatedDiscoveryServiceGrpc.AggregatedDiscoveryServiceImplBase wrap(
            AggregatedDiscoveryServiceGrpc.AggregatedDiscoveryServiceImplBase delegate) {
        return AdsTypeSplitter.ads(TYPE_URL, onChange, delegate, SotwStream::new, DeltaStream::new);
    }

    private final class SotwStream implements AdsTypeSplitter.TypeHalf<DiscoveryRequest> {
        private final StreamObserver<DiscoveryResponse> out;
        private Set<String> names = Set.of();
        private String sent;

        SotwStream(StreamObserver<DiscoveryResponse> out) {
            this.out = out;
        }

        @Override
        public synchronized void onRequest(DiscoveryRequest r) {
            cp.requests.add(r);
            Set<String> asked = Set.copyOf(r.getResourceNamesList());
            boolean resubscribed = !asked.equals(names);
            names = asked;
            if (resubscribed || !r.hasErrorDetail() && !version.equals(sent) && !version.equals(r.getVersionInfo())) {
                send();
            }
        }

        @Override
        public synchronized void changed() {
            if (!names.isEmpty()) {
                send();
            }
        }

        private void send() {
            String v = version;
            DiscoveryResponse.Builder b = DiscoveryResponse.newBuilder().setTypeUrl(TYPE_URL).setVersionInfo(v)
                    .setNonce("ecds-" + nonces.incrementAndGet());
            configs.forEach((name, c) -> {
                if (names.contains(name)) {
                    b.addResources(Any.pack(c));
                }
            });
            sent = v;
            DiscoveryResponse resp = b.build();
            cp.responses.add(resp);
            out.onNext(resp);
        }
    }

    private final class DeltaStream extends AdsTypeSplitter.DeltaHalf {
        private final Set<String> names = new HashSet<>();

        DeltaStream(StreamObserver<DeltaDiscoveryResponse> out) {
            super(cp, out, TYPE_URL, () -> version, () -> "ecds-" + nonces.incrementAndGet());
        }

        @Override
        void subscribe(DeltaDiscoveryRequest r) {
            names.addAll(r.getResourceNamesSubscribeList());
            r.getResourceNamesUnsubscribeList().forEach(names::remove);
        }

        @Override
        void owed(DeltaDiscoveryResponse.Builder b) {
            Map<String, TypedExtensionConfig> now = configs;
            for (String name : names) {
                TypedExtensionConfig c = now.get(name);
                if (c == null) {
                    if (held.remove(name) != null) {
                        b.addRemovedResources(name);
                    }
                    continue;
                }
                String v = Integer.toHexString(c.hashCode());
                if (!v.equals(held.get(name))) {
                    held.put(name, v);
                    b.addResources(Resource.newBuilder().setName(name).setVersion(v).setResource(Any.pack(c)));
                }
            }
        }
    }
}
