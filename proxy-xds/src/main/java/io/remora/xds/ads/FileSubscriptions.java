package io.remora.xds.ads;

import com.google.protobuf.util.JsonFormat;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.listener.v3.Listener;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.BiConsumer;

/**
 * RDS and EDS from path_config_source files: one watcher per (type, file) the running or pending listeners and
 * clusters name, plus the bootstrap's static EDS clusters' and static listeners', each file standing for Envoy's
 * filesystem subscription of the route configurations or load assignments that name it. A file nobody names any
 * more is let go. Control thread only.
 */
final class FileSubscriptions {
    private static final java.util.logging.Logger log = java.util.logging.Logger.getLogger(XdsClient.class.getName());

    /** One watched file and the type it is read as. */
    record Key(XdsResourceType type, Path path) {
    }

    private final JsonFormat.TypeRegistry registry;
    private final BiConsumer<Key, XdsUpdate> sink;
    private final Map<Key, FileConfigWatcher> watchers = new HashMap<>();
    /**
     * The files of the bootstrap's static EDS clusters and static listeners' RDS: the names read from each, for as
     * long as the client runs.
     */
    private Map<Key, Set<String>> statics = Map.of();
    private Map<Key, Set<String>> names = Map.of();

    FileSubscriptions(JsonFormat.TypeRegistry registry, BiConsumer<Key, XdsUpdate> sink) {
        this.registry = registry;
        this.sink = sink;
    }

    void statics(Map<Key, Set<String>> files) {
        statics = Map.copyOf(files);
    }

    /** The static resources read from files of this type: the server's initialization waits for them. */
    boolean anyStatic(XdsResourceType type) {
        return statics.keySet().stream().anyMatch(k -> k.type() == type);
    }

    boolean anyStatic() {
        return !statics.isEmpty();
    }

    /**
     * The files the bootstrap's static EDS clusters and its static listeners' RDS read (the names read from each).
     */
    static Map<Key, Set<String>> statics(io.envoyproxy.envoy.config.bootstrap.v3.Bootstrap bootstrap,
                                         StaticEdsClusters eds) {
        Map<Key, Set<String>> out = new HashMap<>();
        eds.files().forEach((p, n) -> out.computeIfAbsent(new Key(XdsResourceType.ENDPOINT, p.toAbsolutePath()),
                k -> new TreeSet<>()).addAll(n));
        for (Listener l : bootstrap.getStaticResources().getListenersList()) {
            addRoutes(l, out);
        }
        return out;
    }

    /** The static listeners' HCMs that load their routes from a file. */
    static java.util.List<XdsDependencies.RdsRef> staticRoutes(io.envoyproxy.envoy.config.bootstrap.v3.Bootstrap b) {
        java.util.List<XdsDependencies.RdsRef> out = new java.util.ArrayList<>();
        for (Listener l : b.getStaticResources().getListenersList()) {
            for (XdsDependencies.RdsRef ref : XdsDependencies.rdsRefs(l)) {
                if (SdsFileRefs.file(ref.configSource()) != null) {
                    out.add(ref);
                }
            }
        }
        return out;
    }

    /** The names read from files for a type: their subscriptions. */
    Set<String> names(XdsResourceType type) {
        Set<String> out = new HashSet<>();
        names.forEach((k, v) -> {
            if (k.type() == type) {
                out.addAll(v);
            }
        });
        return out;
    }

    /** The names that read {@code key}'s file; empty once nobody does. */
    Set<String> namesAt(Key key) {
        return names.getOrDefault(key, Set.of());
    }

    void refresh(XdsSnapshot candidate, XdsSnapshot accepted) {
        Map<Key, Set<String>> next = new HashMap<>();
        statics.forEach((k, n) -> next.computeIfAbsent(k, x -> new TreeSet<>()).addAll(n));
        add(candidate, next);
        add(accepted, next);
        watchers.entrySet().removeIf(e -> {
            if (next.containsKey(e.getKey())) {
                return false;
            }
            e.getValue().close();
            return true;
        });
        Map<Key, Set<String>> before = names;
        names = next;
        for (Key k : next.keySet()) {
            // a new subscription on a file already watched reads it afresh, as Envoy's own subscription would
            if (watchers.containsKey(k) && !before.getOrDefault(k, Set.of()).containsAll(next.get(k))) {
                watchers.remove(k).close();
            }
            if (!watchers.containsKey(k)) {
                FileConfigWatcher w = new FileConfigWatcher(k.path(), k.type(), registry, u -> sink.accept(k, u));
                watchers.put(k, w);
                w.start();
            }
        }
    }

    private static void addRoutes(Listener l, Map<Key, Set<String>> out) {
        for (XdsDependencies.RdsRef ref : XdsDependencies.rdsRefs(l)) {
            Path p = SdsFileRefs.file(ref.configSource());
            if (p != null) {
                out.computeIfAbsent(new Key(XdsResourceType.ROUTE, p.toAbsolutePath()), k -> new TreeSet<>())
                        .add(ref.routeConfigName());
            }
        }
    }

    private static void add(XdsSnapshot s, Map<Key, Set<String>> out) {
        for (Listener l : s.listeners().values()) {
            addRoutes(l, out);
        }
        for (Cluster c : s.clusters().values()) {
            String service = XdsDependencies.edsServiceName(c);
            Path p = service == null ? null : SdsFileRefs.file(XdsDependencies.edsConfig(c));
            if (p != null) {
                out.computeIfAbsent(new Key(XdsResourceType.ENDPOINT, p.toAbsolutePath()), k -> new TreeSet<>()).add(service);
            }
        }
    }

    /**
     * The names a file's update is applied for, as Envoy's filesystem subscription and EdsClusterImpl /
     * RdsRouteConfigSubscription decide for each name reading the file: a file that cannot be loaded counts
     * update_failure, one whose resources are not the one a name asked for (by count or name) update_rejected, one
     * without resources update_empty; none of them changes what runs for that name.
     */
    static Set<String> accept(Key key, Set<String> names, XdsUpdate u, XdsStats stats, XdsSnapshot s) {
        XdsResourceType type = key.type();
        if (u.error() != null) {
            log.warning("xDS: " + type.shortName() + " file update rejected: " + u.error());
            stats.fileUpdateFailed(type, names, s, !u.error().startsWith(key.path() + ": "));
            return Set.of();
        }
        if (u.resources().isEmpty()) {
            stats.fileUpdateEmpty(type, names, s);
            return Set.of();
        }
        Set<String> taken = new TreeSet<>();
        Set<String> refused = new TreeSet<>();
        for (String name : names) {
            // a name listed twice is two resources here: no mux stands between the file and the subscription
            String error = u.listed() > 1
                    ? "Unexpected " + type.shortName() + " resource length: " + u.listed()
                    : u.resources().containsKey(name) ? null
                    : (type == XdsResourceType.ENDPOINT ? "Unexpected EDS cluster (expecting "
                    : "Unexpected RDS configuration (expecting ") + name + "): " + u.resources().keySet().iterator().next();
            if (error == null) {
                taken.add(name);
            } else {
                log.warning("xDS: " + type.shortName() + " file update rejected: " + error);
                refused.add(name);
            }
        }
        if (!refused.isEmpty()) {
            stats.fileUpdateFailed(type, refused, s, true);
        }
        return taken;
    }

    /**
     * An ECDS or RTDS file holding other than exactly one resource: the error its subscription rejects it with, else
     * null. Envoy's filesystem subscription hands the file's every resource to the one subscription (no mux keeps
     * the names asked for), and FilterConfigSubscription and RtdsSubscription each refuse any count but one.
     */
    static String notOneResource(XdsUpdate u) {
        if (u.listed() == 1) {
            return null;
        }
        return switch (u.type()) {
            case EXTENSION_CONFIG -> "Unexpected number of resources in ExtensionConfigDS response: " + u.listed();
            case RUNTIME -> "Unexpected RTDS resource length, number of added resources " + u.listed()
                    + ", number of removed resources 0";
            default -> null;
        };
    }

    void close() {
        watchers.values().forEach(FileConfigWatcher::close);
        watchers.clear();
    }
}
