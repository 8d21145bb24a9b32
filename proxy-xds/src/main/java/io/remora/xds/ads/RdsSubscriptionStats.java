package io.remora.xds.ads;

import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Each RDS subscription's stats in its scope {@code http.<stat_prefix>.rds.<route_config>.}, as Envoy's
 * RdsRouteConfigSubscription makes them: its SubscriptionStats ({@code update_attempt}, {@code update_success},
 * {@code update_rejected}, {@code update_failure}, {@code init_fetch_timeout}, {@code version}, {@code update_time})
 * and its RdsStats ({@code config_reload}, {@code update_empty}, {@code config_reload_time_ms}), made together as the
 * subscription starts. Envoy's tag extraction takes the prefix and the route configuration out of the name. HCMs
 * naming the same route configuration over the same config source share one subscription, as Envoy's
 * RouteConfigProviderManager keys them by their {@code Rds} message: its scope is the prefix of the HCM that started
 * it, kept while any HCM still loads it. Control thread only.
 */
final class RdsSubscriptionStats {
    static final String PREFIX_TAG = "envoy_http_conn_manager_prefix";
    static final String ROUTE_CONFIG_TAG = "envoy_rds_route_config";

    private record Key(io.envoyproxy.envoy.config.core.v3.ConfigSource configSource, String routeConfigName) {
        static Key of(XdsDependencies.RdsRef ref) {
            return new Key(ref.configSource(), ref.routeConfigName());
        }
    }

    private static final class Subscription {
        final SubscriptionStats stats;
        /** Over a path config source: FilesystemSubscriptionImpl times no update. */
        final boolean file;
        final Counter configReload;
        final Counter updateEmpty;
        final AtomicLong configReloadTime = new AtomicLong();

        Subscription(MeterRegistry registry, Tags tags, boolean file) {
            this.file = file;
            stats = new SubscriptionStats(registry, "envoy_http_rds_", tags);
            configReload = registry.counter("envoy_http_rds_config_reload", tags);
            updateEmpty = registry.counter("envoy_http_rds_update_empty", tags);
            Gauge.builder("envoy_http_rds_config_reload_time_ms", configReloadTime, AtomicLong::get).tags(tags)
                    .register(registry);
        }
    }

    private final MeterRegistry registry;
    /** The bootstrap's static listeners' HCMs loading routes from files: they count as LDS listeners' do. */
    private volatile List<XdsDependencies.RdsRef> statics = List.of();
    private final Map<Key, Subscription> subscriptions = new HashMap<>();
    private Set<Key> started = Set.of();
    /** The route configurations responses brought since the last apply, changed or not, with their version_info. */
    private final Map<String, String> delivered = new HashMap<>();

    RdsSubscriptionStats(MeterRegistry registry) {
        this.registry = registry;
    }

    void statics(List<XdsDependencies.RdsRef> refs) {
        statics = List.copyOf(refs);
    }

    /**
     * The subscriptions (LDS listeners' HCMs' and the static ones reading files) loading route configuration
     * {@code name}, each once, made with the prefix of the first HCM naming it if it is not running yet.
     */
    private Collection<Subscription> subscriptionsOf(String name, XdsSnapshot s) {
        Map<Key, Subscription> out = new LinkedHashMap<>();
        for (XdsDependencies.RdsRef ref : refs(s)) {
            if (ref.routeConfigName().equals(name)) {
                out.computeIfAbsent(Key.of(ref), k -> of(ref));
            }
        }
        return out.values();
    }

    /** The HCMs loading routes over RDS, in the order their subscriptions would start. */
    private List<XdsDependencies.RdsRef> refs(XdsSnapshot snapshot) {
        List<XdsDependencies.RdsRef> refs = new ArrayList<>(statics);
        for (Listener l : snapshot.listeners().values()) {
            refs.addAll(XdsDependencies.rdsRefs(l, snapshot));
        }
        return refs;
    }

    private Subscription of(XdsDependencies.RdsRef ref) {
        // Envoy's stat names carry ':' as '_', and so do the tags extracted from them
        return subscriptions.computeIfAbsent(Key.of(ref), k -> new Subscription(registry,
                Tags.of(PREFIX_TAG, ref.statPrefix(), ROUTE_CONFIG_TAG, ref.routeConfigName().replace(':', '_')), isFile(ref)));
    }

    /**
     * The HCMs loading routes over RDS now. One newly subscribed starts its subscription: a gRPC one counts an
     * update_attempt (GrpcSubscriptionImpl::start); a file's counts as it is read.
     */
    void subscribed(XdsSnapshot snapshot) {
        Set<Key> now = new HashSet<>();
        for (XdsDependencies.RdsRef ref : refs(snapshot)) {
            Key k = Key.of(ref);
            if (now.add(k) && !started.contains(k)) {
                Subscription s = of(ref);
                if (!isFile(ref)) {
                    s.stats.attempt();
                }
            }
        }
        // a subscription no HCM loads any more ends: the next HCM naming its route configuration starts another
        subscriptions.keySet().retainAll(now);
        started = Set.copyOf(now);
    }

    private static boolean isFile(XdsDependencies.RdsRef ref) {
        var kind = ref.configSource().getConfigSourceSpecifierCase();
        return kind == io.envoyproxy.envoy.config.core.v3.ConfigSource.ConfigSourceSpecifierCase.PATH
                || kind == io.envoyproxy.envoy.config.core.v3.ConfigSource.ConfigSourceSpecifierCase.PATH_CONFIG_SOURCE;
    }

    /**
     * A response (or file) brought these route configurations: they count once it is applied, the subscription's
     * version being the response's version_info (delta: its system_version_info), changed routes or not.
     */
    void delivered(Collection<String> names, String versionInfo) {
        names.forEach(n -> delivered.put(n, versionInfo));
    }

    /**
     * An update applied: each subscription its response reached counts update_attempt and update_success and takes
     * its version, as GrpcSubscriptionImpl::onConfigUpdate does for every watch the mux finds its resource in; one
     * whose route configuration changed also counts config_reload (RdsRouteConfigSubscription::onConfigUpdate,
     * only when the config's hash changed: a new version of the same routes is no reload).
     */
    void applied(Map<String, XdsResource> before, XdsSnapshot snapshot, long durationMs) {
        Map<String, XdsResource> after = snapshot.state(XdsResourceType.ROUTE).resources();
        Set<String> names = new HashSet<>(delivered.keySet());
        for (Map.Entry<String, XdsResource> e : after.entrySet()) {
            if (!java.util.Objects.equals(before.get(e.getKey()), e.getValue())) {
                names.add(e.getKey());
            }
        }
        for (String name : names) {
            XdsResource now = after.get(name);
            if (now == null) {
                continue;
            }
            XdsResource was = before.get(name);
            boolean changed = was == null || !was.resource().equals(now.resource());
            for (Subscription s : subscriptionsOf(name, snapshot)) {
                s.stats.attempt();
                s.stats.success(delivered.getOrDefault(name, now.version()), s.file ? -1 : durationMs);
                if (changed) {
                    s.configReload.increment();
                    s.configReloadTime.set(System.currentTimeMillis());
                }
            }
        }
        delivered.clear();
    }

    /**
     * A rejected RDS response: the mux reports it to every watch of the type (onConfigUpdateFailed with
     * UpdateRejected), each counting update_rejected and an update_attempt.
     */
    void rejected(Set<String> names, XdsSnapshot snapshot) {
        delivered.clear();
        for (String name : names) {
            for (Subscription s : subscriptionsOf(name, snapshot)) {
                s.stats.attempt();
                s.stats.rejected();
            }
        }
    }

    /**
     * A file refused or empty, or the stream failing ({@code stat}: update_rejected, update_failure or
     * update_empty): each with an update_attempt, as FilesystemSubscriptionImpl::refresh and
     * GrpcSubscriptionImpl::onConfigUpdateFailed count one.
     */
    void failed(String name, XdsSnapshot snapshot, String stat) {
        for (Subscription s : subscriptionsOf(name, snapshot)) {
            s.stats.attempt();
            switch (stat) {
                case "update_rejected" -> s.stats.rejected();
                case "update_failure" -> s.stats.failure();
                case "update_empty" -> s.updateEmpty.increment();
                default -> throw new IllegalArgumentException(stat);
            }
        }
    }

    /**
     * The route configuration's first response did not come within initial_fetch_timeout: each subscription with a
     * timer counts it (0s waits for ever: no timer).
     */
    void initFetchTimeout(String name, XdsSnapshot snapshot) {
        Set<Key> counted = new HashSet<>();
        for (XdsDependencies.RdsRef ref : refs(snapshot)) {
            if (ref.routeConfigName().equals(name) && counted.add(Key.of(ref))
                    && XdsDependencies.initialFetchTimeout(ref.configSource(), Duration.ZERO) != null) {
                Subscription s = of(ref);
                s.stats.initFetchTimeout();
                s.stats.attempt();
            }
        }
    }
}
