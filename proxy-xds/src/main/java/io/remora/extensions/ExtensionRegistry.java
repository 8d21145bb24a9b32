package io.remora.extensions;

import com.google.protobuf.Descriptors.Descriptor;
import io.remora.http.filter.HttpFilterFactory;
import io.remora.network.ConnectionFilterFactory;
import io.remora.network.NetworkFilterFactory;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;

/**
 * Every extension of this build, found once through {@link ServiceLoader}, indexed by name and by
 * config type: the translators look extensions up here, and the data plane takes its runtimes
 * from here. Immutable once built.
 */
public final class ExtensionRegistry {

    private static volatile ExtensionRegistry installed;

    private final List<Extension> all;
    private final Map<String, Extension> byName = new HashMap<>();
    private final Map<String, Extension> byConfigType = new HashMap<>();
    /** Config types that an HTTP and a network filter share (Istio's stats.PluginConfig): the network one. */
    private final Map<String, Extension> networkByConfigType = new HashMap<>();
    private final Map<String, Extension> networkByName = new HashMap<>();
    private final Map<String, HttpFilterExtension<?>> byPerRouteType = new HashMap<>();
    /** Upstream network filters (a cluster's filters), by name and by config type, apart from the rest. */
    private final Map<String, UpstreamNetworkFilterExtension<?>> upstreamByName = new HashMap<>();
    private final Map<String, UpstreamNetworkFilterExtension<?>> upstreamByConfigType = new HashMap<>();
    /** Cluster specifier plugins by config type, apart from filters. */
    private final Map<String, ClusterSpecifierExtension> clusterSpecifierByConfigType = new HashMap<>();
    /** Custom health checkers by config type and by name, apart from filters. */
    private final Map<String, HealthCheckerExtension> healthCheckerByConfigType = new HashMap<>();
    private final Map<String, HealthCheckerExtension> healthCheckerByName = new HashMap<>();
    /** Network filters' cluster protocol options by option type. */
    private final Map<String, Extension> protocolOptionsByType = new HashMap<>();
    /**
     * Extensions' own config messages by full name, built on the first lookup: building them
     * (Istio's file descriptors) costs start-up CPU that a config naming none of them need not pay.
     */
    private volatile Map<String, Descriptor> descriptors;

    ExtensionRegistry(List<Extension> extensions) {
        this.all = List.copyOf(extensions);
        for (Extension e : all) {
            if (!(e instanceof HttpFilterExtension<?> || e instanceof NetworkFilterExtension<?>
                    || e instanceof TerminalFilterExtension<?> || e instanceof UpstreamNetworkFilterExtension<?>
                    || e instanceof UdpListenerFilterExtension || e instanceof ClusterSpecifierExtension
                    || e instanceof HealthCheckerExtension)) {
                throw new IllegalStateException("extension " + e.getClass().getName() + " is none of"
                        + " HttpFilterExtension, NetworkFilterExtension, TerminalFilterExtension,"
                        + " UpstreamNetworkFilterExtension, UdpListenerFilterExtension, ClusterSpecifierExtension,"
                        + " HealthCheckerExtension");
            }
            if (e instanceof ProtocolOptionsExtension p) {
                for (String t : p.protocolOptionsTypes()) {
                    claim(protocolOptionsByType, t, e, "protocol options type");
                }
            }
            if (e instanceof HealthCheckerExtension h) {
                for (String t : h.configTypes()) {
                    claim(healthCheckerByConfigType, t, h, "health checker config type");
                }
                for (String n : h.names()) {
                    claim(healthCheckerByName, n, h, "health checker name");
                }
                continue;
            }
            if (e instanceof ClusterSpecifierExtension c) {
                for (String t : c.configTypes()) {
                    claim(clusterSpecifierByConfigType, t, c, "cluster specifier plugin config type");
                }
                continue;
            }
            if (e instanceof UpstreamNetworkFilterExtension<?> u) {
                for (String n : u.names()) {
                    claim(upstreamByName, n, u, "upstream network filter name");
                }
                for (String t : u.configTypes()) {
                    claim(upstreamByConfigType, t, u, "upstream network filter config type");
                }
                continue;
            }
            for (String n : e.names()) {
                claimByKind(byName, networkByName, n, e, "name");
            }
            for (String t : e.configTypes()) {
                claimByKind(byConfigType, networkByConfigType, t, e, "config type");
            }
            if (e instanceof HttpFilterExtension<?> h) {
                for (String t : h.perRouteConfigTypes()) {
                    claim(byPerRouteType, t, h, "per-route config type");
                }
            }
        }
    }

    /**
     * Envoy keys factories by kind, so an HTTP and a network filter may share a name and a config
     * message (Istio's {@code istio.stats} / {@code stats.PluginConfig}): the HTTP one stays in
     * {@code index}, the network one goes to {@code network} as well.
     */
    private static void claimByKind(Map<String, Extension> index, Map<String, Extension> network, String key,
                                    Extension e, String what) {
        Extension prev = index.get(key);
        if (prev != null && prev != e && prev instanceof HttpFilterExtension<?> != e instanceof HttpFilterExtension<?>) {
            claim(network, key, e instanceof HttpFilterExtension<?> ? prev : e, "network " + what);
            if (e instanceof HttpFilterExtension<?>) {
                index.put(key, e);
            }
            return;
        }
        claim(index, key, e, what);
    }

    private static <E extends Extension> void claim(Map<String, E> index, String key, E e, String what) {
        E prev = index.putIfAbsent(key, e);
        if (prev != null && prev != e) {
            throw new IllegalStateException("two extensions claim the " + what + " '" + key + "': "
                    + prev.getClass().getName() + " and " + e.getClass().getName());
        }
    }

    /** The extensions on the class path (built-in and third-party), loaded once. */
    public static ExtensionRegistry get() {
        ExtensionRegistry r = installed;
        if (r == null) {
            synchronized (ExtensionRegistry.class) {
                r = installed;
                if (r == null) {
                    List<Extension> found = new ArrayList<>();
                    ServiceLoader.load(Extension.class, ExtensionRegistry.class.getClassLoader()).forEach(found::add);
                    r = new ExtensionRegistry(found);
                    installed = r;
                }
            }
        }
        return r;
    }

    /** A registry of exactly these extensions (tests). */
    public static ExtensionRegistry of(List<Extension> extensions) {
        return new ExtensionRegistry(extensions);
    }

    /** The extension whose config message is {@code typeName} (a full proto name), or null. */
    public Extension byConfigType(String typeName) {
        return byConfigType.get(typeName);
    }

    /**
     * The network filter (non-terminal or terminal) taking this config type, or else whatever
     * extension does (for the error message), or null.
     */
    public Extension networkByConfigType(String typeName) {
        Extension e = networkByConfigType.get(typeName);
        return e != null ? e : byConfigType.get(typeName);
    }

    /** The network filter registered under {@code name}, or else whatever extension is, or null. */
    public Extension networkByName(String name) {
        Extension e = networkByName.get(name);
        return e != null ? e : byName.get(name);
    }

    /** The upstream network filter taking this config type (a full proto name), or null. */
    public UpstreamNetworkFilterExtension<?> upstreamByConfigType(String typeName) {
        return upstreamByConfigType.get(typeName);
    }

    /** The upstream network filter registered under {@code name}, or null. */
    public UpstreamNetworkFilterExtension<?> upstreamByName(String name) {
        return upstreamByName.get(name);
    }

    /**
     * The cluster specifier plugin taking this config type (a full proto name), or null. Envoy
     * finds these by type only: the name of their {@code TypedExtensionConfig} is the user's.
     */
    public ClusterSpecifierExtension clusterSpecifierByConfigType(String typeName) {
        return clusterSpecifierByConfigType.get(typeName);
    }

    /**
     * The custom health checker for a {@code custom_health_check}: by its typed_config's type,
     * else by name, as Envoy's {@code getAndCheckFactory} looks it up; null when none.
     *
     * @param configType null when there is no typed_config
     */
    public HealthCheckerExtension healthChecker(String configType, String name) {
        HealthCheckerExtension h = configType == null ? null : healthCheckerByConfigType.get(configType);
        return h != null ? h : healthCheckerByName.get(name);
    }

    /** The network filter taking cluster protocol options of this type (a full proto name), or null. */
    public Extension protocolOptionsByType(String typeName) {
        return protocolOptionsByType.get(typeName);
    }

    /** The extension registered under {@code name}, or null. */
    public Extension byName(String name) {
        return byName.get(name);
    }

    /** The HTTP filter whose per-route config message is {@code typeName}, or null. */
    public HttpFilterExtension<?> byPerRouteConfigType(String typeName) {
        return byPerRouteType.get(typeName);
    }

    /** A config message an extension defines itself (not in the Envoy API jar), or null. */
    public Descriptor descriptor(String typeName) {
        Map<String, Descriptor> d = descriptors;
        if (d == null) {
            Map<String, Descriptor> built = new HashMap<>();
            for (Extension e : all) {
                for (Descriptor x : e.descriptors()) {
                    built.put(x.getFullName(), x);
                }
            }
            // Racing threads build equal maps: either may win.
            descriptors = d = Map.copyOf(built);
        }
        return d.get(typeName);
    }

    public List<Extension> all() {
        return all;
    }

    public List<HttpFilterFactory.Provider<?>> httpFilterRuntimes() {
        List<HttpFilterFactory.Provider<?>> out = new ArrayList<>();
        for (Extension e : all) {
            if (e instanceof HttpFilterExtension<?> h) {
                out.add(h.runtime());
            }
        }
        return out;
    }

    /** The runtimes of non-terminal network filters, listener and upstream ones alike (keyed by config class). */
    public List<ConnectionFilterFactory.Provider<?>> networkFilterRuntimes() {
        List<ConnectionFilterFactory.Provider<?>> out = new ArrayList<>();
        for (Extension e : all) {
            ConnectionFilterFactory.Provider<?> p = e instanceof NetworkFilterExtension<?> n ? n.runtime()
                    : e instanceof UpstreamNetworkFilterExtension<?> u ? u.runtime() : null;
            if (p != null && !out.contains(p)) {
                out.add(p);
            }
        }
        return out;
    }

    public List<NetworkFilterFactory<?>> terminalFilterRuntimes() {
        List<NetworkFilterFactory<?>> out = new ArrayList<>();
        for (Extension e : all) {
            if (e instanceof TerminalFilterExtension<?> t) {
                out.add(t.runtime());
            }
        }
        return out;
    }

    /** Names of every extension by kind, for logs and {@code /server_info}. */
    public Map<String, List<String>> namesByKind() {
        Map<String, List<String>> out = new LinkedHashMap<>();
        for (Extension e : all) {
            String kind = e instanceof HttpFilterExtension<?> ? "envoy.filters.http"
                    : e instanceof NetworkFilterExtension<?> || e instanceof TerminalFilterExtension<?>
                    ? "envoy.filters.network"
                    : e instanceof UpstreamNetworkFilterExtension<?> ? "envoy.filters.upstream_network"
                    : e instanceof UdpListenerFilterExtension ? "envoy.filters.udp_listener"
                    : e instanceof ClusterSpecifierExtension ? "envoy.router.cluster_specifier_plugin"
                    : e instanceof HealthCheckerExtension ? "envoy.health_checkers" : "other";
            out.computeIfAbsent(kind, k -> new ArrayList<>()).add(e.names().get(0));
        }
        return out;
    }
}
