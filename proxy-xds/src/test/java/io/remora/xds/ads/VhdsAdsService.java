package io.remora.xds.ads;

import com.google.protobuf.Any;
import io.envoyproxy.envoy.config.route.v3.VirtualHost;
import io.envoyproxy.envoy.service.discovery.v3.AggregatedDiscoveryServiceGrpc;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryResponse;
import io.envoyproxy.envoy.service.discovery.v3.Resource;
import io.grpc.stub.StreamObserver;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;

/**
 * VHDS as the xDS protocol describes it, which java-control-plane does not serve: delta only. A route
 * configuration's name subscribes its namespace: the virtual hosts the client holds under it
 * ({@code <route config>/<name>}) are kept up to date, changed or removed; an alias {@code <route config>/<host>} is resolved to the virtual host whose domains hold the host (the
 * resource then carries the alias), or answered with a bodiless resource naming the alias when none does.
 * {@link #hold} keeps alias answers back until {@link #release}, so a test can see requests wait.
 */
final class VhdsAdsService {
    static final String TYPE_URL = XdsResourceType.VIRTUAL_HOST.typeUrl;

    private final TestControlPlane cp;
    private final AtomicLong nonces = new AtomicLong();
    private final List<Runnable> onChange = new CopyOnWriteArrayList<>();
    private volatile Map<String, VirtualHost> hosts = Map.of();
    private volatile String version = "";
    private volatile boolean hold;

    VhdsAdsService(TestControlPlane cp) {
        this.cp = cp;
    }

    /** The virtual hosts served, by resource name {@code <route config>/<virtual host name>}. */
    void set(String newVersion, Map<String, VirtualHost> byResourceName) {
        hosts = Map.copyOf(byResourceName);
        version = newVersion;
        onChange.forEach(Runnable::run);
    }

    void hold(boolean on) {
        hold = on;
    }

    /** Stops holding: the alias answers held so far go out. */
    void release() {
        hold = false;
        onChange.forEach(Runnable::run);
    }

    /** java-control-plane's ADS service with VHDS answered here on delta streams. */
    AggregatedDiscoveryServiceGrpc.AggregatedDiscoveryServiceImplBase wrap(
            AggregatedDiscoveryServiceGrpc.AggregatedDiscoveryServiceImplBase delegate) {
        return AdsTypeSplitter.ads(TYPE_URL, onChange, delegate, null, DeltaStream::new);
    }

    private final class DeltaStream extends AdsTypeSplitter.DeltaHalf {
        /** Route configuration names subscribed as namespaces. */
        private final Set<String> namespaces = new HashSet<>();
        /** Aliases asked for and not yet answered. */
        private final Set<String> aliases = new HashSet<>();

        DeltaStream(StreamObserver<DeltaDiscoveryResponse> out) {
            super(cp, out, TYPE_URL, () -> version, () -> "vhds-" + nonces.incrementAndGet());
        }

        @Override
        void subscribe(DeltaDiscoveryRequest r) {
            for (String name : r.getResourceNamesSubscribeList()) {
                if (name.indexOf('/') < 0) {
                    namespaces.add(name);
                } else {
                    aliases.add(name);
                }
            }
            r.getResourceNamesUnsubscribeList().forEach(n -> {
                namespaces.remove(n);
                aliases.remove(n);
            });
        }

        @Override
        void owed(DeltaDiscoveryResponse.Builder b) {
            Map<String, VirtualHost> now = hosts;
            Map<String, Resource.Builder> resources = new LinkedHashMap<>();
            if (!hold) {
                for (String alias : new ArrayList<>(aliases)) {
                    aliases.remove(alias);
                    Map.Entry<String, VirtualHost> match = resolve(now, alias);
                    if (match == null) {
                        resources.put(alias, Resource.newBuilder().setName(alias).addAliases(alias));
                    } else {
                        resources.computeIfAbsent(match.getKey(), k -> resource(k, match.getValue())).addAliases(alias);
                        held.put(match.getKey(), hash(match.getValue()));
                    }
                }
            }
            now.forEach((name, vh) -> {
                // a namespace keeps what the client holds up to date; hosts reach it by alias only
                boolean mine = namespaces.contains(name.substring(0, name.lastIndexOf('/')));
                if (mine && held.containsKey(name) && !hash(vh).equals(held.get(name))) {
                    held.put(name, hash(vh));
                    resources.computeIfAbsent(name, k -> resource(k, vh));
                }
            });
            for (String name : new ArrayList<>(held.keySet())) {
                if (!now.containsKey(name)) {
                    held.remove(name);
                    b.addRemovedResources(name);
                }
            }
            resources.values().forEach(b::addResources);
        }

        private Resource.Builder resource(String name, VirtualHost vh) {
            return Resource.newBuilder().setName(name).setVersion(hash(vh)).setResource(Any.pack(vh));
        }
    }

    /** The virtual host under the alias's route configuration whose domains hold its host exactly. */
    private static Map.Entry<String, VirtualHost> resolve(Map<String, VirtualHost> hosts, String alias) {
        int slash = alias.lastIndexOf('/');
        String namespace = alias.substring(0, slash + 1);
        String host = alias.substring(slash + 1);
        for (Map.Entry<String, VirtualHost> e : hosts.entrySet()) {
            if (e.getKey().startsWith(namespace) && e.getValue().getDomainsList().contains(host)) {
                return e;
            }
        }
        return null;
    }

    private static String hash(VirtualHost vh) {
        return Integer.toHexString(vh.hashCode());
    }
}
