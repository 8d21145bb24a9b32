package io.remora.xds.ads;

import io.envoyproxy.envoy.config.core.v3.ConfigSource;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Each SRDS subscription's stats in its scope {@code http.<stat_prefix>.scoped_rds.<name>.}, as Envoy's
 * ScopedRdsConfigSubscription makes them: its SubscriptionStats and ScopedRdsStats ({@code config_reload} per update
 * taken, changed or not, {@code update_empty}, and the gauges {@code all_scopes}, {@code config_reload_time_ms},
 * {@code active_scopes} (scopes with their route configuration subscribed: eager ones, on_demand ones once a
 * request loaded them) and {@code on_demand_scopes}). Connection managers with the same {@code scoped_rds} share one subscription, in
 * the scope of the first (Envoy's ConfigProviderManagerImplBase keys subscriptions by the message); each hears every
 * response of its source. Only the prefix is a tag: the name stays in the Prometheus name, as Envoy extracts none.
 * Control thread only.
 */
final class SrdsSubscriptionStats {

    private static final class Subscription {
        final SubscriptionStats stats;
        final Counter configReload;
        final AtomicLong allScopes = new AtomicLong();
        final AtomicLong reloadTime = new AtomicLong();
        final AtomicLong activeScopes = new AtomicLong();
        final AtomicLong onDemandScopes = new AtomicLong();

        Subscription(MeterRegistry registry, XdsDependencies.SrdsRef ref) {
            String prefix = "envoy_http_scoped_rds_" + io.remora.stats.StatNames.sanitize(ref.name()) + "_";
            Tags tags = Tags.of(RdsSubscriptionStats.PREFIX_TAG, ref.statPrefix());
            stats = new SubscriptionStats(registry, prefix, tags);
            configReload = registry.counter(prefix + "config_reload", tags);
            registry.counter(prefix + "update_empty", tags);
            Gauge.builder(prefix + "all_scopes", allScopes, AtomicLong::get).tags(tags).register(registry);
            Gauge.builder(prefix + "config_reload_time_ms", reloadTime, AtomicLong::get).tags(tags).register(registry);
            Gauge.builder(prefix + "active_scopes", activeScopes, AtomicLong::get).tags(tags).register(registry);
            Gauge.builder(prefix + "on_demand_scopes", onDemandScopes, AtomicLong::get).tags(tags).register(registry);
        }
    }

    private final MeterRegistry registry;
    /** By the connection manager's scoped_rds config source: one subscription each. */
    private final Map<ConfigSource, Subscription> subscriptions = new LinkedHashMap<>();

    SrdsSubscriptionStats(MeterRegistry registry) {
        this.registry = registry;
    }

    /**
     * The connection managers loading scopes over SRDS in {@code s}: one newly subscribed starts its subscription
     * and counts an update_attempt (GrpcSubscriptionImpl::start). A subscription no listener needs any more ends.
     */
    void subscribed(XdsSnapshot s) {
        Map<ConfigSource, XdsDependencies.SrdsRef> now = new LinkedHashMap<>();
        for (Listener l : s.listeners().values()) {
            for (XdsDependencies.SrdsRef ref : XdsDependencies.srdsRefs(l)) {
                now.putIfAbsent(ref.configSource(), ref);
            }
        }
        now.forEach((source, ref) -> {
            if (!subscriptions.containsKey(source)) {
                Subscription sub = new Subscription(registry, ref);
                sub.stats.attempt();
                subscriptions.put(source, sub);
            }
        });
        subscriptions.keySet().retainAll(now.keySet());
    }

    void attempt() {
        subscriptions.values().forEach(s -> s.stats.attempt());
    }

    /** An update taken: ScopedRdsConfigSubscription::onConfigUpdate's stats, and the subscription's success. */
    void success(String versionInfo, long durationMs, XdsSnapshot s) {
        int scopes = s.scopedRoutes().size();
        for (Subscription sub : subscriptions.values()) {
            sub.stats.success(versionInfo, durationMs);
            sub.configReload.increment();
            sub.reloadTime.set(System.currentTimeMillis());
            sub.allScopes.set(scopes);
        }
        scopes(s);
    }

    /**
     * The scope gauges of {@code s}: {@code active_scopes} counts the scopes whose route configuration is
     * subscribed (eager ones, on_demand ones once loaded), {@code on_demand_scopes} the on_demand ones, loaded or
     * not, as RdsRouteConfigProviderHelper counts them.
     */
    void scopes(XdsSnapshot s) {
        long active = s.scopedRoutes().values().stream().filter(s::scopeLoaded).count();
        long onDemand = s.scopedRoutes().values().stream().filter(c -> c.getOnDemand()).count();
        for (Subscription sub : subscriptions.values()) {
            sub.activeScopes.set(active);
            sub.onDemandScopes.set(onDemand);
        }
    }

    void rejected() {
        subscriptions.values().forEach(s -> s.stats.rejected());
    }

    void failure() {
        subscriptions.values().forEach(s -> {
            s.stats.failure();
            s.stats.attempt();
        });
    }

    void initFetchTimeout() {
        subscriptions.values().forEach(s -> {
            s.stats.initFetchTimeout();
            s.stats.attempt();
        });
    }
}
