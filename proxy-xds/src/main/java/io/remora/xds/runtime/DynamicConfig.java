package io.remora.xds.runtime;

import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.remora.config.ClusterConfig;
import io.remora.config.ClusterLoadAssignment;
import io.remora.config.ListenerConfig;
import io.remora.config.ServerConfig;
import io.remora.xds.ads.XdsRejectedException;
import io.remora.xds.ads.XdsResourceType;
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
 * dynamic resource is translated on its own so that a rejection names the resource. A listener or
 * cluster that fails is left out and its failure collected, as Envoy's LDS and CDS add the others
 * of their update ({@link io.remora.xds.ads.ResourcesRejected}); any other bad resource rejects the
 * whole update, which then leaves the running config untouched.
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
    /**
     * What {@link #check} translated of a CDS or LDS update that warms: {@link #merge} takes it, once warm, instead
     * of translating the same resources again. Each kind holds the last update checked that brought any.
     */
    private Map<String, Checked<Cluster, ClusterConfig>> checkedClusters = Map.of();
    private Map<String, Checked<Listener, ListenerConfig>> checkedListeners = Map.of();
    /** The SRDS resources {@link #scopes} holds the translation of. */
    private Map<String, io.envoyproxy.envoy.config.route.v3.ScopedRouteConfiguration> scopesFrom = Map.of();
    /** Which of {@link #scopesFrom} route their requests (on_demand ones once loaded). */
    private java.util.Set<String> scopesLoaded = java.util.Set.of();
    private Map<java.util.List<String>, io.remora.config.ScopedRoutesConfig.Scope> scopes = Map.of();
    /** Resources translated (not found in a cache), for tests and measurements. */
    private long translations;

    private record Cached<P, T>(P proto, T value) {
    }

    /**
     * A checked translation and the ECDS slots' generation it was made in: once slots were let go (an update applied
     * meanwhile that no listener reading them was in), the slots it holds may be ones nothing fills any more.
     */
    private record Checked<P, T>(Cached<P, T> cached, long ecdsGeneration) {
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

    /** The bootstrap's {@code cluster_manager.local_cluster_name}, which filters' configs may need; null: unknown. */
    private final String localClusterName;

    /** The layered runtime as it is when an update is translated (load assignments read a key of it). */
    private java.util.function.Supplier<io.remora.runtime.Runtime> runtime = () -> io.remora.runtime.Runtime.EMPTY;

    DynamicConfig(ServerConfig base, io.micrometer.core.instrument.MeterRegistry registry, VhdsRouteConfigs.Ads ads) {
        this(base, registry, ads, null);
    }

    DynamicConfig(ServerConfig base, io.micrometer.core.instrument.MeterRegistry registry, VhdsRouteConfigs.Ads ads,
                  String localClusterName) {
        this.localClusterName = localClusterName;
        this.base = base;
        this.ads = ads;
        this.ecds = new EcdsConfigs(registry);
    }

    /**
     * @param failures where each listener and cluster that fails goes, by type and name; the merge leaves it out,
     *                 and the caller rejects the snapshot with them
     */
    ServerConfig merge(XdsSnapshot snapshot, Map<XdsResourceType, Map<String, String>> failures)
            throws XdsRejectedException {
        // Envoy does not check LDS/RDS cluster references against CDS: a route to a cluster that
        // has not arrived yet answers 503 NC until it does.
        TranslationContext ctx = TranslationContext.lenient().withEcdsSlots(ecds.slots()).withLocalClusterName(localClusterName);

        Map<String, Cached<Cluster, ClusterConfig>> nextClusters = new HashMap<>();
        Map<String, ClusterConfig> clusters = new LinkedHashMap<>(base.clusters());
        for (Cluster c : snapshot.clusters().values()) {
            try {
                refuseStatic(c);
                clusters.put(c.getName(), cached(clusterCache, checkedClusters, nextClusters, c.getName(), c,
                        () -> DropOverloadChecks.cluster(ResourceTranslator.cluster(c, ctx), runtime.get())));
            } catch (XdsRejectedException e) {
                failed(failures, XdsResourceType.CLUSTER, e);
            }
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
                            snapshot.state(XdsResourceType.ENDPOINT).lastUpdated()) : cla;
                    ClusterLoadAssignment assignment = cached(endpointCache, nextEndpoints, service, key,
                            () -> DropOverloadChecks.endpoints(ResourceTranslator.endpoints(cla), runtime.get()));
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
            try {
                refuseStatic(l);
                listeners.add(cached(listenerCache, checkedListeners, nextListeners, l.getName(), l,
                        () -> ResourceTranslator.listener(l, ctx)));
            } catch (XdsRejectedException e) {
                failed(failures, XdsResourceType.LISTENER, e);
            }
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
        Map<java.util.List<String>, io.remora.config.ScopedRoutesConfig.Scope> scopes = scopes(snapshot);
        ecds.prepare(snapshot, ctx);
        clusterCache = nextClusters;
        endpointCache = nextEndpoints;
        mergedCache = nextMerged;
        listenerCache = nextListeners;
        routeCache = nextRoutes;
        checkedClusters = unmerged(checkedClusters, nextClusters);
        checkedListeners = unmerged(checkedListeners, nextListeners);
        return new ServerConfig(base.node(), base.admin(), List.copyOf(listeners),
                Collections.unmodifiableMap(clusters), Collections.unmodifiableMap(routes), base.drainTime(), scopes);
    }

    /** SRDS's scopes, the same map while they are the same (scoped routes rebuild their lookups on a new one). */
    private Map<java.util.List<String>, io.remora.config.ScopedRoutesConfig.Scope> scopes(XdsSnapshot snapshot)
            throws XdsRejectedException {
        Map<String, io.envoyproxy.envoy.config.route.v3.ScopedRouteConfiguration> delivered = snapshot.scopedRoutes();
        java.util.Set<String> loaded = new java.util.HashSet<>();
        delivered.forEach((name, c) -> {
            if (snapshot.scopeLoaded(c)) {
                loaded.add(name);
            }
        });
        if (delivered.equals(scopesFrom) && loaded.equals(scopesLoaded)) {
            return scopes;
        }
        Map<java.util.List<String>, io.remora.config.ScopedRoutesConfig.Scope> out = new HashMap<>();
        for (var c : delivered.values()) {
            translate(c.getName(), () -> {
                io.remora.xds.translate.ScopedRoutesTranslator.srdsScope(c, loaded.contains(c.getName()), out);
                return null;
            });
        }
        scopesFrom = delivered;
        scopesLoaded = loaded;
        scopes = Map.copyOf(out);
        return scopes;
    }

    /**
     * The listeners and clusters of {@code snapshot} translated as {@link #merge} would, keeping nothing: a CDS or LDS
     * response is ACKed on this check while what it brings warms (Envoy's addOrUpdateCluster/addOrUpdateListener
     * take it, warming goes on behind the ACK), and merged once warm.
     *
     * @param failures as {@link #merge}'s
     * @return the listeners that differ from those merged last, translated
     */
    List<ListenerConfig> check(XdsSnapshot snapshot, Map<XdsResourceType, Map<String, String>> failures) {
        TranslationContext ctx = TranslationContext.lenient().withEcdsSlots(ecds.slots()).withLocalClusterName(localClusterName);
        Map<String, Cached<Cluster, ClusterConfig>> clusters = new HashMap<>();
        for (Cluster c : snapshot.clusters().values()) {
            try {
                refuseStatic(c);
                if (!isCached(clusterCache, c.getName(), c)) {
                    cached(Map.of(), checkedClusters, clusters, c.getName(), c,
                            () -> DropOverloadChecks.cluster(ResourceTranslator.cluster(c, ctx), runtime.get()));
                }
            } catch (XdsRejectedException e) {
                failed(failures, XdsResourceType.CLUSTER, e);
            }
        }
        Map<String, Cached<Listener, ListenerConfig>> listeners = new HashMap<>();
        List<ListenerConfig> changed = new ArrayList<>();
        for (Listener l : snapshot.listeners().values()) {
            try {
                refuseStatic(l);
                if (!isCached(listenerCache, l.getName(), l)) {
                    changed.add(cached(Map.of(), checkedListeners, listeners, l.getName(), l,
                            () -> ResourceTranslator.listener(l, ctx)));
                }
            } catch (XdsRejectedException e) {
                failed(failures, XdsResourceType.LISTENER, e);
            }
        }
        // a check of the CDS update finds every listener cached, and the LDS one every cluster: each keeps its own
        long generation = ecds.slots().generation();
        if (!clusters.isEmpty()) {
            checkedClusters = checked(clusters, generation);
        }
        if (!listeners.isEmpty()) {
            checkedListeners = checked(listeners, generation);
        }
        return changed;
    }

    /** How many resources were translated so far, not found translated already. */
    long translations() {
        return translations;
    }

    private static void failed(Map<XdsResourceType, Map<String, String>> failures, XdsResourceType type,
                               XdsRejectedException e) {
        failures.computeIfAbsent(type, t -> new LinkedHashMap<>()).put(e.resourceName(), e.reason());
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

    void runtime(java.util.function.Supplier<io.remora.runtime.Runtime> runtime) {
        this.runtime = runtime;
    }

    /** The merged snapshot runs: its discovered filters' configs go live. */
    void commit(XdsSnapshot snapshot) {
        ecds.commit(snapshot);
    }

    private <P, T> T cached(Map<String, Cached<P, T>> previous, Map<String, Cached<P, T>> next, String name, P proto,
                            Translation<T> translation) throws XdsRejectedException {
        return cached(previous, Map.of(), next, name, proto, translation);
    }

    /** The translation of {@code proto}: the one merged last, else the one checked, else made now. */
    private <P, T> T cached(Map<String, Cached<P, T>> previous, Map<String, Checked<P, T>> checked,
                            Map<String, Cached<P, T>> next, String name, P proto, Translation<T> translation)
            throws XdsRejectedException {
        Cached<P, T> c = previous.get(name);
        if (!same(c, proto)) {
            Checked<P, T> k = checked.get(name);
            c = k != null && same(k.cached(), proto) && k.ecdsGeneration() == ecds.slots().generation() ? k.cached()
                    : null;
        }
        if (c == null) {
            translations++;
            c = new Cached<>(proto, translate(name, translation));
        }
        next.put(name, c);
        return c.value();
    }

    private static <P, T> boolean isCached(Map<String, Cached<P, T>> cache, String name, P proto) {
        return same(cache.get(name), proto);
    }

    private static <P, T> boolean same(Cached<P, T> c, P proto) {
        return c != null && (c.proto() == proto || c.proto().equals(proto));
    }

    private static <P, T> Map<String, Checked<P, T>> checked(Map<String, Cached<P, T>> translated, long generation) {
        Map<String, Checked<P, T>> out = new HashMap<>();
        translated.forEach((name, c) -> out.put(name, new Checked<>(c, generation)));
        return out;
    }

    /** The checked translations not merged yet: those of an update still warming. */
    private static <P, T> Map<String, Checked<P, T>> unmerged(Map<String, Checked<P, T>> checked,
                                                              Map<String, Cached<P, T>> merged) {
        if (checked.isEmpty()) {
            return checked;
        }
        Map<String, Checked<P, T>> out = new HashMap<>(checked);
        out.entrySet().removeIf(e -> merged.get(e.getKey()) == e.getValue().cached());
        return out;
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
