package io.remora.xds.ads;

import io.envoyproxy.envoy.config.bootstrap.v3.Bootstrap;
import io.envoyproxy.envoy.config.core.v3.ApiConfigSource;
import io.envoyproxy.envoy.config.core.v3.DataSource;
import io.envoyproxy.envoy.config.core.v3.GrpcService;
import io.grpc.netty.GrpcSslContexts;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.netty.handler.ssl.ClientAuth;
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
 * against root_certs and presents cert_chain/private_key to one that requires a client certificate.
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
        XdsSnapshot first = applier.await("a snapshot over TLS", s -> true);
        assertEquals(Set.of("listener-0"), first.listeners().keySet());
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
