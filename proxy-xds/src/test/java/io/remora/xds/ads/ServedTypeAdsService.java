package io.remora.xds.ads;

import com.google.protobuf.Any;
import com.google.protobuf.Message;
import io.envoyproxy.envoy.config.core.v3.TypedExtensionConfig;
import io.envoyproxy.envoy.config.route.v3.ScopedRouteConfiguration;
import io.envoyproxy.envoy.service.discovery.v3.AggregatedDiscoveryServiceGrpc;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryResponse;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import io.envoyproxy.envoy.service.discovery.v3.Resource;
import io.grpc.stub.StreamObserver;

import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;

/**
 * One resource type java-control-plane does not serve (its server refuses ECDS's and SRDS's type URLs), answered
 * here on each ADS stream, state of the world or delta, and every other request passed to java-control-plane's
 * service on the same stream ({@link AdsTypeSplitter}). ECDS is served by the names the client subscribes to; SRDS
 * as a wildcard subscription (every scope, whatever the request names). Requests and responses of the type are
 * recorded in the {@link TestControlPlane}'s lists, so its ACK helpers work for it too. A NACK is not answered until
 * the resources change.
 *
 * @param <M> the resource's message
 */
final class ServedTypeAdsService<M extends Message> {
    private final TestControlPlane cp;
    private final String typeUrl;
    private final String noncePrefix;
    /** Every resource goes to every stream, whatever it names. */
    private final boolean wildcard;
    private final Function<M, String> nameOf;
    private final AtomicLong nonces = new AtomicLong();
    private final List<Runnable> onChange = new CopyOnWriteArrayList<>();
    private volatile String version = "";
    private volatile Map<String, M> resources = Map.of();

    private ServedTypeAdsService(TestControlPlane cp, XdsResourceType type, boolean wildcard, Function<M, String> nameOf) {
        this.cp = cp;
        this.typeUrl = type.typeUrl;
        this.noncePrefix = type.shortName().toLowerCase(java.util.Locale.ROOT) + "-";
        this.wildcard = wildcard;
        this.nameOf = nameOf;
    }

    /** ECDS: the TypedExtensionConfigs each stream subscribes to by name. */
    static ServedTypeAdsService<TypedExtensionConfig> ecds(TestControlPlane cp) {
        return new ServedTypeAdsService<>(cp, XdsResourceType.EXTENSION_CONFIG, false, TypedExtensionConfig::getName);
    }

    /** SRDS: every ScopedRouteConfiguration to every stream. */
    static ServedTypeAdsService<ScopedRouteConfiguration> srds(TestControlPlane cp) {
        return new ServedTypeAdsService<>(cp, XdsResourceType.SCOPED_ROUTE, true, ScopedRouteConfiguration::getName);
    }

    /** The resources served from now on, all under {@code newVersion}; open streams get what they are owed. */
    void set(String newVersion, List<M> served) {
        Map<String, M> m = new LinkedHashMap<>();
        served.forEach(c -> m.put(nameOf.apply(c), c));
        resources = m;
        version = newVersion;
        onChange.forEach(Runnable::run);
    }

    /** java-control-plane's ADS service with this type answered here. */
    AggregatedDiscoveryServiceGrpc.AggregatedDiscoveryServiceImplBase wrap(
            AggregatedDiscoveryServiceGrpc.AggregatedDiscoveryServiceImplBase delegate) {
        return AdsTypeSplitter.ads(typeUrl, onChange, delegate, SotwStream::new, DeltaStream::new);
    }

    private final class SotwStream implements AdsTypeSplitter.TypeHalf<DiscoveryRequest> {
        private final StreamObserver<DiscoveryResponse> out;
        private String sent;
        private Set<String> names = Set.of();

        SotwStream(StreamObserver<DiscoveryResponse> out) {
            this.out = out;
        }

        @Override
        public synchronized void onRequest(DiscoveryRequest r) {
            cp.requests.add(r);
            Set<String> asked = Set.copyOf(r.getResourceNamesList());
            boolean first = wildcard ? sent == null : !asked.equals(names);
            names = asked;
            if (first || !r.hasErrorDetail() && !version.equals(sent) && !version.equals(r.getVersionInfo())) {
                send();
            }
        }

        @Override
        public synchronized void changed() {
            if (wildcard ? sent != null : !names.isEmpty()) {
                send();
            }
        }

        private void send() {
            String v = version;
            DiscoveryResponse.Builder b = DiscoveryResponse.newBuilder().setTypeUrl(typeUrl).setVersionInfo(v)
                    .setNonce(noncePrefix + nonces.incrementAndGet());
            resources.forEach((name, c) -> {
                if (wildcard || names.contains(name)) {
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
            super(cp, out, typeUrl, () -> version, () -> noncePrefix + nonces.incrementAndGet());
        }

        @Override
        void subscribe(DeltaDiscoveryRequest r) {
            names.addAll(r.getResourceNamesSubscribeList());
            r.getResourceNamesUnsubscribeList().forEach(names::remove);
        }

        @Override
        void owed(DeltaDiscoveryResponse.Builder b) {
            Map<String, M> now = resources;
            Set<String> owed = new LinkedHashSet<>(names);
            if (wildcard) {
                owed.addAll(held.keySet());
                owed.addAll(now.keySet());
            }
            for (String name : owed) {
                M c = now.get(name);
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
