package io.remora.xds.ads;

import io.envoyproxy.envoy.config.bootstrap.v3.Bootstrap;
import io.envoyproxy.envoy.config.core.v3.ApiConfigSource;
import io.envoyproxy.envoy.config.core.v3.DataSource;
import io.envoyproxy.envoy.config.core.v3.GrpcService;
import io.grpc.netty.GrpcSslContexts;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.netty.handler.ssl.ClientAuth;
import io.remora.e2e.TestUpstream;
import io.remora.testing.TestCerts;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.Set;

import static io.remora.xds.ads.XdsTestResources.NODE;
import static io.remora.xds.ads.XdsTestResources.full;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * ads_config's google_grpc with channel_credentials.ssl_credentials: the client verifies a TLS control plane
 * against root_certs and presents cert_chain/private_key to one that requires a client certificate. And an
 * envoy_grpc service whose static cluster has a TLS transport socket: the stream runs over that TLS, the server
 * verified by the cluster's trusted CA and SAN matchers, as Envoy connects to it.
 */
class XdsTlsChannelTest {
    private final TestControlPlane cp = new TestControlPlane();
    private final RecordingApplier applier = new RecordingApplier();
    private XdsClient client;

    @AfterEach
    void stop() {
        if (client != null) {
            client.close();
        }
        cp.close();
    }

    private static java.io.InputStream pem(String s) {
        return new ByteArrayInputStream(s.getBytes(StandardCharsets.US_ASCII));
    }

    private static Bootstrap bootstrap(int port, GrpcService.GoogleGrpc.SslCredentials ssl) {
        return Bootstrap.newBuilder().setNode(NODE).setDynamicResources(Bootstrap.DynamicResources.newBuilder()
                .setLdsConfig(XdsTestResources.ADS).setCdsConfig(XdsTestResources.ADS)
                .setAdsConfig(ApiConfigSource.newBuilder().setApiType(ApiConfigSource.ApiType.GRPC)
                        .addGrpcServices(GrpcService.newBuilder().setGoogleGrpc(GrpcService.GoogleGrpc.newBuilder()
                                .setTargetUri("localhost:" + port).setStatPrefix("xds")
                                .setChannelCredentials(GrpcService.GoogleGrpc.ChannelCredentials.newBuilder()
                                        .setSslCredentials(ssl)))))).build();
    }

    @Test
    void mutualTlsToTheControlPlane() throws Exception {
        TestCerts.Ca ca = TestCerts.ca("xds-ca");
        TestCerts.Leaf server = ca.issue("istiod", "localhost");
        TestCerts.Leaf proxy = ca.issue("proxy", "spiffe://cluster.local/ns/default/sa/proxy");
        cp.startTls(0, GrpcSslContexts.forServer(pem(server.certPem()), pem(server.keyPem()))
                .trustManager(pem(ca.pem())).clientAuth(ClientAuth.REQUIRE).build());
        cp.set(full("1"));

        XdsClientOptions o = XdsClientFactory.options(bootstrap(cp.port, GrpcService.GoogleGrpc.SslCredentials
                .newBuilder().setRootCerts(DataSource.newBuilder().setInlineString(ca.pem()))
                .setCertChain(DataSource.newBuilder().setInlineString(proxy.certPem()))
                .setPrivateKey(DataSource.newBuilder().setInlineString(proxy.keyPem())).build()), null);
        client = new XdsClient(o, applier, new SimpleMeterRegistry());
        client.start();
        XdsSnapshot first = applier.await("the listeners over TLS", s -> !s.listeners().isEmpty());
        assertEquals(Set.of("listener-0"), first.listeners().keySet());
    }

    private static Bootstrap clusterBootstrap(int port, io.envoyproxy.envoy.extensions.transport_sockets.tls.v3
            .CommonTlsContext tls) {
        io.envoyproxy.envoy.config.cluster.v3.Cluster.Builder xds = io.envoyproxy.envoy.config.cluster.v3.Cluster
                .newBuilder().setName("xds-grpc").setType(io.envoyproxy.envoy.config.cluster.v3.Cluster.DiscoveryType.STATIC)
                .setLoadAssignment(io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment.newBuilder()
                        .setClusterName("xds-grpc").addEndpoints(io.envoyproxy.envoy.config.endpoint.v3.LocalityLbEndpoints
                                .newBuilder().addLbEndpoints(io.envoyproxy.envoy.config.endpoint.v3.LbEndpoint.newBuilder()
                                        .setEndpoint(io.envoyproxy.envoy.config.endpoint.v3.Endpoint.newBuilder()
                                                .setAddress(io.envoyproxy.envoy.config.core.v3.Address.newBuilder()
                                                        .setSocketAddress(io.envoyproxy.envoy.config.core.v3.SocketAddress
                                                                .newBuilder().setAddress("127.0.0.1").setPortValue(port)))))));
        xds.setTransportSocket(io.envoyproxy.envoy.config.core.v3.TransportSocket.newBuilder()
                .setName("envoy.transport_sockets.tls").setTypedConfig(com.google.protobuf.Any.pack(
                        io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext.newBuilder()
                                .setCommonTlsContext(tls).build())));
        return Bootstrap.newBuilder().setNode(NODE)
                .setStaticResources(Bootstrap.StaticResources.newBuilder().addClusters(xds))
                .setDynamicResources(Bootstrap.DynamicResources.newBuilder()
                        .setLdsConfig(XdsTestResources.ADS).setCdsConfig(XdsTestResources.ADS)
                        .setAdsConfig(ApiConfigSource.newBuilder().setApiType(ApiConfigSource.ApiType.GRPC)
                                .addGrpcServices(GrpcService.newBuilder().setEnvoyGrpc(GrpcService.EnvoyGrpc.newBuilder()
                                        .setClusterName("xds-grpc"))))).build();
    }

    private static io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.CommonTlsContext clusterTls(TestCerts.Ca ca,
            TestCerts.Leaf proxy, String san) {
        return io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.CommonTlsContext.newBuilder()
                .addTlsCertificates(io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.TlsCertificate.newBuilder()
                        .setCertificateChain(DataSource.newBuilder().setInlineString(proxy.certPem()))
                        .setPrivateKey(DataSource.newBuilder().setInlineString(proxy.keyPem())))
                .setValidationContext(io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.CertificateValidationContext
                        .newBuilder().setTrustedCa(DataSource.newBuilder().setInlineString(ca.pem()))
                        .addMatchTypedSubjectAltNames(io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.SubjectAltNameMatcher
                                .newBuilder().setSanType(io.envoyproxy.envoy.extensions.transport_sockets.tls.v3
                                        .SubjectAltNameMatcher.SanType.URI)
                                .setMatcher(io.envoyproxy.envoy.type.matcher.v3.StringMatcher.newBuilder().setExact(san))))
                .build();
    }

    @Test
    void anEnvoyGrpcServiceRunsOverItsClustersTls() throws Exception {
        TestCerts.Ca ca = TestCerts.ca("xds-ca");
        // No DNS SAN for 127.0.0.1: Envoy checks the SAN matchers, not the address dialled.
        TestCerts.Leaf server = ca.issue("istiod", "spiffe://cluster.local/ns/istio-system/sa/istiod");
        TestCerts.Leaf proxy = ca.issue("proxy", "spiffe://cluster.local/ns/default/sa/proxy");
        cp.startTls(0, GrpcSslContexts.forServer(pem(server.certPem()), pem(server.keyPem()))
                .trustManager(pem(ca.pem())).clientAuth(ClientAuth.REQUIRE).build());
        cp.set(full("1"));
        XdsClientOptions o = XdsClientFactory.options(clusterBootstrap(cp.port,
                clusterTls(ca, proxy, "spiffe://cluster.local/ns/istio-system/sa/istiod")), null);
        client = new XdsClient(o, applier, new SimpleMeterRegistry());
        client.start();
        XdsSnapshot first = applier.await("the listeners over the cluster's TLS", s -> !s.listeners().isEmpty());
        assertEquals(Set.of("listener-0"), first.listeners().keySet());
    }

    @Test
    void aServerOutsideTheSanMatchersIsNotTalkedTo() throws Exception {
        TestCerts.Ca ca = TestCerts.ca("xds-ca");
        TestCerts.Leaf server = ca.issue("impostor", "spiffe://cluster.local/ns/default/sa/impostor");
        TestCerts.Leaf proxy = ca.issue("proxy", "spiffe://cluster.local/ns/default/sa/proxy");
        cp.startTls(0, GrpcSslContexts.forServer(pem(server.certPem()), pem(server.keyPem())).build());
        cp.set(full("1"));
        XdsClientOptions o = XdsClientFactory.options(clusterBootstrap(cp.port,
                clusterTls(ca, proxy, "spiffe://cluster.local/ns/istio-system/sa/istiod")), null);
        client = new XdsClient(o, applier, new SimpleMeterRegistry());
        client.start();
        Thread.sleep(1500);
        assertTrue(cp.requests.isEmpty(), "no request reached a server the SAN matchers refuse: " + cp.requests);
    }

    /**
     * {@link #clusterBootstrap} trusting {@code ca} (no SAN matchers), its cluster with auto_sni and
     * auto_san_validation, the envoy_grpc authority {@code authority}.
     */
    private static Bootstrap autoSanBootstrap(int port, TestCerts.Ca ca, String authority) {
        var b = clusterBootstrap(port, io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.CommonTlsContext
                .newBuilder().setValidationContext(io.envoyproxy.envoy.extensions.transport_sockets.tls.v3
                        .CertificateValidationContext.newBuilder()
                        .setTrustedCa(DataSource.newBuilder().setInlineString(ca.pem()))).build()).toBuilder();
        b.getStaticResourcesBuilder().getClustersBuilder(0).setUpstreamHttpProtocolOptions(
                io.envoyproxy.envoy.config.core.v3.UpstreamHttpProtocolOptions.newBuilder()
                        .setAutoSni(true).setAutoSanValidation(true));
        b.getDynamicResourcesBuilder().getAdsConfigBuilder().getGrpcServicesBuilder(0).getEnvoyGrpcBuilder()
                .setAuthority(authority);
        return b.build();
    }

    /** As Envoy's router on the stream: the certificate must carry a SAN for the :authority's host. */
    @Test
    void autoSanValidationAcceptsAServerNamedByTheAuthority() throws Exception {
        TestCerts.Ca ca = TestCerts.ca("xds-ca");
        TestCerts.Leaf server = ca.issue("istiod", "istiod.istio-system.svc");
        cp.startTls(0, GrpcSslContexts.forServer(pem(server.certPem()), pem(server.keyPem())).build());
        cp.set(full("1"));
        client = new XdsClient(XdsClientFactory.options(autoSanBootstrap(cp.port, ca, "istiod.istio-system.svc:15012"),
                null), applier, new SimpleMeterRegistry());
        client.start();
        XdsSnapshot first = applier.await("the listeners from the server the authority names", s -> !s.listeners().isEmpty());
        assertEquals(Set.of("listener-0"), first.listeners().keySet());
    }

    @Test
    void autoSanValidationRefusesAServerOfAnotherName() throws Exception {
        TestCerts.Ca ca = TestCerts.ca("xds-ca");
        // Trusted by the CA, but not the host the stream's :authority names.
        TestCerts.Leaf server = ca.issue("impostor", "impostor.istio-system.svc");
        cp.startTls(0, GrpcSslContexts.forServer(pem(server.certPem()), pem(server.keyPem())).build());
        cp.set(full("1"));
        client = new XdsClient(XdsClientFactory.options(autoSanBootstrap(cp.port, ca, "istiod.istio-system.svc:15012"),
                null), applier, new SimpleMeterRegistry());
        client.start();
        Thread.sleep(1500);
        assertTrue(cp.requests.isEmpty(), "no request reached a server without the authority's SAN: " + cp.requests);
    }

    /**
     * The server name (SNI) of the first client hello a TLS server got from an xDS client built from the bootstrap
     * made for the server's port; "" for none. The server speaks HTTP/1.1 only: the stream never opens.
     */
    private String serverNameSent(java.util.function.IntFunction<Bootstrap> bootstrap) throws Exception {
        TestCerts.Leaf leaf = TestCerts.ca("sni-ca").issue("server", "localhost");
        try (TestUpstream server = TestUpstream.startTls(leaf, (ctx, req, n) -> TestUpstream.send(ctx, req, 404, ""))) {
            client = new XdsClient(XdsClientFactory.options(bootstrap.apply(server.port()), null), applier,
                    new SimpleMeterRegistry());
            client.start();
            TestControlPlane.await("a client hello", () -> !server.serverNames.isEmpty());
            client.close();
            client = null;
            return server.serverNames.get(0);
        }
    }

    /** {@link #clusterBootstrap} without client certificate or validation, its UpstreamTlsContext's sni set. */
    private static Bootstrap sniBootstrap(int port, String sni) {
        var b = clusterBootstrap(port, io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.CommonTlsContext
                .getDefaultInstance()).toBuilder();
        b.getStaticResourcesBuilder().getClustersBuilder(0).getTransportSocketBuilder().setTypedConfig(
                com.google.protobuf.Any.pack(io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext
                        .newBuilder().setSni(sni).build()));
        return b.build();
    }

    /**
     * Envoy's envoy_grpc stream sends its cluster's sni as it is (Netty drops a name without a dot), else auto_sni's
     * host of the :authority (the envoy_grpc authority, else the cluster name), else none.
     */
    @Test
    void anEnvoyGrpcStreamSendsTheClustersSniOrAutoSniOrNone() throws Exception {
        assertEquals("istiod", serverNameSent(port -> sniBootstrap(port, "istiod")));
        assertEquals("xds.example.com", serverNameSent(port -> {
            var b = sniBootstrap(port, "istiod").toBuilder();
            b.getStaticResourcesBuilder().getClustersBuilder(0).setUpstreamHttpProtocolOptions(
                    io.envoyproxy.envoy.config.core.v3.UpstreamHttpProtocolOptions.newBuilder().setAutoSni(true));
            b.getDynamicResourcesBuilder().getAdsConfigBuilder().getGrpcServicesBuilder(0).getEnvoyGrpcBuilder()
                    .setAuthority("xds.example.com:15012");
            return b.build();
        }), "auto_sni: the authority's host, over the sni");
        assertEquals("", serverNameSent(port -> sniBootstrap(port, "")), "neither: no SNI");
    }

    /** grpc-core's SNI for google_grpc: the target's host (dotted or not), or grpc.ssl_target_name_override. */
    @Test
    void aGoogleGrpcStreamSendsTheTargetHostOrTheTargetNameOverride() throws Exception {
        GrpcService.GoogleGrpc.SslCredentials anyServer = GrpcService.GoogleGrpc.SslCredentials.getDefaultInstance();
        assertEquals("localhost", serverNameSent(port -> bootstrap(port, anyServer)), "the target localhost:port");
        assertEquals("istiod", serverNameSent(port -> {
            var b = bootstrap(port, anyServer).toBuilder();
            b.getDynamicResourcesBuilder().getAdsConfigBuilder().getGrpcServicesBuilder(0).getGoogleGrpcBuilder()
                    .setChannelArgs(GrpcService.GoogleGrpc.ChannelArgs.newBuilder().putArgs(
                            "grpc.ssl_target_name_override",
                            GrpcService.GoogleGrpc.ChannelArgs.Value.newBuilder().setStringValue("istiod").build()));
            return b.build();
        }));
    }

    @Test
    void sdsSecretsForTheXdsClustersOwnTlsAreRefused() {
        io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.CommonTlsContext sds =
                io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.CommonTlsContext.newBuilder()
                        .addTlsCertificateSdsSecretConfigs(io.envoyproxy.envoy.extensions.transport_sockets.tls.v3
                                .SdsSecretConfig.newBuilder().setName("default")
                                .setSdsConfig(io.envoyproxy.envoy.config.core.v3.ConfigSource.newBuilder()
                                        .setAds(io.envoyproxy.envoy.config.core.v3.AggregatedConfigSource.getDefaultInstance())))
                        .build();
        String error = assertThrows(IllegalArgumentException.class,
                () -> XdsClientFactory.options(clusterBootstrap(1, sds), null)).getMessage();
        assertTrue(error.startsWith("static_resources.clusters[0].transport_socket.typed_config.common_tls_context: SDS"),
                error);
    }

    @Test
    void aClientCertificateWithoutItsKeyIsRefused() {
        TestCerts.Leaf proxy = TestCerts.ca("xds-ca").issue("proxy", "spiffe://x");
        String error = assertThrows(IllegalArgumentException.class, () -> XdsClientFactory.check(bootstrap(1,
                GrpcService.GoogleGrpc.SslCredentials.newBuilder()
                        .setCertChain(DataSource.newBuilder().setInlineString(proxy.certPem())).build()))).getMessage();
        assertTrue(error.startsWith("dynamic_resources.ads_config.grpc_services[0].google_grpc.channel_credentials"
                + ".ssl_credentials.private_key"), error);
    }
}
