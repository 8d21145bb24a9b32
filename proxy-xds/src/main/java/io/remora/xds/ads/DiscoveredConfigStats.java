package io.remora.xds.ads;

import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;

import java.util.Map;
import java.util.Objects;

/**
 * The update stats of the configs discovered by name under their own scope: ECDS's
 * {@code extension_config_discovery.<kind>.<name>.*}, VHDS's {@code http.<stat_prefix>.vhds.<route_config>.*} and
 * SDS's {@code sds.<secret>.update_success|update_rejected} (Envoy's SdsApi makes its subscription in that scope, one
 * per secret name). Each counts the resources an update changed, as the RDS and EDS ones do. Control thread only.
 */
final class DiscoveredConfigStats {
    private final MeterRegistry registry;
    /** Per secret, and per filter kind and name: the subscription's own stats, made as it starts. */
    private final Map<String, SubscriptionStats> sdsSubscriptions = new java.util.HashMap<>();
    private final Map<EcdsRefs.Kind, Map<String, SubscriptionStats>> ecdsSubscriptions =
            new java.util.EnumMap<>(EcdsRefs.Kind.class);
    private java.util.Set<String> secrets = java.util.Set.of();
    private java.util.Set<String> filters = java.util.Set.of();

    DiscoveredConfigStats(MeterRegistry registry) {
        this.registry = registry;
    }

    void perResource(XdsResourceType type, XdsSnapshot before, XdsSnapshot after, boolean success, long durationMs) {
        switch (type) {
            case EXTENSION_CONFIG -> {
                if (success) {
                    ecdsReloaded(before, after, durationMs);
                }
            }
            case VIRTUAL_HOST -> vhds(before, after, success);
            case SECRET -> sds(before, after, success, durationMs);
            default -> { }
        }
    }

    /**
     * The secrets and discovered filters subscribed now. One newly subscribed starts its subscription: Envoy's SdsApi
     * (scope {@code sds.<name>.}) and FilterConfigSubscription (scope
     * {@code extension_config_discovery.<kind>.<name>.}) make their SubscriptionStats then, and
     * GrpcSubscriptionImpl::start counts an update_attempt.
     */
    void subscribed(java.util.Set<String> secretNames, java.util.Collection<EcdsRefs.Ref> refs) {
        for (String n : secretNames) {
            if (!secrets.contains(n)) {
                sds(n).attempt();
            }
        }
        secrets = java.util.Set.copyOf(secretNames);
        java.util.Set<String> now = new java.util.HashSet<>();
        for (EcdsRefs.Ref ref : refs) {
            String key = ref.kind() + "|" + ref.name();
            if (now.add(key) && !filters.contains(key)) {
                ecdsSubscription(ref).attempt();
            }
        }
        filters = java.util.Set.copyOf(now);
    }

    /**
     * {@code sds.<name>.*}: Envoy's tag extraction has no rule for the secret, it stays in the Prometheus name.
     * Counters and gauges are made with the subscription.
     */
    private SubscriptionStats sds(String name) {
        return sdsSubscriptions.computeIfAbsent(name, n -> new SubscriptionStats(registry,
                "envoy_sds_" + io.remora.stats.StatNames.sanitize(n) + "_"));
    }

    private SubscriptionStats ecdsSubscription(EcdsRefs.Ref ref) {
        return ecdsSubscriptions.computeIfAbsent(ref.kind(), k -> new java.util.HashMap<>()).computeIfAbsent(
                ref.name(), n -> new SubscriptionStats(registry, "envoy_extension_config_discovery_",
                        Tags.of(io.remora.stats.StatNames.ECDS_TAG, ref.kind().statScope + "." + n)));
    }

    /** Secrets responses brought since the last apply, changed or not, with their response's version_info. */
    private final Map<String, String> sdsDelivered = new java.util.HashMap<>();

    void sdsDelivered(java.util.Collection<String> names, String versionInfo) {
        names.forEach(n -> sdsDelivered.put(n, versionInfo));
    }

    /**
     * An update accepted: update_success (and an update_attempt) for each secret it brought, changed or not, as
     * GrpcSubscriptionImpl::onConfigUpdate counts each response the mux hands the secret's watch.
     */
    private void sds(XdsSnapshot before, XdsSnapshot after, boolean success, long durationMs) {
        if (!success) {
            sdsDelivered.clear();
            return; // counted against every secret subscribed: sdsRejected
        }
        Map<String, XdsResource> was = before.state(XdsResourceType.SECRET).resources();
        for (Map.Entry<String, XdsResource> e : after.state(XdsResourceType.SECRET).resources().entrySet()) {
            String version = sdsDelivered.get(e.getKey());
            if (version != null || !Objects.equals(was.get(e.getKey()), e.getValue())) {
                SubscriptionStats s = sds(e.getKey());
                s.attempt();
                s.success(version != null ? version : e.getValue().version(), durationMs);
            }
        }
        sdsDelivered.clear();
    }

    /**
     * A rejected SDS response: the mux reports it to every watch of the type (GrpcMuxImpl::onDiscoveryResponse,
     * onConfigUpdateFailed with UpdateRejected), each counting update_rejected and an update_attempt.
     */
    void sdsRejected() {
        sdsDelivered.clear();
        for (String n : secrets) {
            SubscriptionStats s = sds(n);
            s.attempt();
            s.rejected();
        }
    }

    /** The stream carrying these secrets failed: update_failure and an update_attempt each (onEstablishmentFailure). */
    void sdsConnectionFailure(java.util.Set<String> names) {
        for (String n : names) {
            SubscriptionStats s = sds(n);
            s.attempt();
            s.failure();
        }
    }

    /** The secret's first response never came within its initial_fetch_timeout. */
    void sdsInitFetchTimeout(String name) {
        SubscriptionStats s = sds(name);
        s.initFetchTimeout();
        s.attempt();
    }

    /** As for a secret, for each filter kind naming this discovered config. */
    void ecdsInitFetchTimeout(String name, java.util.Collection<EcdsRefs.Ref> refs) {
        java.util.Set<EcdsRefs.Kind> counted = java.util.EnumSet.noneOf(EcdsRefs.Kind.class);
        for (EcdsRefs.Ref ref : refs) {
            if (ref.name().equals(name) && counted.add(ref.kind())) {
                SubscriptionStats s = ecdsSubscription(ref);
                s.initFetchTimeout();
                s.attempt();
            }
        }
    }

    /**
     * {@code http.<stat_prefix>.vhds.<route_config_name>.config_reload} (and the subscription's update_success /
     * update_rejected) for each route configuration whose virtual hosts the update changed, under every HCM
     * loading it. Envoy extracts only the HCM prefix as a tag: the route configuration stays in the name.
     */
    private void vhds(XdsSnapshot before, XdsSnapshot after, boolean success) {
        java.util.Set<String> changed = new java.util.HashSet<>();
        Map<String, XdsResource> was = before.state(XdsResourceType.VIRTUAL_HOST).resources();
        Map<String, XdsResource> now = after.state(XdsResourceType.VIRTUAL_HOST).resources();
        java.util.Set<String> names = new java.util.HashSet<>(was.keySet());
        names.addAll(now.keySet());
        for (String n : names) {
            if (!Objects.equals(was.get(n), now.get(n)) && n.lastIndexOf('/') > 0) {
                changed.add(n.substring(0, n.lastIndexOf('/')));
            }
        }
        for (Listener l : after.listeners().values()) {
            for (XdsDependencies.RdsRef ref : XdsDependencies.rdsRefs(l, after)) {
                if (changed.contains(ref.routeConfigName())) {
                    vhdsCounter(ref.statPrefix(), ref.routeConfigName(), success ? "update_success" : "update_rejected")
                            .increment();
                    if (success) {
                        vhdsCounter(ref.statPrefix(), ref.routeConfigName(), "config_reload").increment();
                    }
                }
            }
        }
    }

    private Counter vhdsCounter(String statPrefix, String routeConfigName, String stat) {
        return registry.counter("envoy_http_vhds_" + io.remora.stats.StatNames.sanitize(routeConfigName) + "_" + stat,
                Tags.of("envoy_http_conn_manager_prefix", statPrefix));
    }

    /**
     * {@code extension_config_discovery.<http_filter|network_filter>.<name>.config_reload}: each discovered
     * config applied, replaced or removed, under every filter kind naming it. Every subscribed name's counters
     * exist from the first snapshot naming it, as Envoy creates them with the subscription.
     */
    private void ecdsReloaded(XdsSnapshot before, XdsSnapshot after, long durationMs) {
        Map<String, XdsResource> was = before.state(XdsResourceType.EXTENSION_CONFIG).resources();
        Map<String, XdsResource> now = after.state(XdsResourceType.EXTENSION_CONFIG).resources();
        java.util.Set<String> counted = new java.util.HashSet<>();
        for (EcdsRefs.Ref ref : EcdsRefs.of(after)) {
            if (!counted.add(ref.kind() + "|" + ref.name())) {
                continue; // one subscription, however many filters name it
            }
            ecds(ref, "config_fail");
            ecds(ref, "config_conflict");
            Counter reload = ecds(ref, "config_reload");
            XdsResource applied = now.get(ref.name());
            if (!Objects.equals(was.get(ref.name()), applied)) {
                reload.increment();
                if (applied != null) {
                    SubscriptionStats s = ecdsSubscription(ref);
                    s.attempt();
                    s.success(applied.version(), durationMs);
                }
            }
        }
    }

    /** {@code config_fail}: a rejected ECDS response counts against every name subscribed. */
    void ecdsFailed(java.util.Set<String> names, java.util.List<EcdsRefs.Ref> refs) {
        java.util.Set<String> counted = new java.util.HashSet<>();
        for (EcdsRefs.Ref ref : refs) {
            if (names.contains(ref.name()) && counted.add(ref.kind() + "|" + ref.name())) {
                ecds(ref, "config_fail").increment();
                SubscriptionStats s = ecdsSubscription(ref);
                s.attempt();
                s.rejected();
            }
        }
    }

    /** The counter of one discovered filter's subscription. */
    static Counter ecds(MeterRegistry registry, EcdsRefs.Kind kind, String name, String stat) {
        return registry.counter("envoy_extension_config_discovery_" + stat,
                Tags.of(io.remora.stats.StatNames.ECDS_TAG, kind.statScope + "." + name));
    }

    private Counter ecds(EcdsRefs.Ref ref, String stat) {
        return ecds(registry, ref.kind(), ref.name(), stat);
    }
}
