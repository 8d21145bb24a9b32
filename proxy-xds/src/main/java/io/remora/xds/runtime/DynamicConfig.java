package io.remora.xds.runtime;

import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.remora.config.ClusterConfig;
import io.remora.config.ClusterLoadAssignment;
import io.remora.config.ListenerConfig;
import io.remora.config.ServerConfig;
import io.remora.xds.ads.XdsRejectedException;
import io.remora.xds.ads.XdsSnapshot;
import io.remora.xds.translate.ResourceTranslator;
import io.remora.xds.translate.TranslationContext;
import io.remora.xds.translate.TranslationException;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The bootstrap's static resources plus what xDS delivered, as one {@link ServerConfig}. Each
 * dynamic resource is translated on its own so that a rejection names the resource; one bad
 * resource rejects the whole update, which then leaves the running config untouched.
 */
final class DynamicConfig {

    private final ServerConfig base;
    /**
     * The last translation of each resource, by name. xDS resends whole resource sets (SotW
     * always, delta on reconnect), mostly unchanged: a resource equal to the one translated last
     * time keeps its translated object, which also lets the server's diff see it unchanged by
     * identity. Protos memoize their hash, so the comparison is cheap.
     */
    private Map<String, Cached<Cluster, ClusterConfig>> clusterCache = Map.of();
    /** By the assignment, or its {@link Delivery} when it has endpoint_stale_after. */
    private Map<String, Cached<Object, ClusterLoadAssignment>> endpointCache = Map.of();
    private Map<String, Cached<Listener, ListenerConfig>> listenerCache = Map.of();
    private Map<String, Cached<RouteConfiguration, io.remora.config.RouteConfiguration>> routeCache = Map.of();
    /** EDS clusters with their endpoints filled in, reused while neither half changed. */
    private Map<String, Merged> mergedCache = Map.of();

    private record Cached<P, T>(P proto, T value) {
    }

    private record Merged(ClusterConfig cluster, ClusterLoadAssignment endpoints, ClusterConfig value) {
    }

    /**
     * An assignment with endpoint_stale_after and the EDS response it came in: its deadline counts
     * from each response, so an identical one sent again is translated anew and re-arms it (Envoy's
     * EDS). Over delta xDS any EDS response counts, as it carries no word on the others.
     */
    private record Delivery(io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment cla, java.time.Instant at) {
    }

    /** Discovered filters' configs (ECDS), published by {@link #commit} once the server runs the merge. */
    private final EcdsConfigs ecds;

    /** The bootstrap's ADS mode, which VHDS route configurations depend on. */
    private final VhdsRouteConfigs.Ads ads;

    DynamicConfig(ServerConfig base, io.micrometer.core.instrument.MeterRegistry registry, VhdsRouteConfigs.Ads ads) {
        this.base = base;
        this.ads = ads;
        this.ecds = new EcdsConfigs(registry);
    }

    ServerConfig merge(XdsSnapshot snapshot) throws XdsRejectedException {
        // Envoy does not check LDS/RDS cluster references against CDS: a route to a cluster that
        // has not arrived yet answers 503 NC until it does.
        TranslationContext ctx = TranslationContext.lenient().withEcdsSlots(ecds.slots());

        Map<String, Cached<Cluster, ClusterConfig>> nextClusters = new HashMap<>();
        Map<String, ClusterConfig> clusters = new LinkedHashMap<>(base.clusters());
        for (Cluster c : snapshot.clusters().values()) {
            refuseStatic(c);
            clusters.put(c.getName(), cached(clusterCache, nextClusters, c.getName(), c,
                    () -> ResourceTranslator.cluster(c, ctx)));
        }
        Map<String, Cached<Object, ClusterLoadAssignment>> nextEndpoints = new HashMap<>();
        Map<String, Merged> nextMerged = new HashMap<>();
        for (Map.Entry<String, ClusterConfig> e : clusters.entrySet()) {
            ClusterConfig c = e.getValue();
            if (c.type() == ClusterConfig.DiscoveryType.EDS) {
                String service = c.edsServiceName() != null && !c.edsServiceName().isEmpty() ? c.edsServiceName() : c.name();
                var cla = snapshot.endpoints().get(service);
                if (cla != null) {
                    // The EDS response's arrival: the resource keeps its first arrival while it is unchanged.
                    Object key = cla.getPolicy().hasEndpointStaleAfter() ? new Delivery(cla,
                            snapshot.state(io.remora.xds.ads.XdsResourceType.ENDPOINT).lastUpdated()) : cla;
                    ClusterLoadAssignment assignment = cached(endpointCache, nextEndpoints, service, key,
                            () -> ResourceTranslator.endpoints(cla));
                    Merged m = mergedCache.get(c.name());
                    if (m == null || m.cluster() != c || m.endpoints() != assignment) {
                        m = new Merged(c, assignment, withLoadAssignment(c, assignment));
                    }
                    nextMerged.put(c.name(), m);
                    e.setValue(m.value());
                }
            }
        }

        Map<String, Cached<Listener, ListenerConfig>> nextListeners = new HashMap<>();
        List<ListenerConfig> listeners = new ArrayList<>(base.listeners());
        for (Listener l : snapshot.listeners().values()) {
            refuseStatic(l);
            listeners.add(cached(listenerCache, nextListeners, l.getName(), l, () -> ResourceTranslator.listener(l, ctx)));
        }

        Map<String, Cached<RouteConfiguration, io.remora.config.RouteConfiguration>> nextRoutes = new HashMap<>();
        Map<String, io.remora.config.RouteConfiguration> routes = new LinkedHashMap<>(base.routeConfigs());
        for (RouteConfiguration delivered : snapshot.routes().values()) {
            RouteConfiguration rc = delivered;
            if (rc.hasVhds()) {
                VhdsRouteConfigs.check(rc, ads);
                rc = VhdsRouteConfigs.merged(rc, snapshot.virtualHosts()).toBuilder().clearVhds().build();
            }
            RouteConfiguration full = rc;
            routes.put(full.getName(), cached(routeCache, nextRoutes, full.getName(), full,
                    () -> ResourceTranslator.routeConfiguration(full, ctx)));
        }
        ecds.prepare(snapshot, ctx);
        clusterCache = nextClusters;
        endpointCache = nextEndpoints;
        mergedCache = nextMerged;
        listenerCache = nextListeners;
        routeCache = nextRoutes;
        return new ServerConfig(base.node(), base.admin(), List.copyOf(listeners),
                Collections.unmodifiableMap(clusters), Collections.unmodifiableMap(routes), base.drainTime());
    }

    /**
     * The listeners and clusters of {@code snapshot} translated as {@link #merge} would, keeping nothing: a CDS or LDS
     * response is ACKed on this check while what it brings warms (Envoy's addOrUpdateCluster/addOrUpdateListener
     * take it, warming goes on behind the ACK), and merged once warm.
     */
    void check(XdsSnapshot snapshot) throws XdsRejectedException {
        TranslationContext ctx = TranslationContext.lenient().withEcdsSlots(ecds.slots());
        for (Cluster c : snapshot.clusters().values()) {
            refuseStatic(c);
            cached(clusterCache, new HashMap<>(), c.getName(), c, () -> ResourceTranslator.cluster(c, ctx));
        }
        for (Listener l : snapshot.listeners().values()) {
            refuseStatic(l);
            cached(listenerCache, new HashMap<>(), l.getName(), l, () -> ResourceTranslator.listener(l, ctx));
        }
    }

    private void refuseStatic(Cluster c) throws XdsRejectedException {
        if (base.clusters().containsKey(c.getName())) {
            throw new XdsRejectedException(c.getName(), "cluster '" + c.getName()
                    + "' is a static cluster of the bootstrap and cannot be replaced over CDS");
        }
    }

    private void refuseStatic(Listener l) throws XdsRejectedException {
        if (base.listeners().stream().anyMatch(s -> s.name().equals(l.getName()))) {
            throw new XdsRejectedException(l.getName(), "listener '" + l.getName()
                    + "' is a static listener of the bootstrap and cannot be replaced over LDS");
        }
    }

    /** The merged snapshot runs: its discovered filters' configs go live. */
    void commit(XdsSnapshot snapshot) {
        ecds.commit(snapshot);
    }

    private static <P, T> T cached(Map<String, Cached<P, T>> previous, Map<String, Cached<P, T>> next, String name,
                                   P proto, Translation<T> translation) throws XdsRejectedException {
        Cached<P, T> c = previous.get(name);
        if (c == null || !(c.proto() == proto || c.proto().equals(proto))) {
            c = new Cached<>(proto, translate(name, translation));
        }
        next.put(name, c);
        return c.value();
    }

    private interface Translation<T> {
        T run();
    }

    private static <T> T translate(String name, Translation<T> t) throws XdsRejectedException {
        try {
            return t.run();
        } catch (TranslationException e) {
            throw new XdsRejectedException(name, e.path().isEmpty() ? e.reason() : e.path() + ": " + e.reason(), e);
        } catch (RuntimeException e) {
            throw new XdsRejectedException(name, String.valueOf(e.getMessage()), e);
        }
    }

    static ClusterConfig withLoadAssignment(ClusterConfig c, ClusterLoadAssignment a) {
        return c.withLoadAssignment(a);
    }
}
