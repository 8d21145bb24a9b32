package io.remora.xds.ads;

import com.google.protobuf.util.JsonFormat;
import io.envoyproxy.envoy.config.bootstrap.v3.Bootstrap;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.core.v3.Address;
import io.envoyproxy.envoy.config.core.v3.ApiConfigSource;
import io.envoyproxy.envoy.config.core.v3.ConfigSource;
import io.envoyproxy.envoy.config.core.v3.GrpcService;
import io.envoyproxy.envoy.config.endpoint.v3.LbEndpoint;
import io.envoyproxy.envoy.config.endpoint.v3.LocalityLbEndpoints;
import io.micrometer.core.instrument.MeterRegistry;
import io.remora.xds.translate.FieldPath;
import io.remora.xds.translate.GrpcServiceTranslator;

import java.nio.file.Path;
import java.time.Duration;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.Map;
import java.util.Set;

/**
 * Builds the xDS client a bootstrap's dynamic_resources describe: LDS and CDS over ADS, from files
 * (path_config_source) or each from an api_config_source stream of its own (GRPC or DELTA_GRPC, Envoy's
 * non-aggregated subscriptions), RTDS for the layered_runtime's rtds_layers ({@link RtdsSources}), the ADS server from
 * {@code ads_config.grpc_services[0]} (an envoy_grpc static cluster, whose hosts the cluster manager gives, or a
 * google_grpc target_uri), GRPC or DELTA_GRPC.
 */
public final class XdsClientFactory {
    private XdsClientFactory() {
    }

    /** Null when the bootstrap has no dynamic LDS, CDS or RTDS (a static configuration). */
    public static XdsClient fromBootstrap(Bootstrap bootstrap, XdsConfigApplier applier, MeterRegistry registry,
                                          JsonFormat.TypeRegistry typeRegistry) {
        return fromBootstrap(bootstrap, applier, registry, typeRegistry, null);
    }

    /** As above, its envoy_grpc streams going to their clusters' hosts in {@code clusters} (null: first endpoints). */
    public static XdsClient fromBootstrap(Bootstrap bootstrap, XdsConfigApplier applier, MeterRegistry registry,
                                          JsonFormat.TypeRegistry typeRegistry,
                                          io.remora.upstream.ClusterManager clusters) {
        XdsClientOptions options = options(bootstrap, typeRegistry);
        if (options == null) {
            return null;
        }
        XdsClient client = new XdsClient(options, applier, registry, clusters);
        Set<String> runtimes = RtdsSources.adsResourceNames(bootstrap);
        if (!runtimes.isEmpty()) {
            client.updateSubscriptions(XdsResourceType.RUNTIME.typeUrl, runtimes);
        }
        Map<String, ConfigSource> staticSecrets = XdsDependencies.sdsRefs(bootstrap);
        if (!staticSecrets.isEmpty()) {
            client.staticSecrets(staticSecrets);
        }
        StaticEdsClusters staticEds = StaticEdsClusters.of(bootstrap);
        client.staticResources(bootstrap, staticEds);
        if (!staticEds.ads().isEmpty()) {
            client.updateSubscriptions(XdsResourceType.ENDPOINT.typeUrl, staticEds.ads());
        }
        return client;
    }

    /**
     * What serving would refuse about the bootstrap's config sources, for {@code --mode validate}: the same checks
     * as {@link #fromBootstrap}, without connecting.
     *
     * @throws IllegalArgumentException naming the field
     */
    public static void check(Bootstrap bootstrap) {
        options(bootstrap, null);
    }

    static XdsClientOptions options(Bootstrap bootstrap, JsonFormat.TypeRegistry typeRegistry) {
        var dyn = bootstrap.getDynamicResources();
        Set<XdsResourceType> ads = EnumSet.noneOf(XdsResourceType.class);
        Map<XdsResourceType, Path> files = new EnumMap<>(XdsResourceType.class);
        Map<ApiSourceKey, Set<String>> streams = new java.util.HashMap<>();
        Duration timeout = null;
        boolean any = false;
        checkStaticReferences(bootstrap);
        if (dyn.hasLdsConfig()) {
            timeout = source(bootstrap, dyn.getLdsConfig(), XdsResourceType.LISTENER, ads, files, streams);
            any = true;
        }
        if (dyn.hasCdsConfig()) {
            Duration t = source(bootstrap, dyn.getCdsConfig(), XdsResourceType.CLUSTER, ads, files, streams);
            timeout = any ? shorter(timeout, t) : t;
            any = true;
        }
        RtdsSources rtds = RtdsSources.of(bootstrap);
        if (rtds.ads()) {
            ads.add(XdsResourceType.RUNTIME);
        }
        if (rtds.file() != null) {
            files.put(XdsResourceType.RUNTIME, rtds.file());
        }
        rtds.api().forEach((key, names) -> {
            target(bootstrap, key.api(), "layered_runtime.layers.rtds_layer.rtds_config.api_config_source");
            streams.put(key, names);
        });
        if (rtds.any()) {
            timeout = any ? shorter(timeout, rtds.initialFetchTimeout()) : rtds.initialFetchTimeout();
            any = true;
        }
        StaticEdsClusters staticEds = StaticEdsClusters.of(bootstrap);
        if (!staticEds.ads().isEmpty()) {
            ads.add(XdsResourceType.ENDPOINT);
        }
        staticEds.api().forEach((key, names) -> {
            target(bootstrap, key.api(), "static_resources.clusters.eds_cluster_config.eds_config.api_config_source");
            streams.put(key, names);
        });
        if (staticEds.any()) {
            timeout = any ? shorter(timeout, staticEds.initialFetchTimeout()) : staticEds.initialFetchTimeout();
            any = true;
        }
        for (XdsDependencies.RdsRef ref : FileSubscriptions.staticRoutes(bootstrap)) {
            Duration t = XdsDependencies.initialFetchTimeout(ref.configSource(), XdsClientOptions.DEFAULT_INITIAL_FETCH_TIMEOUT);
            timeout = any ? shorter(timeout, t) : t;
            any = true;
        }
        // Static listeners and clusters whose secrets are fetched: Envoy's secret manager subscribes for them too.
        Map<String, ConfigSource> staticSecrets = XdsDependencies.sdsRefs(bootstrap);
        if (!staticSecrets.isEmpty()) {
            for (ConfigSource cs : staticSecrets.values()) {
                if (cs.hasAds()) {
                    ads.add(XdsResourceType.SECRET);
                    Duration t = XdsDependencies.initialFetchTimeout(cs, XdsClientOptions.DEFAULT_INITIAL_FETCH_TIMEOUT);
                    timeout = any ? shorter(timeout, t) : t;
                    any = true;
                }
            }
            any = true;
        }
        if (!any) {
            return null;
        }
        XdsTarget target = null;
        boolean delta = false;
        boolean firstOnly = false;
        if (dyn.hasAdsConfig()) {
            ApiConfigSource api = dyn.getAdsConfig();
            delta = switch (api.getApiType()) {
                case GRPC, AGGREGATED_GRPC -> false;
                case DELTA_GRPC, AGGREGATED_DELTA_GRPC -> true;
                default -> throw new IllegalArgumentException(
                        "dynamic_resources.ads_config.api_type: " + api.getApiType() + " is not supported (GRPC or DELTA_GRPC)");
            };
            firstOnly = api.getSetNodeOnFirstMessageOnly();
            target = target(bootstrap, api, "dynamic_resources.ads_config");
        } else if (!ads.isEmpty()) {
            throw new IllegalArgumentException(adsUser(bootstrap)
                    + ": uses ads but dynamic_resources.ads_config is missing");
        }
        return new XdsClientOptions(target, delta, bootstrap.getNode(), firstOnly, ads, files, timeout, typeRegistry,
                XdsClientOptions.DEFAULT_BACKOFF_BASE_MS, XdsClientOptions.DEFAULT_BACKOFF_MAX_MS,
                api -> target(bootstrap, api, "api_config_source"), streams,
                dyn.hasAdsConfig() ? DiscoveryRequestLimiter.settings(dyn.getAdsConfig()) : null);
    }

    /** The field path of the first config source that uses ADS: the one an ads_config is missing for. */
    private static String adsUser(Bootstrap bootstrap) {
        var dyn = bootstrap.getDynamicResources();
        if (dyn.getLdsConfig().hasAds()) {
            return "dynamic_resources.lds_config";
        }
        if (dyn.getCdsConfig().hasAds()) {
            return "dynamic_resources.cds_config";
        }
        var layers = bootstrap.getLayeredRuntime().getLayersList();
        for (int i = 0; i < layers.size(); i++) {
            if (layers.get(i).getRtdsLayer().getRtdsConfig().hasAds()) {
                return "layered_runtime.layers[" + i + "].rtds_layer.rtds_config";
            }
        }
        var clusters = bootstrap.getStaticResources().getClustersList();
        for (int i = 0; i < clusters.size(); i++) {
            if (clusters.get(i).getEdsClusterConfig().getEdsConfig().hasAds()) {
                return "static_resources.clusters[" + i + "].eds_cluster_config.eds_config";
            }
        }
        return "static_resources: a secret's sds_config"; // where in a listener or cluster: XdsDependencies.sdsRefs
    }

    /**
     * The bootstrap's static listeners and clusters may not name an RDS or EDS config source that cannot be
     * fetched: Envoy refuses them when it subscribes, at startup.
     */
    private static void checkStaticReferences(Bootstrap bootstrap) {
        for (var l : bootstrap.getStaticResources().getListenersList()) {
            String error = ConfigSourceRouting.unfetchable(l);
            if (error != null) {
                throw new IllegalArgumentException("static_resources.listeners: " + error);
            }
        }
        for (Cluster c : bootstrap.getStaticResources().getClustersList()) {
            String error = ConfigSourceRouting.unfetchable(c);
            if (error != null) {
                throw new IllegalArgumentException("static_resources.clusters: " + error);
            }
        }
    }

    @SuppressWarnings("deprecation") // the legacy ConfigSource.path: Envoy still reads it, so do we
    private static Duration source(Bootstrap bootstrap, ConfigSource cs, XdsResourceType type, Set<XdsResourceType> ads,
                                   Map<XdsResourceType, Path> files, Map<ApiSourceKey, Set<String>> streams) {
        String field = type == XdsResourceType.LISTENER ? "lds_config" : "cds_config";
        ConfigSourceRouting.Refusal refusal = ConfigSourceChecks.unsupported(cs);
        if (refusal != null) {
            throw new IllegalArgumentException(refusal.at("dynamic_resources." + field));
        }
        if (cs.hasAds()) {
            ads.add(type);
        } else if (cs.hasApiConfigSource()) {
            String error = ConfigSourceRouting.unfetchable(cs, "dynamic_resources." + field);
            if (error != null) {
                throw new IllegalArgumentException(error);
            }
            target(bootstrap, cs.getApiConfigSource(), "dynamic_resources." + field + ".api_config_source");
            streams.put(new ApiSourceKey(cs.getApiConfigSource(), type), Set.of());
        } else if (cs.hasPathConfigSource()) {
            // watched_directory (a ConfigMap's ..data swap) needs no watch of its own: FileConfigWatcher
            // re-reads on any change in the file's directory and at least once a second.
            if (cs.getPathConfigSource().hasWatchedDirectory()) {
                if (cs.getPathConfigSource().getWatchedDirectory().getPath().isEmpty()) {
                    throw new IllegalArgumentException("dynamic_resources." + field
                            + ".path_config_source.watched_directory.path: path is required");
                }
                existing(cs.getPathConfigSource().getWatchedDirectory().getPath(),
                        field + ".path_config_source.watched_directory.path");
            }
            files.put(type, existing(cs.getPathConfigSource().getPath(), field + ".path_config_source.path"));
        } else if (!cs.getPath().isEmpty()) {
            files.put(type, existing(cs.getPath(), field + ".path"));
        } else {
            throw new IllegalArgumentException("dynamic_resources." + field
                    + ": only ads, api_config_source and path_config_source are supported, got "
                    + cs.getConfigSourceSpecifierCase());
        }
        return XdsDependencies.initialFetchTimeout(cs, XdsClientOptions.DEFAULT_INITIAL_FETCH_TIMEOUT);
    }

    /** Envoy refuses to start on a file subscription whose file is not there (it watches, never waits for it). */
    private static Path existing(String file, String field) {
        Path p = Path.of(file);
        if (!java.nio.file.Files.exists(p)) {
            throw new IllegalArgumentException("dynamic_resources." + field + ": paths must refer to an existing"
                    + " path in the system: '" + file + "' does not exist");
        }
        return p;
    }

    private static Duration shorter(Duration a, Duration b) {
        if (a == null) {
            return b;
        }
        return b == null || a.compareTo(b) <= 0 ? a : b;
    }

    /**
     * The static cluster Envoy's ADS stream waits for (ads_config's first service, an envoy_grpc one);
     * null when there is no ADS or it is a google_grpc service.
     */
    public static String adsCluster(Bootstrap bootstrap) {
        var dyn = bootstrap.getDynamicResources();
        if (!dyn.hasAdsConfig() || dyn.getAdsConfig().getGrpcServicesCount() == 0
                || !dyn.getAdsConfig().getGrpcServices(0).hasEnvoyGrpc()) {
            return null;
        }
        return dyn.getAdsConfig().getGrpcServices(0).getEnvoyGrpc().getClusterName();
    }

    /** Where an api_config_source's first gRPC service is; {@code field} names it in errors. */
    public static XdsTarget target(Bootstrap bootstrap, ApiConfigSource api, String field) {
        if (api.getGrpcServicesCount() == 0) {
            throw new IllegalArgumentException(field + ".grpc_services: none given");
        }
        ConfigSourceRouting.Refusal refusal = ConfigSourceChecks.unsupported(api, field);
        if (refusal != null) {
            throw new IllegalArgumentException(refusal.field() + ": " + refusal.reason());
        }
        GrpcService gs = api.getGrpcServices(0);
        String service = field + ".grpc_services[0]";
        try {
            return XdsServiceOptions.apply(address(bootstrap, gs, service), gs, FieldPath.of(service));
        } catch (io.remora.xds.translate.TranslationException e) {
            throw new IllegalArgumentException(e.getMessage(), e);
        }
    }

    private static XdsTarget address(Bootstrap bootstrap, GrpcService gs, String service) {
        if (gs.hasGoogleGrpc()) {
            return XdsTarget.parse(gs.getGoogleGrpc().getTargetUri()).withTls(XdsTls.of(gs, service));
        }
        String name = gs.getEnvoyGrpc().getClusterName();
        java.util.List<Cluster> clusters = bootstrap.getStaticResources().getClustersList();
        for (int i = 0; i < clusters.size(); i++) {
            Cluster c = clusters.get(i);
            if (c.getName().equals(name)) {
                String field = "static_resources.clusters[" + i + "]";
                io.remora.config.TransportSocketConfig tls = clusterTls(c, field);
                return clusterTarget(c).withMaxReceiveMessageLength(GrpcServiceTranslator.maxReceiveMessageLength(gs))
                        .withClusterTls(tls, tls == null ? null : clusterNames(c, gs.getEnvoyGrpc(), field))
                        .withAuthority(authority(c, gs.getEnvoyGrpc())).withCluster(name);
            }
        }
        throw new IllegalArgumentException(service + ".envoy_grpc.cluster_name: no static cluster " + name);
    }

    /**
     * The xDS server's static cluster's TLS transport socket, as Envoy connects to it: certificates
     * and trusted CA from files or inline (SDS would need the very stream this connection carries),
     * SAN matchers, {@code sni}; null for plaintext.
     */
    private static io.remora.config.TransportSocketConfig clusterTls(Cluster c, String field) {
        FieldPath path = FieldPath.of(field).field("transport_socket");
        if (c.getTransportSocketMatchesCount() > 0) {
            throw new IllegalArgumentException(FieldPath.of(field).field("transport_socket_matches")
                    + ": not supported on the xDS server's cluster; use transport_socket");
        }
        if (!c.hasTransportSocket()) {
            return null;
        }
        io.remora.config.TransportSocketConfig ts;
        try {
            ts = io.remora.xds.translate.TransportSocketTranslator.upstream(c.getTransportSocket(), path);
        } catch (io.remora.xds.translate.TranslationException e) {
            throw new IllegalArgumentException(e.getMessage(), e);
        }
        if (ts != null && (!ts.certificateSdsNames().isEmpty() || ts.validationSdsName() != null)) {
            throw new IllegalArgumentException(path.field("typed_config").field("common_tls_context")
                    + ": SDS secrets for the xDS server's own connection are not supported; give the certificate"
                    + " and trusted_ca as files or inline");
        }
        return ts;
    }

    /**
     * The names Envoy's router makes the xDS stream's handshake for, from its :authority (the envoy_grpc
     * authority, else the cluster's name): auto_sni's SNI (else the transport socket's sni, else none) and
     * auto_san_validation's SAN; null when the cluster asks for neither.
     */
    private static io.remora.upstream.UpstreamTlsNames clusterNames(Cluster c, GrpcService.EnvoyGrpc g, String field) {
        io.remora.config.AutoSniConfig auto;
        try {
            auto = io.remora.xds.translate.AutoSniTranslator.ofCluster(c, FieldPath.of(field));
        } catch (io.remora.xds.translate.TranslationException e) {
            throw new IllegalArgumentException(e.getMessage(), e);
        }
        return io.remora.http.router.AutoSniNames.forAuthority(auto, authority(c, g));
    }

    /** The :authority Envoy's gRPC client sends over an envoy_grpc service: its authority, else the cluster's name. */
    private static String authority(Cluster c, GrpcService.EnvoyGrpc g) {
        return g.getAuthority().isEmpty() ? c.getName() : g.getAuthority();
    }

    private static XdsTarget clusterTarget(Cluster c) {
        for (LocalityLbEndpoints lle : c.getLoadAssignment().getEndpointsList()) {
            for (LbEndpoint lb : lle.getLbEndpointsList()) {
                Address a = lb.getEndpoint().getAddress();
                if (a.hasPipe()) {
                    return XdsTarget.uds(a.getPipe().getPath());
                }
                if (a.hasSocketAddress()) {
                    return XdsTarget.tcp(a.getSocketAddress().getAddress(), a.getSocketAddress().getPortValue());
                }
            }
        }
        throw new IllegalArgumentException("static cluster " + c.getName() + " (xDS server): no endpoint address in load_assignment");
    }
}
