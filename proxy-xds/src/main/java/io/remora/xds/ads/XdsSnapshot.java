package io.remora.xds.ads;

import com.google.protobuf.Message;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.config.route.v3.ScopedRouteConfiguration;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.Secret;

import java.time.Instant;
import java.util.Collections;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A complete, consistent xDS configuration: every resource type with its version_info and, per resource, the
 * version and arrival time the control plane gave it. Immutable.
 *
 * <p>After an initial_fetch_timeout a listener may name a route configuration, or an EDS cluster a load
 * assignment, that is absent here: Envoy then serves the listener with no routes (404 NR) and the cluster with
 * no hosts (503 UH), and so should the translator.
 */
public final class XdsSnapshot {
    /** The state of one resource type: version_info of the last accepted response and its resources. */
    public record TypeState(String versionInfo, Instant lastUpdated, Map<String, XdsResource> resources) {
        public static final TypeState EMPTY = new TypeState("", Instant.EPOCH, Map.of());

        public TypeState {
            resources = Collections.unmodifiableMap(new LinkedHashMap<>(resources));
        }

        /** The same names and resources as {@code other}: going from one to the other applies nothing. */
        boolean sameResources(TypeState other) {
            if (!resources.keySet().equals(other.resources().keySet())) {
                return false;
            }
            for (Map.Entry<String, XdsResource> e : resources.entrySet()) {
                if (!e.getValue().resource().equals(other.resources().get(e.getKey()).resource())) {
                    return false;
                }
            }
            return true;
        }
    }

    public static final XdsSnapshot EMPTY = new XdsSnapshot(new EnumMap<>(XdsResourceType.class));

    private final Map<XdsResourceType, TypeState> types;
    private final Map<XdsResourceType, Map<String, ? extends Message>> messages = new EnumMap<>(XdsResourceType.class);
    /** LDS's and CDS's version_info as Envoy's config dump shows it ({@link #dumpVersionInfo}). */
    private final Map<XdsResourceType, String> dumpVersions;
    /**
     * The on_demand SRDS scopes a request loaded, as they were when loaded: a scope SRDS changes or removes is
     * unloaded again, as Envoy's ScopedRdsConfigSubscription makes a new, unloaded helper for it.
     */
    private final Map<String, ScopedRouteConfiguration> loadedScopes;

    XdsSnapshot(Map<XdsResourceType, TypeState> types) {
        this(types, Map.of(), Map.of());
    }

    private XdsSnapshot(Map<XdsResourceType, TypeState> types, Map<XdsResourceType, String> dumpVersions,
                        Map<String, ScopedRouteConfiguration> loadedScopes) {
        this.dumpVersions = dumpVersions;
        this.loadedScopes = loadedScopes;
        EnumMap<XdsResourceType, TypeState> copy = new EnumMap<>(XdsResourceType.class);
        for (XdsResourceType t : XdsResourceType.values()) {
            TypeState state = types.getOrDefault(t, TypeState.EMPTY);
            copy.put(t, state);
            Map<String, Message> m = new LinkedHashMap<>();
            state.resources().forEach((name, r) -> m.put(name, r.resource()));
            messages.put(t, Collections.unmodifiableMap(m));
        }
        this.types = Collections.unmodifiableMap(copy);
    }

    public TypeState state(XdsResourceType type) {
        return types.get(type);
    }

    public String versionInfo(XdsResourceType type) {
        return types.get(type).versionInfo();
    }

    public Map<String, Listener> listeners() {
        return messages(XdsResourceType.LISTENER);
    }

    public Map<String, RouteConfiguration> routes() {
        return messages(XdsResourceType.ROUTE);
    }

    public Map<String, Cluster> clusters() {
        return messages(XdsResourceType.CLUSTER);
    }

    public Map<String, ClusterLoadAssignment> endpoints() {
        return messages(XdsResourceType.ENDPOINT);
    }

    public Map<String, Secret> secrets() {
        return messages(XdsResourceType.SECRET);
    }

    public Map<String, io.envoyproxy.envoy.service.runtime.v3.Runtime> runtimes() {
        return messages(XdsResourceType.RUNTIME);
    }

    /** ECDS: discovered filter configs by name. */
    public Map<String, io.envoyproxy.envoy.config.core.v3.TypedExtensionConfig> extensionConfigs() {
        return messages(XdsResourceType.EXTENSION_CONFIG);
    }

    /** VHDS: virtual hosts by resource name ({@code <route config name>/<host>}). */
    public Map<String, io.envoyproxy.envoy.config.route.v3.VirtualHost> virtualHosts() {
        return messages(XdsResourceType.VIRTUAL_HOST);
    }

    /** SRDS: scoped route configurations by name. */
    public Map<String, ScopedRouteConfiguration> scopedRoutes() {
        return messages(XdsResourceType.SCOPED_ROUTE);
    }

    /** Whether a response of {@code type} was ever taken (an empty one too). */
    boolean received(XdsResourceType type) {
        return !types.get(type).lastUpdated().equals(Instant.EPOCH);
    }

    @SuppressWarnings("unchecked")
    private <T extends Message> Map<String, T> messages(XdsResourceType type) {
        return (Map<String, T>) messages.get(type);
    }

    XdsSnapshot with(XdsResourceType type, TypeState state) {
        EnumMap<XdsResourceType, TypeState> m = new EnumMap<>(types);
        m.put(type, state);
        XdsSnapshot s = new XdsSnapshot(m, dumpVersions, loadedScopes);
        // a scope SRDS removes and later sends again is a new one, not loaded (Envoy makes a new helper for it)
        return type == XdsResourceType.SCOPED_ROUTE && !loadedScopes.isEmpty() ? s.withLoadedScopes(s.stillLoaded()) : s;
    }

    private Map<String, ScopedRouteConfiguration> stillLoaded() {
        Map<String, ScopedRouteConfiguration> m = new LinkedHashMap<>();
        loadedScopes.forEach((name, scope) -> {
            if (scope.equals(scopedRoutes().get(name))) {
                m.put(name, scope);
            }
        });
        return m;
    }

    private XdsSnapshot withLoadedScopes(Map<String, ScopedRouteConfiguration> loaded) {
        return new XdsSnapshot(types, dumpVersions, Collections.unmodifiableMap(loaded));
    }

    /**
     * Whether scope {@code c}'s route configuration is subscribed and routes its requests: an eager scope always,
     * an {@code on_demand} one once a request loaded it ({@link #withLoadedScope}).
     */
    public boolean scopeLoaded(ScopedRouteConfiguration c) {
        return !c.getOnDemand() || c.equals(loadedScopes.get(c.getName()));
    }

    /** With on_demand scope {@code c} loaded. */
    XdsSnapshot withLoadedScope(ScopedRouteConfiguration c) {
        Map<String, ScopedRouteConfiguration> m = stillLoaded();
        m.put(c.getName(), c);
        return withLoadedScopes(m);
    }

    /**
     * The version_info of LDS or CDS in the config dump: that of the last update that added, changed or removed a
     * listener or cluster, even one NACKed for others of it, as LdsApiImpl and CdsApiHelper::onConfigUpdate set
     * system_version_info_ when any_applied; an update changing nothing leaves it. Empty before any.
     */
    public String dumpVersionInfo(XdsResourceType type) {
        return dumpVersions.getOrDefault(type, "");
    }

    XdsSnapshot withDumpVersion(XdsResourceType type, String versionInfo) {
        EnumMap<XdsResourceType, String> m = new EnumMap<>(XdsResourceType.class);
        m.putAll(dumpVersions);
        m.put(type, versionInfo);
        return new XdsSnapshot(types, Map.copyOf(m), loadedScopes);
    }

    /** Same resources, versions and version_info for every type: applying it again would change nothing. */
    boolean sameContent(XdsSnapshot other) {
        if (!loadedScopes.equals(other.loadedScopes)) {
            return false;
        }
        for (XdsResourceType t : XdsResourceType.values()) {
            TypeState x = state(t);
            TypeState y = other.state(t);
            if (!x.versionInfo().equals(y.versionInfo()) || !x.resources().keySet().equals(y.resources().keySet())) {
                return false;
            }
            for (Map.Entry<String, XdsResource> e : x.resources().entrySet()) {
                XdsResource o = y.resources().get(e.getKey());
                if (!e.getValue().resource().equals(o.resource()) || !e.getValue().version().equals(o.version())) {
                    return false;
                }
            }
        }
        return true;
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("XdsSnapshot{");
        types.forEach((t, s) -> sb.append(t.shortName()).append('@').append(s.versionInfo())
                .append(s.resources().keySet()).append(' '));
        return sb.append('}').toString();
    }
}
