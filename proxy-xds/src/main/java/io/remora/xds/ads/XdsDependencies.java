package io.remora.xds.ads;

import com.google.protobuf.Any;
import com.google.protobuf.InvalidProtocolBufferException;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.core.v3.ApiConfigSource;
import io.envoyproxy.envoy.config.core.v3.ConfigSource;
import io.envoyproxy.envoy.config.core.v3.TransportSocket;
import io.envoyproxy.envoy.config.listener.v3.Filter;
import io.envoyproxy.envoy.config.listener.v3.FilterChain;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.CommonTlsContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.SdsSecretConfig;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * What a listener or cluster needs from another xDS type before it can serve: the route configurations its
 * HTTP connection managers load over RDS, the load assignment of an EDS cluster. These are the RDS and EDS
 * subscriptions, and what a new listener or cluster warms on.
 */
final class XdsDependencies {
    static final String HCM_TYPE = "type.googleapis.com/" + HttpConnectionManager.getDescriptor().getFullName();

    /** One RDS reference: the route configuration and the HCM stat_prefix its rds.* stats live under. */
    record RdsRef(String routeConfigName, String statPrefix, ConfigSource configSource) {
    }

    private XdsDependencies() {
    }

    /** The route configurations of {@code s} that load virtual hosts over VHDS (ADS, the one form served). */
    static Set<String> vhdsRouteConfigNames(XdsSnapshot s) {
        Set<String> out = new TreeSet<>();
        s.routes().forEach((name, rc) -> {
            if (rc.hasVhds() && rc.getVhds().getConfigSource().hasAds()) {
                out.add(name);
            }
        });
        return out;
    }

    static List<RdsRef> rdsRefs(Listener listener) {
        return rdsRefs(listener, XdsSnapshot.EMPTY);
    }

    /**
     * As above, with the route configurations the scopes of {@code s} name for the listener's connection managers
     * loading their scopes over SRDS, fetched over their scoped routes' {@code rds_config_source} (on_demand scopes'
     * once loaded).
     */
    static List<RdsRef> rdsRefs(Listener listener, XdsSnapshot s) {
        List<RdsRef> out = new ArrayList<>();
        for (FilterChain fc : filterChains(listener)) {
            for (HttpConnectionManager hcm : hcms(fc)) {
                if (hcm.hasRds() && !hcm.getRds().getRouteConfigName().isEmpty()) {
                    out.add(new RdsRef(hcm.getRds().getRouteConfigName(), hcm.getStatPrefix(),
                            hcm.getRds().getConfigSource()));
                }
                if (hcm.getScopedRoutes().hasScopedRds()) {
                    for (var scope : s.scopedRoutes().values()) {
                        // an on_demand scope's route configuration is asked for once a request loads the scope
                        if (!scope.getRouteConfigurationName().isEmpty() && s.scopeLoaded(scope)) {
                            out.add(new RdsRef(scope.getRouteConfigurationName(), hcm.getStatPrefix(),
                                    hcm.getScopedRoutes().getRdsConfigSource()));
                        }
                    }
                }
            }
        }
        return out;
    }

    /** One connection manager's scoped RDS: its scoped routes' name, stat_prefix and SRDS config source. */
    record SrdsRef(String name, String statPrefix, ConfigSource configSource) {
    }

    /** The listener's connection managers loading their scopes over SRDS. */
    static List<SrdsRef> srdsRefs(Listener listener) {
        List<SrdsRef> out = new ArrayList<>();
        for (FilterChain fc : filterChains(listener)) {
            for (HttpConnectionManager hcm : hcms(fc)) {
                if (hcm.getScopedRoutes().hasScopedRds()) {
                    out.add(new SrdsRef(hcm.getScopedRoutes().getName(), hcm.getStatPrefix(),
                            hcm.getScopedRoutes().getScopedRds().getScopedRdsConfigSource()));
                }
            }
        }
        return out;
    }

    /** Whether a listener of {@code s} loads scopes over SRDS on ADS: the SRDS subscription. */
    static boolean srdsOverAds(XdsSnapshot s) {
        for (Listener l : s.listeners().values()) {
            for (SrdsRef ref : srdsRefs(l)) {
                if (ref.configSource().hasAds()) {
                    return true;
                }
            }
        }
        return false;
    }

    /** The listener's filter chains, its default_filter_chain included. */
    static List<FilterChain> filterChains(Listener listener) {
        if (!listener.hasDefaultFilterChain()) {
            return listener.getFilterChainsList();
        }
        List<FilterChain> all = new ArrayList<>(listener.getFilterChainsList());
        all.add(listener.getDefaultFilterChain());
        return all;
    }

    private static List<HttpConnectionManager> hcms(FilterChain fc) {
        List<HttpConnectionManager> out = new ArrayList<>();
        for (Filter f : fc.getFiltersList()) {
            if (!f.hasTypedConfig() || !f.getTypedConfig().getTypeUrl().equals(HCM_TYPE)) {
                continue;
            }
            try {
                out.add(io.remora.xds.translate.GeneratedMessages.unpack(f.getTypedConfig(), HttpConnectionManager.class));
            } catch (InvalidProtocolBufferException e) {
                // the translator rejects it with the field path; nothing to subscribe to here
            }
        }
        return out;
    }

    /** The ClusterLoadAssignment name an EDS cluster subscribes to, or null for any other cluster type. */
    static String edsServiceName(Cluster cluster) {
        if (!cluster.hasType() || cluster.getType() != Cluster.DiscoveryType.EDS) {
            return null;
        }
        String serviceName = cluster.getEdsClusterConfig().getServiceName();
        return serviceName.isEmpty() ? cluster.getName() : serviceName;
    }

    static ConfigSource edsConfig(Cluster cluster) {
        return cluster.getEdsClusterConfig().getEdsConfig();
    }

    /**
     * How long a resource warms on this config source: its initial_fetch_timeout, Envoy's 15 s when unset; a
     * zero duration means wait forever (returned as null).
     */
    static Duration initialFetchTimeout(ConfigSource source, Duration defaultTimeout) {
        if (source == null || !source.hasInitialFetchTimeout()) {
            return defaultTimeout;
        }
        Duration d = Duration.ofSeconds(source.getInitialFetchTimeout().getSeconds(), source.getInitialFetchTimeout().getNanos());
        return d.isZero() ? null : d;
    }

    static boolean isHcm(Any any) {
        return any.getTypeUrl().equals(HCM_TYPE);
    }

    /** Every route configuration the snapshot's listeners load over RDS: the RDS subscription. */
    static Set<String> routeConfigNames(XdsSnapshot snapshot) {
        Set<String> out = new TreeSet<>();
        for (Listener l : snapshot.listeners().values()) {
            for (RdsRef ref : rdsRefs(l, snapshot)) {
                out.add(ref.routeConfigName());
            }
        }
        return out;
    }

    /** Every load assignment the snapshot's EDS clusters need: the EDS subscription. */
    static Set<String> edsServiceNames(XdsSnapshot snapshot) {
        Set<String> out = new TreeSet<>();
        for (Cluster c : snapshot.clusters().values()) {
            String service = edsServiceName(c);
            if (service != null) {
                out.add(service);
            }
        }
        return out;
    }

    /**
     * Every secret the snapshot's TLS transport sockets (listener filter chains, clusters and their
     * transport_socket_matches) name in an sds_secret_config whose sds_config is ADS: the SDS subscription on the
     * ADS stream, as Envoy's secret manager subscribes when a transport socket is built.
     */
    static Set<String> sdsSecretNames(XdsSnapshot snapshot) {
        Set<String> out = new TreeSet<>();
        forEachSdsRef(snapshot, (name, source) -> {
            if (source.hasAds()) {
                out.add(name);
            }
        });
        return out;
    }

    /**
     * The secrets named with an api_config_source sds_config (Istio: pilot-agent's sds-grpc), by config source:
     * each source is a separate SDS stream, as in Envoy.
     */
    static java.util.Map<ApiConfigSource, Set<String>> sdsSources(XdsSnapshot snapshot) {
        java.util.Map<ApiConfigSource, Set<String>> out = new java.util.HashMap<>();
        forEachSdsRef(snapshot, (name, source) -> {
            if (source.hasApiConfigSource()) {
                out.computeIfAbsent(source.getApiConfigSource(), k -> new TreeSet<>()).add(name);
            }
        });
        return out;
    }

    private static void forEachSdsRef(XdsSnapshot snapshot, java.util.function.BiConsumer<String, ConfigSource> each) {
        for (Listener l : snapshot.listeners().values()) {
            sdsRefs(l).forEach(each);
        }
        for (Cluster c : snapshot.clusters().values()) {
            sdsRefs(c).forEach(each);
        }
    }

    /**
     * The fetched secrets (over ADS or a separate api_config_source stream) a listener's filter chains name in
     * their TLS and their filters' configs (generic secrets: oauth2, credential_injector), with their config
     * sources (for initial_fetch_timeout).
     */
    static java.util.Map<String, ConfigSource> sdsRefs(Listener l) {
        java.util.Map<String, ConfigSource> out = new java.util.TreeMap<>();
        for (FilterChain fc : l.getFilterChainsList()) {
            addSds(fc, out);
        }
        if (l.hasDefaultFilterChain()) {
            addSds(l.getDefaultFilterChain(), out);
        }
        return out;
    }

    private static void addSds(FilterChain fc, java.util.Map<String, ConfigSource> out) {
        addSds(fc.getTransportSocket(), out);
        for (Filter f : fc.getFiltersList()) {
            filterSecrets(f).forEach(out::putIfAbsent);
        }
    }

    /**
     * The fetched secrets a cluster's transport sockets (and transport_socket_matches) name, and its upstream
     * HTTP filters (in its protocol options).
     */
    static java.util.Map<String, ConfigSource> sdsRefs(Cluster c) {
        java.util.Map<String, ConfigSource> out = new java.util.TreeMap<>();
        addSds(c.getTransportSocket(), out);
        for (Cluster.TransportSocketMatch m : c.getTransportSocketMatchesList()) {
            addSds(m.getTransportSocket(), out);
        }
        for (Any options : c.getTypedExtensionProtocolOptionsMap().values()) {
            filterSecrets(options).forEach(out::putIfAbsent);
        }
        return out;
    }

    /** Every secret of the bootstrap's static listeners and clusters fetched over ADS or an SDS stream. */
    static java.util.Map<String, ConfigSource> sdsRefs(io.envoyproxy.envoy.config.bootstrap.v3.Bootstrap b) {
        java.util.Map<String, ConfigSource> out = new java.util.TreeMap<>();
        b.getStaticResources().getListenersList().forEach(l -> sdsRefs(l).forEach(out::putIfAbsent));
        b.getStaticResources().getClustersList().forEach(c -> sdsRefs(c).forEach(out::putIfAbsent));
        return out;
    }

    /**
     * The fetched secrets anywhere in a filter's (or protocol options') typed config. A walk of the whole
     * message, so kept per message: a listener that did not change is not walked again on the next update.
     */
    private static java.util.Map<String, ConfigSource> filterSecrets(com.google.protobuf.Message m) {
        synchronized (FILTER_SECRETS) {
            java.util.Map<String, ConfigSource> known = FILTER_SECRETS.get(m);
            if (known != null) {
                return known;
            }
        }
        java.util.Map<String, ConfigSource> found = new java.util.TreeMap<>();
        SdsFileRefs.forEach(m, io.remora.xds.translate.FieldPath.ROOT, (sds, at) -> addSds(sds, found));
        java.util.Map<String, ConfigSource> result = found.isEmpty() ? java.util.Map.of() : found;
        synchronized (FILTER_SECRETS) {
            FILTER_SECRETS.put(m, result);
        }
        return result;
    }

    private static final java.util.Map<com.google.protobuf.Message, java.util.Map<String, ConfigSource>> FILTER_SECRETS =
            new java.util.WeakHashMap<>();

    private static void addSds(TransportSocket ts, java.util.Map<String, ConfigSource> out) {
        if (!ts.hasTypedConfig()) {
            return;
        }
        Any any = ts.getTypedConfig();
        try {
            if (io.remora.xds.translate.GeneratedMessages.is(any, DownstreamTlsContext.class)) {
                DownstreamTlsContext d = io.remora.xds.translate.GeneratedMessages.unpack(any, DownstreamTlsContext.class);
                addSds(d.getCommonTlsContext(), out);
                if (d.hasSessionTicketKeysSdsSecretConfig()) {
                    addSds(d.getSessionTicketKeysSdsSecretConfig(), out);
                }
            } else if (io.remora.xds.translate.GeneratedMessages.is(any, UpstreamTlsContext.class)) {
                addSds(io.remora.xds.translate.GeneratedMessages.unpack(any, UpstreamTlsContext.class).getCommonTlsContext(), out);
            }
        } catch (InvalidProtocolBufferException e) {
            // the translator rejects it with the field path; nothing to subscribe to here
        }
    }

    private static void addSds(CommonTlsContext tls, java.util.Map<String, ConfigSource> out) {
        for (SdsSecretConfig sds : tls.getTlsCertificateSdsSecretConfigsList()) {
            addSds(sds, out);
        }
        if (tls.hasValidationContextSdsSecretConfig()) {
            addSds(tls.getValidationContextSdsSecretConfig(), out);
        }
        if (tls.hasCombinedValidationContext()) {
            addSds(tls.getCombinedValidationContext().getValidationContextSdsSecretConfig(), out);
        }
    }

    private static void addSds(SdsSecretConfig sds, java.util.Map<String, ConfigSource> out) {
        if (!sds.getName().isEmpty() && sds.hasSdsConfig() && (sds.getSdsConfig().hasAds() || isGrpcSource(sds.getSdsConfig()))) {
            out.putIfAbsent(sds.getName(), sds.getSdsConfig());
        }
    }

    /**
     * An api_config_source Remora can stream from: GRPC or DELTA_GRPC (REST sources are not fetched; file
     * sources are read by {@link SdsFileSecrets}, never warmed on, as Envoy reads them at once).
     */
    static boolean isGrpcSource(ConfigSource cs) {
        if (!cs.hasApiConfigSource()) {
            return false;
        }
        ApiConfigSource.ApiType t = cs.getApiConfigSource().getApiType();
        return t == ApiConfigSource.ApiType.GRPC || t == ApiConfigSource.ApiType.DELTA_GRPC;
    }
}
