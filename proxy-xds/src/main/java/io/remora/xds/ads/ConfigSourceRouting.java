package io.remora.xds.ads;

import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.core.v3.ApiConfigSource;
import io.envoyproxy.envoy.config.core.v3.ConfigSource;
import io.envoyproxy.envoy.config.listener.v3.Listener;

import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * Which stream fetches a resource a listener or cluster refers to (an HCM's RDS route configuration, an EDS
 * cluster's load assignment): ADS, or the api_config_source its config source names (Envoy's
 * subscriptionFromConfigSource), {@code self} meaning the source that delivered the listener or cluster. And which
 * config sources cannot be fetched here (REST, an api_config_source without grpc_services), refused by field.
 */
public final class ConfigSourceRouting {
    private ConfigSourceRouting() {
    }

    /** The api_config_source whose stream fetches what {@code cs} names; null for ADS. */
    static ApiConfigSource streamOf(ConfigSource cs, ApiConfigSource self) {
        if (cs.hasSelf()) {
            return self;
        }
        return XdsDependencies.isGrpcSource(cs) ? cs.getApiConfigSource() : null;
    }

    /** Why a config source cannot be fetched: the field under it at fault, and the reason. */
    public record Refusal(String field, String reason) {
        /** The refusal under the config source at {@code path}. */
        public String at(String path) {
            return path + "." + field + ": " + reason;
        }
    }

    /** Why an api_config_source {@code cs} cannot be fetched; null when it can (or is no api_config_source at all). */
    public static Refusal unfetchable(ConfigSource cs) {
        Refusal r = ConfigSourceChecks.unsupported(cs);
        if (r != null || !cs.hasApiConfigSource()) {
            return r;
        }
        ApiConfigSource api = cs.getApiConfigSource();
        return switch (api.getApiType()) {
            case GRPC, DELTA_GRPC -> api.getGrpcServicesCount() == 0 ? new Refusal("api_config_source.grpc_services",
                    "none given (an envoy_grpc cluster or a google_grpc target is required)")
                    : ConfigSourceChecks.unsupported(api, "api_config_source");
            case AGGREGATED_GRPC, AGGREGATED_DELTA_GRPC -> new Refusal("api_config_source.api_type", api.getApiType()
                    + " is for dynamic_resources.ads_config only; refer to it with ads: {}");
            default -> new Refusal("api_config_source.api_type", api.getApiType() + " is not supported (GRPC or DELTA_GRPC)");
        };
    }

    static String unfetchable(ConfigSource cs, String path) {
        Refusal r = unfetchable(cs);
        return r == null ? null : r.at(path);
    }

    /** Why a listener or cluster update refers to a config source that cannot be fetched; null when none does. */
    static String unfetchable(XdsUpdate u) {
        if (u.type() != XdsResourceType.LISTENER && u.type() != XdsResourceType.CLUSTER) {
            return null;
        }
        for (XdsResource r : u.resources().values()) {
            String error = r.resource() instanceof Listener l ? unfetchable(l) : unfetchable((Cluster) r.resource());
            if (error != null) {
                return error;
            }
        }
        return null;
    }

    static String unfetchable(Listener l) {
        for (XdsDependencies.RdsRef ref : XdsDependencies.rdsRefs(l)) {
            String error = unfetchable(ref.configSource(), "http_connection_manager.rds.config_source");
            if (error == null) {
                error = missingFile(ref.configSource(), "http_connection_manager.rds.config_source");
            }
            if (error != null) {
                return "listener '" + l.getName() + "': " + error;
            }
        }
        return null;
    }

    static String unfetchable(Cluster c) {
        if (XdsDependencies.edsServiceName(c) == null) {
            return null;
        }
        String error = unfetchable(XdsDependencies.edsConfig(c), "eds_cluster_config.eds_config");
        if (error == null) {
            error = missingFile(XdsDependencies.edsConfig(c), "eds_cluster_config.eds_config");
        }
        return error == null ? null : "cluster '" + c.getName() + "': " + error;
    }

    /**
     * A file subscription whose file is not there: Envoy's subscription factory refuses it
     * (checkFilesystemSubscriptionBackingPath), as for LDS and CDS files; it watches, never waits for one to appear.
     */
    private static String missingFile(ConfigSource cs, String path) {
        java.nio.file.Path file = SdsFileRefs.file(cs);
        if (file == null || java.nio.file.Files.exists(file)) {
            return null;
        }
        String field = cs.hasPathConfigSource() ? "path_config_source.path" : "path";
        return path + "." + field + ": paths must refer to an existing path in the system: '" + file
                + "' does not exist";
    }

    /**
     * The route configurations and load assignments of {@code snapshot} fetched on separate streams, by stream;
     * those over ADS go to {@code adsRoutes} and {@code adsEndpoints}.
     */
    static void split(XdsSnapshot snapshot, ApiConfigSource ldsSource, ApiConfigSource cdsSource,
                      Map<ApiSourceKey, Set<String>> streams, Set<String> adsRoutes, Set<String> adsEndpoints) {
        for (Listener l : snapshot.listeners().values()) {
            for (XdsDependencies.RdsRef ref : XdsDependencies.rdsRefs(l, snapshot)) {
                add(streamOf(ref.configSource(), ldsSource), XdsResourceType.ROUTE, ref.routeConfigName(), ref.configSource(),
                        streams, adsRoutes);
            }
        }
        for (Cluster c : snapshot.clusters().values()) {
            String service = XdsDependencies.edsServiceName(c);
            if (service != null) {
                ConfigSource cs = XdsDependencies.edsConfig(c);
                add(streamOf(cs, cdsSource), XdsResourceType.ENDPOINT, service, cs, streams, adsEndpoints);
            }
        }
    }

    /**
     * The SRDS subscriptions of {@code snapshot}'s listeners: {@link XdsResourceType#ALL} on each separate stream, or in
     * {@code ads} over ADS.
     */
    static void srds(XdsSnapshot snapshot, ApiConfigSource ldsSource, Map<ApiSourceKey, Set<String>> streams,
                     Set<String> ads) {
        for (Listener l : snapshot.listeners().values()) {
            for (XdsDependencies.SrdsRef ref : XdsDependencies.srdsRefs(l)) {
                add(streamOf(ref.configSource(), ldsSource), XdsResourceType.SCOPED_ROUTE, XdsResourceType.ALL,
                        ref.configSource(), streams, ads);
            }
        }
    }

    private static void add(ApiConfigSource api, XdsResourceType type, String name, ConfigSource cs,
                            Map<ApiSourceKey, Set<String>> streams, Set<String> ads) {
        if (api != null) {
            streams.computeIfAbsent(new ApiSourceKey(api, type), k -> new HashSet<>()).add(name);
        } else if (!cs.hasApiConfigSource() && SdsFileRefs.file(cs) == null) {
            // an api_config_source that cannot be fetched was refused with its listener or cluster; a file is read
            // by FileSubscriptions
            ads.add(name);
        }
    }

    /** The api_config_source a wildcard type (LDS, CDS) is fetched from; null when it is not. */
    static ApiConfigSource wildcardSource(Map<ApiSourceKey, Set<String>> fixed, XdsResourceType type) {
        for (ApiSourceKey k : fixed.keySet()) {
            if (k.type() == type) {
                return k.api();
            }
        }
        return null;
    }

    /** A copy whose name sets can be added to. */
    static Map<ApiSourceKey, Set<String>> mutableCopy(Map<ApiSourceKey, Set<String>> m) {
        Map<ApiSourceKey, Set<String>> out = new HashMap<>();
        m.forEach((k, v) -> out.put(k, new HashSet<>(v)));
        return out;
    }
}
