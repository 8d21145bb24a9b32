package io.remora.xds.ads;

import io.envoyproxy.envoy.config.bootstrap.v3.Bootstrap;
import io.envoyproxy.envoy.config.core.v3.ApiConfigSource;
import io.envoyproxy.envoy.config.core.v3.GrpcService;
import io.envoyproxy.envoy.config.core.v3.HeaderValue;
import io.grpc.Metadata;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

import java.util.Base64;

import static io.remora.xds.ads.XdsTestResources.NODE;
import static io.remora.xds.ads.XdsTestResources.full;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * An xDS source's initial_metadata goes with every stream, as Envoy's async clients send it (control planes that
 * authenticate proxies by a bearer token read it there).
 */
class XdsInitialMetadataTest {
    @Test
    void initialMetadataReachesTheControlPlaneOnTheStream() throws Exception {
        byte[] tenant = {1, 2, (byte) 0xff};
        try (TestControlPlane cp = new TestControlPlane().startTcp(0)) {
            cp.set(full("1"));
            Bootstrap b = Bootstrap.newBuilder().setNode(NODE).setDynamicResources(Bootstrap.DynamicResources.newBuilder()
                    .setLdsConfig(XdsTestResources.ADS).setCdsConfig(XdsTestResources.ADS)
                    .setAdsConfig(ApiConfigSource.newBuilder().setApiType(ApiConfigSource.ApiType.GRPC)
                            .addGrpcServices(GrpcService.newBuilder()
                                    .setGoogleGrpc(GrpcService.GoogleGrpc.newBuilder().setTargetUri("127.0.0.1:" + cp.port))
                                    .addInitialMetadata(HeaderValue.newBuilder().setKey("Authorization")
                                            .setValue("Bearer t0k"))
                                    .addInitialMetadata(HeaderValue.newBuilder().setKey("x-tenant-bin")
                                            .setValue(Base64.getEncoder().encodeToString(tenant)))))).build();
            RecordingApplier applier = new RecordingApplier();
            try (XdsClient client = new XdsClient(XdsClientFactory.options(b, null), applier, new SimpleMeterRegistry())) {
                client.start();
                applier.await("a snapshot", s -> true);
                Metadata h = cp.callHeaders.get(0);
                assertEquals("Bearer t0k", h.get(Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER)));
                assertArrayEquals(tenant, h.get(Metadata.Key.of("x-tenant-bin", Metadata.BINARY_BYTE_MARSHALLER)));
            }
        }
    }
}
