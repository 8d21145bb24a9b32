package io.remora.xds.ads;

import com.google.protobuf.util.Durations;
import io.envoyproxy.envoy.config.bootstrap.v3.Bootstrap;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.core.v3.Address;
import io.envoyproxy.envoy.config.core.v3.ApiConfigSource;
import io.envoyproxy.envoy.config.core.v3.ConfigSource;
import io.envoyproxy.envoy.config.core.v3.GrpcService;
import io.envoyproxy.envoy.config.core.v3.PathConfigSource;
import io.envoyproxy.envoy.config.core.v3.Pipe;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.endpoint.v3.Endpoint;
import io.envoyproxy.envoy.config.endpoint.v3.LbEndpoint;
import io.envoyproxy.envoy.config.endpoint.v3.LocalityLbEndpoints;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Bootstrap dynamic_resources to client options, shaped like Istio's and Envoy's own examples. */
class XdsClientFactoryTest {
    private static Bootstrap.Builder istioLike(ApiConfigSource.ApiType apiType) {
        Cluster xdsGrpc = Cluster.newBuilder().setName("xds-grpc").setType(Cluster.DiscoveryType.STATIC)
                .setLoadAssignment(ClusterLoadAssignment.newBuilder().setClusterName("xds-grpc")
                        .addEndpoints(LocalityLbEndpoints.newBuilder().addLbEndpoints(LbEndpoint.newBuilder()
                                .setEndpoint(Endpoint.newBuilder().setAddress(
                                        Address.newBuilder().setPipe(Pipe.newBuilder().setPath("./etc/istio/proxy/XDS")))))))
                .build();
        ConfigSource ads = XdsTestResources.ADS.toBuilder().setInitialFetchTimeout(Durations.fromSeconds(0)).build();
        return Bootstrap.newBuilder().setNode(XdsTestResources.NODE)
                .setStaticResources(Bootstrap.StaticResources.newBuilder().addClusters(xdsGrpc))
                .setDynamicResources(Bootstrap.DynamicResources.newBuilder()
                        .setLdsConfig(ads).setCdsConfig(ads)
                        .setAdsConfig(ApiConfigSource.newBuilder().setApiType(apiType).setSetNodeOnFirstMessageOnly(true)
                                .addGrpcServices(GrpcService.newBuilder().setEnvoyGrpc(
                                        GrpcService.EnvoyGrpc.newBuilder().setClusterName("xds-grpc")))));
    }

    @Test
    void istioBootstrapPointsAtThePipe() {
        XdsClientOptions o = XdsClientFactory.options(istioLike(ApiConfigSource.ApiType.GRPC).build(), null);
        assertEquals("./etc/istio/proxy/XDS", o.target().udsPath());
        assertEquals("xds-grpc", o.target().authority(), "Envoy's :authority for envoy_grpc: the cluster's name");
        assertEquals(false, o.delta());
        assertTrue(o.nodeOnFirstMessageOnly());
        assertEquals(Set.of(XdsResourceType.LISTENER, XdsResourceType.CLUSTER), o.adsTypes());
        assertNull(o.initialFetchTimeout(), "initial_fetch_timeout 0s waits forever, as Istio configures it");
        assertEquals(XdsTestResources.NODE, o.node());
    }

    @Test
    void deltaAndGoogleGrpcTarget() {
        Bootstrap b = istioLike(ApiConfigSource.ApiType.DELTA_GRPC).build();
        Bootstrap.Builder bb = b.toBuilder();
        bb.getDynamicResourcesBuilder().getAdsConfigBuilder().setGrpcServices(0, GrpcService.newBuilder()
                .setGoogleGrpc(GrpcService.GoogleGrpc.newBuilder().setTargetUri("istiod.istio-system.svc:15010").setStatPrefix("x")));
        bb.getDynamicResourcesBuilder().setLdsConfig(ConfigSource.newBuilder().setAds(XdsTestResources.ADS.getAds()));
        XdsClientOptions o = XdsClientFactory.options(bb.build(), null);
        assertTrue(o.delta());
        assertEquals(XdsTarget.tcp("istiod.istio-system.svc", 15010), o.target());
        assertEquals(Duration.ZERO.plusSeconds(15), XdsClientOptions.DEFAULT_INITIAL_FETCH_TIMEOUT);
    }

    @Test
    void pathConfigSourcesNeedNoAdsServer(@org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
        Path lds = java.nio.file.Files.writeString(dir.resolve("lds.yaml"), "resources: []\n");
        Path cds = java.nio.file.Files.writeString(dir.resolve("cds.yaml"), "resources: []\n");
        Bootstrap b = Bootstrap.newBuilder().setDynamicResources(Bootstrap.DynamicResources.newBuilder()
                .setLdsConfig(ConfigSource.newBuilder().setPathConfigSource(PathConfigSource.newBuilder().setPath(lds.toString())))
                .setCdsConfig(ConfigSource.newBuilder().setPathConfigSource(PathConfigSource.newBuilder().setPath(cds.toString()))))
                .build();
        XdsClientOptions o = XdsClientFactory.options(b, null);
        assertNull(o.target());
        assertEquals(Map.of(XdsResourceType.LISTENER, lds, XdsResourceType.CLUSTER, cds), o.fileSources());
        assertEquals(Duration.ofSeconds(15), o.initialFetchTimeout());
    }

    @Test
    void unknownAdsClusterIsAClearError() {
        Bootstrap.Builder b = istioLike(ApiConfigSource.ApiType.GRPC);
        b.getStaticResourcesBuilder().clearClusters();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> XdsClientFactory.options(b.build(), null));
        assertTrue(e.getMessage().contains("envoy_grpc.cluster_name"), e.getMessage());
        assertNull(XdsClientFactory.options(Bootstrap.getDefaultInstance(), null));
    }

    @Test
    void aMissingAdsConfigNamesTheFieldThatUsesAds(@org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
        // LDS and CDS from files: what uses ADS is a static EDS cluster, or an RTDS layer
        Path lds = java.nio.file.Files.writeString(dir.resolve("lds.yaml"), "resources: []\n");
        ConfigSource file = ConfigSource.newBuilder().setPathConfigSource(PathConfigSource.newBuilder()
                .setPath(lds.toString())).build();
        Bootstrap.Builder b = Bootstrap.newBuilder().setDynamicResources(Bootstrap.DynamicResources.newBuilder()
                .setLdsConfig(file).setCdsConfig(file));
        b.getStaticResourcesBuilder().addClusters(XdsTestResources.edsCluster("static-a", null));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> XdsClientFactory.options(b.build(), null));
        assertEquals("static_resources.clusters[0].eds_cluster_config.eds_config: uses ads but dynamic_resources.ads_config"
                + " is missing", e.getMessage());

        b.getStaticResourcesBuilder().clearClusters();
        b.getLayeredRuntimeBuilder().addLayers(io.envoyproxy.envoy.config.bootstrap.v3.RuntimeLayer.newBuilder()
                .setName("static").setStaticLayer(com.google.protobuf.Struct.getDefaultInstance()));
        b.getLayeredRuntimeBuilder().addLayers(io.envoyproxy.envoy.config.bootstrap.v3.RuntimeLayer.newBuilder()
                .setName("rtds").setRtdsLayer(io.envoyproxy.envoy.config.bootstrap.v3.RuntimeLayer.RtdsLayer.newBuilder()
                        .setName("rtds-0").setRtdsConfig(XdsTestResources.ADS)));
        e = assertThrows(IllegalArgumentException.class, () -> XdsClientFactory.options(b.build(), null));
        assertEquals("layered_runtime.layers[1].rtds_layer.rtds_config: uses ads but dynamic_resources.ads_config"
                + " is missing", e.getMessage());

        b.getDynamicResourcesBuilder().setCdsConfig(XdsTestResources.ADS);
        e = assertThrows(IllegalArgumentException.class, () -> XdsClientFactory.options(b.build(), null));
        assertTrue(e.getMessage().startsWith("dynamic_resources.cds_config: uses ads"), e.getMessage());
    }

    /** The bootstrap pilot-agent really writes (Istio's golden file): delta ADS over its pipe, node once. */
    @Test
    void istioGoldenBootstrap() throws Exception {
        com.google.protobuf.util.JsonFormat.TypeRegistry types = com.google.protobuf.util.JsonFormat.TypeRegistry.newBuilder()
                .add(io.envoyproxy.envoy.config.metrics.v3.StatsdSink.getDescriptor())
                .add(io.envoyproxy.envoy.config.trace.v3.ZipkinConfig.getDescriptor())
                .add(io.envoyproxy.envoy.extensions.access_loggers.file.v3.FileAccessLog.getDescriptor())
                .add(io.envoyproxy.envoy.extensions.compression.brotli.compressor.v3.Brotli.getDescriptor())
                .add(io.envoyproxy.envoy.extensions.compression.gzip.compressor.v3.Gzip.getDescriptor())
                .add(io.envoyproxy.envoy.extensions.compression.zstd.compressor.v3.Zstd.getDescriptor())
                .add(io.envoyproxy.envoy.extensions.filters.http.compressor.v3.Compressor.getDescriptor())
                .add(io.envoyproxy.envoy.extensions.filters.http.router.v3.Router.getDescriptor())
                .add(io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager.getDescriptor())
                .add(io.envoyproxy.envoy.extensions.resource_monitors.downstream_connections.v3.DownstreamConnectionsConfig.getDescriptor())
                .add(io.envoyproxy.envoy.extensions.upstreams.http.v3.HttpProtocolOptions.getDescriptor())
                .add(com.github.udpa.udpa.type.v1.TypedStruct.getDescriptor())
                .build();
        Bootstrap.Builder b = Bootstrap.newBuilder();
        try (var in = getClass().getResourceAsStream("/istio/bootstrap-running.json")) {
            com.google.protobuf.util.JsonFormat.parser().usingTypeRegistry(types)
                    .merge(new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8), b);
        }
        XdsClientOptions o = XdsClientFactory.options(b.build(), types);
        assertEquals("/tmp/XDS", o.target().udsPath());
        assertEquals("xds-grpc", o.target().authority());
        assertTrue(o.delta());
        assertTrue(o.nodeOnFirstMessageOnly());
        assertEquals(Set.of(XdsResourceType.LISTENER, XdsResourceType.CLUSTER), o.adsTypes());
        assertNull(o.initialFetchTimeout());
        assertTrue(o.node().getId().startsWith("sidecar~"), o.node().getId());
        assertTrue(o.node().getMetadata().getFieldsCount() > 0);
    }

    private static String refusedAds(java.util.function.Consumer<ApiConfigSource.Builder> change) {
        Bootstrap.Builder b = istioLike(ApiConfigSource.ApiType.GRPC);
        change.accept(b.getDynamicResourcesBuilder().getAdsConfigBuilder());
        return assertThrows(IllegalArgumentException.class, () -> XdsClientFactory.check(b.build())).getMessage();
    }

    @Test
    void gRpcSourceFieldsEnvoyRefusesOrRemoraCannotHonourAreRefusedByName() {
        assertTrue(refusedAds(a -> a.addClusterNames("xds-grpc")).startsWith(
                "dynamic_resources.ads_config.cluster_names: must be empty for the gRPC api_type"));
        assertTrue(refusedAds(a -> a.addGrpcServices(a.getGrpcServices(0))).startsWith(
                "dynamic_resources.ads_config.grpc_services: a gRPC api_config_source must have a single gRPC service"));
        assertTrue(refusedAds(a -> a.setTransportApiVersion(io.envoyproxy.envoy.config.core.v3.ApiVersion.V2))
                .startsWith("dynamic_resources.ads_config.transport_api_version: V2"));
        assertTrue(refusedAds(a -> a.addConfigValidators(io.envoyproxy.envoy.config.core.v3.TypedExtensionConfig
                .newBuilder().setName("envoy.config.validators.minimum_clusters_validator"))).startsWith(
                "dynamic_resources.ads_config.config_validators: not supported"));
        assertTrue(refusedAds(a -> a.getRateLimitSettingsBuilder().setFillRate(com.google.protobuf.DoubleValue.of(0)))
                .startsWith("dynamic_resources.ads_config.rate_limit_settings.fill_rate: must be greater than 0"));
        assertTrue(refusedAds(a -> a.getGrpcServicesBuilder(0).addInitialMetadata(
                io.envoyproxy.envoy.config.core.v3.HeaderValue.newBuilder().setKey(":authority").setValue("v"))).startsWith(
                "dynamic_resources.ads_config.grpc_services[0].initial_metadata[0].key: ':authority' is not a gRPC"));
        assertTrue(refusedAds(a -> a.getGrpcServicesBuilder(0).addInitialMetadata(
                io.envoyproxy.envoy.config.core.v3.HeaderValue.newBuilder().setKey("t-bin").setValue("%%"))).startsWith(
                "dynamic_resources.ads_config.grpc_services[0].initial_metadata[0].value: a -bin key's value must be"));
        assertTrue(refusedAds(a -> a.getGrpcServicesBuilder(0).getEnvoyGrpcBuilder().getRetryPolicyBuilder()
                .getRetryBackOffBuilder().setBaseInterval(Durations.fromSeconds(2)).setMaxInterval(Durations.fromSeconds(1)))
                .startsWith("dynamic_resources.ads_config.grpc_services[0].envoy_grpc.retry_policy.retry_back_off"
                        + ".max_interval: must be greater than or equal to the base_interval"));
        assertTrue(refusedAds(a -> a.getGrpcServicesBuilder(0).setRetryPolicy(
                io.envoyproxy.envoy.config.core.v3.RetryPolicy.getDefaultInstance())).startsWith(
                "dynamic_resources.ads_config.grpc_services[0].retry_policy: not supported"));

        Bootstrap.Builder b = istioLike(ApiConfigSource.ApiType.GRPC);
        b.getDynamicResourcesBuilder().setCdsConfig(b.getDynamicResources().getCdsConfig().toBuilder()
                .setResourceApiVersion(io.envoyproxy.envoy.config.core.v3.ApiVersion.V2));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> XdsClientFactory.check(b.build())).getMessage()
                .startsWith("dynamic_resources.cds_config.resource_api_version: V2"));
    }

    /** Envoy's prepareJitteredExponentialBackOffStrategy: only envoy_grpc's retry_back_off, max 10 × base by default. */
    @Test
    void theServicesInitialMetadataAndBackOffReachTheTarget() {
        Bootstrap.Builder b = istioLike(ApiConfigSource.ApiType.GRPC);
        GrpcService.Builder g = b.getDynamicResourcesBuilder().getAdsConfigBuilder().getGrpcServicesBuilder(0)
                .addInitialMetadata(io.envoyproxy.envoy.config.core.v3.HeaderValue.newBuilder()
                        .setKey("Authorization").setValue("Bearer t0k"));
        g.getEnvoyGrpcBuilder().getRetryPolicyBuilder().setNumRetries(com.google.protobuf.UInt32Value.of(3))
                .getRetryBackOffBuilder().setBaseInterval(Durations.fromMillis(50));
        XdsTarget t = XdsClientFactory.options(b.build(), null).target();
        assertEquals(java.util.List.of(Map.entry("authorization", "Bearer t0k")), t.initialMetadata());
        assertEquals(new XdsTarget.BackOff(50, 500), t.backoff());
        assertNull(XdsClientFactory.options(istioLike(ApiConfigSource.ApiType.GRPC).build(), null).target().backoff());
    }

    @Test
    void anRdsConfigSourceWithAuthoritiesIsRefusedWithItsListener() {
        ConfigSource cs = ConfigSource.newBuilder().setAds(XdsTestResources.ADS.getAds())
                .addAuthorities(com.github.xds.core.v3.Authority.newBuilder().setName("xds.example")).build();
        ConfigSourceRouting.Refusal r = ConfigSourceRouting.unfetchable(cs);
        assertEquals("authorities", r.field());
    }

    @Test
    void theXdsReceiveLimitAndRateLimitSettingsReachTheClient() {
        Bootstrap.Builder b = istioLike(ApiConfigSource.ApiType.GRPC);
        b.getDynamicResourcesBuilder().getAdsConfigBuilder().setRateLimitSettings(
                io.envoyproxy.envoy.config.core.v3.RateLimitSettings.newBuilder().setMaxTokens(
                        com.google.protobuf.UInt32Value.of(5))).getGrpcServicesBuilder(0).getEnvoyGrpcBuilder()
                .setMaxReceiveMessageLength(com.google.protobuf.UInt32Value.of(1 << 20));
        XdsClientOptions o = XdsClientFactory.options(b.build(), null);
        assertEquals(1 << 20, o.target().maxReceiveMessageLength());
        assertEquals(5, o.adsRateLimit().getMaxTokens().getValue());
        assertNull(XdsClientFactory.options(istioLike(ApiConfigSource.ApiType.GRPC).build(), null).adsRateLimit());
    }
}
