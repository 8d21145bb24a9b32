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

    DiscoveredConfigStats(MeterRegistry registry) {
        this.registry = registry;
    }

    void perResource(XdsResourceType type, XdsSnapshot before, XdsSnapshot after, boolean success) {
        switch (type) {
            case EXTENSION_CONFIG -> {
                if (success) {
                    ecdsReloaded(before, after);
                }
            }
            case VIRTUAL_HOST -> vhds(before, after, success);
            case SECRET -> sds(before, after, success);
            default -> { }
        }
    }

    /**
     * {@code sds.<name>.update_success|update_rejected} for each secret the update brought or changed. Envoy's
     * tag extraction has no rule for the secret: it stays in the Prometheus name.
     */
    private void sds(XdsSnapshot before, XdsSnapshot after, boolean success) {
        Map<String, XdsResource> was = before.state(XdsResourceType.SECRET).resources();
        for (Map.Entry<String, XdsResource> e : after.state(XdsResourceType.SECRET).resources().entrySet()) {
            if (!Objects.equals(was.get(e.getKey()), e.getValue())) {
                registry.counter("envoy_sds_" + io.remora.stats.StatNames.sanitize(e.getKey()) + "_"
                        + (success ? "update_success" : "update_rejected")).increment();
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
            for (XdsDependencies.RdsRef ref : XdsDependencies.rdsRefs(l)) {
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
    private void ecdsReloaded(XdsSnapshot before, XdsSnapshot after) {
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
            if (!Objects.equals(was.get(ref.name()), now.get(ref.name()))) {
                reload.increment();
            }
        }
    }

    /** {@code config_fail}: a rejected ECDS response counts against every name subscribed. */
    void ecdsFailed(java.util.Set<String> names, java.util.List<EcdsRefs.Ref> refs) {
        java.util.Set<String> counted = new java.util.HashSet<>();
        for (EcdsRefs.Ref ref : refs) {
            if (names.contains(ref.name()) && counted.add(ref.kind() + "|" + ref.name())) {
                ecds(ref, "config_fail").increment();
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
