package io.remora.e2e.xds;

import com.google.protobuf.Any;
import io.envoyproxy.envoy.config.core.v3.ExtensionConfigSource;
import io.envoyproxy.envoy.config.core.v3.HeaderValue;
import io.envoyproxy.envoy.config.core.v3.HeaderValueOption;
import io.envoyproxy.envoy.config.core.v3.TypedExtensionConfig;
import io.envoyproxy.envoy.config.common.mutation_rules.v3.HeaderMutation;
import io.envoyproxy.envoy.extensions.filters.http.header_mutation.v3.Mutations;
import io.envoyproxy.envoy.extensions.filters.http.lua.v3.Lua;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpFilter;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.remora.e2e.TestUpstream;
import io.remora.xds.ads.TestControlPlane;
import io.remora.xds.ads.XdsResourceType;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.net.Socket;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * ECDS over ADS, state of the world and delta, as Istio delivers WasmPlugin and telemetry filters: the
 * listener's HCM names a header_mutation filter by config_discovery; its TypedExtensionConfig arrives
 * over the ADS stream, is ACKed, replaced in place (a keep-alive connection opened before sees the new
 * config on its next request and is not closed, and the listener is not updated), and a config of a
 * type the filter does not list is NACKed with the old one still serving; removed (delta), the filter
 * has no config again and answers 500.
 */
class EcdsAdsE2ETest {
    static final String ECDS = XdsResourceType.EXTENSION_CONFIG.typeUrl;

    private final TestControlPlane cp = new TestControlPlane();
    private TestUpstream a;
    private TestUpstream b;
    private XdsProxy proxy;
    private Mesh mesh;

    @BeforeEach
    void start() throws Exception {
        cp.startTcp(0);
        a = TestUpstream.text("u-a");
        b = TestUpstream.text("u-b");
        mesh = new Mesh(XdsProxy.freePort(), a.port(), b.port());
    }

    @AfterEach
    void stop() {
        if (proxy != null) {
            proxy.close();
        }
        cp.close();
        a.close();
        b.close();
    }

    @ParameterizedTest(name = "delta={0}")
    @ValueSource(booleans = {false, true})
    void discoveredFilterIsAckedSwappedInPlaceAndNacked(boolean delta) throws Exception {
        mesh.httpFilters.add(HttpFilter.newBuilder().setName("stamp").setConfigDiscovery(ExtensionConfigSource.newBuilder()
                .setConfigSource(Mesh.ADS)
                .addTypeUrls("type.googleapis.com/" + Mutations.getDescriptor().getFullName().replace("Mutations", "HeaderMutation")))
                .build());
        cp.setExtensionConfigs("1", stamp("v1"));
        cp.set(mesh.snapshot());
        proxy = XdsProxy.start(XdsProxy.adsBootstrap(cp.port, delta));
        XdsAdsE2ETest.awaitAck(cp, delta, ECDS, "1");
        try (Socket kept = new Socket("127.0.0.1", mesh.listenerPort)) {
            String first = XdsProxy.exchange(kept);
            assertTrue(first.contains("x-ecds: v1") && first.endsWith("u-a"), first);

            cp.setExtensionConfigs("2", stamp("v2"));
            XdsAdsE2ETest.awaitAck(cp, delta, ECDS, "2");
            String again = XdsProxy.exchange(kept);
            assertTrue(again.contains("x-ecds: v2"), "the open connection's next stream runs the new config: " + again);
            assertEquals(1.0, proxy.metric("envoy_listener_manager_lds_update_success"), "no listener update");

            cp.setExtensionConfigs("3", TypedExtensionConfig.newBuilder().setName("stamp")
                    .setTypedConfig(Any.pack(Lua.newBuilder().setInlineCode("function envoy_on_request(h) end").build())).build());
            String reason;
            if (delta) {
                DeltaDiscoveryRequest nack = cp.awaitDeltaRequest("ECDS NACK", r -> r.getTypeUrl().equals(ECDS) && r.hasErrorDetail());
                reason = nack.getErrorDetail().getMessage();
            } else {
                DiscoveryRequest nack = cp.awaitRequest("ECDS NACK", r -> r.getTypeUrl().equals(ECDS) && r.hasErrorDetail());
                reason = nack.getErrorDetail().getMessage();
                assertEquals("2", nack.getVersionInfo(), "a NACK carries the last accepted version");
            }
            assertTrue(reason.contains("stamp") && reason.contains("envoy.extensions.filters.http.lua.v3.Lua"), reason);
            String afterBad = XdsProxy.exchange(kept);
            assertTrue(afterBad.contains("x-ecds: v2"), "the accepted config keeps serving: " + afterBad);
        }
        assertEquals(2.0, proxy.metric("envoy_extension_config_discovery_config_reload", "http_filter.stamp"));
        assertTrue(proxy.metric("envoy_extension_config_discovery_config_fail", "http_filter.stamp") >= 1);
        if (delta) {
            // removed (only delta can say so): no default, so the filter answers 500 again
            cp.setExtensionConfigs("4");
            String removed = XdsProxy.awaitRaw(mesh.listenerPort, "HTTP/1.1 500");
            assertTrue(!removed.contains("x-ecds"), removed);
        }
    }

    private static TypedExtensionConfig stamp(String value) {
        var mutation = io.envoyproxy.envoy.extensions.filters.http.header_mutation.v3.HeaderMutation.newBuilder()
                .setMutations(Mutations.newBuilder().addResponseMutations(HeaderMutation.newBuilder()
                        .setAppend(HeaderValueOption.newBuilder()
                                .setHeader(HeaderValue.newBuilder().setKey("x-ecds").setValue(value))
                                .setAppendAction(HeaderValueOption.HeaderAppendAction.OVERWRITE_IF_EXISTS_OR_ADD))))
                .build();
        return TypedExtensionConfig.newBuilder().setName("stamp").setTypedConfig(Any.pack(mutation)).build();
    }
}
