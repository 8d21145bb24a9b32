package io.remora.e2e.xds;

import com.google.protobuf.Any;
import io.envoyproxy.envoy.config.common.mutation_rules.v3.HeaderMutation;
import io.envoyproxy.envoy.config.core.v3.ExtensionConfigSource;
import io.envoyproxy.envoy.config.core.v3.HeaderValue;
import io.envoyproxy.envoy.config.core.v3.HeaderValueOption;
import io.envoyproxy.envoy.config.core.v3.TypedExtensionConfig;
import io.envoyproxy.envoy.extensions.filters.http.header_mutation.v3.Mutations;
import io.envoyproxy.envoy.extensions.filters.http.lua.v3.Lua;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpFilter;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.remora.xds.ads.TestControlPlane;
import io.remora.xds.ads.XdsResourceType;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.net.Socket;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The xDS capability end to end: java-control-plane's V3DiscoveryServer on a real socket feeds an
 * in-process Remora, whose listener routes real HTTP requests to real upstreams. Every scenario runs
 * over state-of-the-world (GRPC) and delta (DELTA_GRPC) ADS (ECDS served by the TestControlPlane itself).
 */
class XdsAdsE2ETest extends MeshTestBase {
    static final String LDS = XdsResourceType.LISTENER.typeUrl;
    static final String RDS = XdsResourceType.ROUTE.typeUrl;
    static final String CDS = XdsResourceType.CLUSTER.typeUrl;
    static final String EDS = XdsResourceType.ENDPOINT.typeUrl;
    static final String ECDS = XdsResourceType.EXTENSION_CONFIG.typeUrl;

    static void awaitAck(TestControlPlane cp, boolean delta, String typeUrl, String version) {
        if (delta) {
            cp.awaitDeltaAck(typeUrl, version);
        } else {
            cp.awaitSotwAck(typeUrl, version);
        }
    }

    private void startProxy(boolean delta) throws Exception {
        proxy = XdsProxy.start(XdsProxy.adsBootstrap(cp.port, delta));
    }

    @ParameterizedTest(name = "delta={0}")
    @ValueSource(booleans = {false, true})
    void snapshotIsAckedAndRoutesRealTraffic(boolean delta) throws Exception {
        cp.set(mesh.snapshot());
        startProxy(delta);
        for (String type : List.of(LDS, RDS, CDS, EDS)) {
            awaitAck(cp, delta, type, "0");
        }
        if (!delta) {
            // the ACK names what it accepts: the version and the nonce of the response it answers
            DiscoveryRequest ack = cp.awaitRequest("LDS ACK", r -> r.getTypeUrl().equals(LDS) && r.getVersionInfo().equals("0"));
            assertTrue(cp.responses.stream().anyMatch(resp -> resp.getNonce().equals(ack.getResponseNonce())
                    && resp.getVersionInfo().equals("0")), "ACK nonce matches a response: " + ack);
        }
        XdsProxy.Reply r = proxy.awaitReply("routed to cluster-a", mesh.listenerPort, "/hello", x -> x.status() == 200);
        assertEquals("u-a", r.body());
        assertEquals("gen-0", r.server(), "the HCM from LDS serves");
        assertEquals("u-b", proxy.get(mesh.listenerPort, "/b").body(), "the /b route from RDS reaches the EDS cluster with a service name");
        assertTrue(a.requests.get() >= 1);
    }

    /** A bootstrap listener whose routes come over ADS: its RDS name is asked for beside the LDS listeners'. */
    @ParameterizedTest(name = "delta={0}")
    @ValueSource(booleans = {false, true})
    void aStaticListenersRoutesComeOverAds(boolean delta) throws Exception {
        int port = XdsProxy.freePort();
        cp.set(mesh.snapshot());
        proxy = XdsProxy.start(XdsProxy.adsBootstrap(cp.port, delta) + XdsProxy.staticHttpListener("static-rds", port, """
                rds:
                  route_config_name: route-0
                  config_source: { ads: {}, resource_api_version: V3 }
                """));
        assertEquals("u-a", proxy.awaitReply("the static listener routed by RDS", port, "/hello",
                x -> x.status() == 200).body());
        assertEquals("u-b", proxy.get(port, "/b").body());
    }

    @ParameterizedTest(name = "delta={0}")
    @ValueSource(booleans = {false, true})
    void malformedRegexIsNackedWithReasonAndOldConfigKeepsServing(boolean delta) throws Exception {
        cp.set(mesh.snapshot());
        startProxy(delta);
        awaitAck(cp, delta, RDS, "0");
        proxy.awaitReply("first config", mesh.listenerPort, "/", x -> "u-a".equals(x.body()));

        mesh.brokenRegex = true;
        mesh.target = "cluster-b";
        mesh.rdsVersion = "1";
        cp.set(mesh.snapshot());
        String reason;
        if (delta) {
            DeltaDiscoveryRequest nack = cp.awaitDeltaRequest("RDS NACK", r -> r.getTypeUrl().equals(RDS) && r.hasErrorDetail());
            reason = nack.getErrorDetail().getMessage();
        } else {
            DiscoveryRequest nack = cp.awaitRequest("RDS NACK", r -> r.getTypeUrl().equals(RDS) && r.hasErrorDetail());
            reason = nack.getErrorDetail().getMessage();
            assertEquals("0", nack.getVersionInfo(), "a NACK carries the last accepted version");
            assertTrue(cp.responses.stream().anyMatch(resp -> resp.getNonce().equals(nack.getResponseNonce())
                    && resp.getVersionInfo().equals("1")), "the NACK answers the nonce of version 1");
        }
        assertTrue(reason.contains("route-0"), "reason names the resource: " + reason);
        assertTrue(reason.contains("safe_regex"), "reason names the field: " + reason);
        for (int i = 0; i < 20; i++) {
            XdsProxy.Reply r = proxy.get(mesh.listenerPort, "/");
            assertEquals("u-a", r.body(), "the previous routing keeps serving: " + r);
        }

        mesh.brokenRegex = false;
        mesh.rdsVersion = "2";
        cp.set(mesh.snapshot());
        awaitAck(cp, delta, RDS, "2");
        proxy.awaitReply("corrected config", mesh.listenerPort, "/", x -> "u-b".equals(x.body()));
        // java-control-plane answers a NACK with the same version again, so the bad version may be NACKed more than
        // once: the counter must match the NACKs the server saw, one for one.
        long nacks = delta ? cp.deltaRequests(RDS).stream().filter(DeltaDiscoveryRequest::hasErrorDetail).count()
                : cp.requests(RDS).stream().filter(DiscoveryRequest::hasErrorDetail).count();
        assertTrue(nacks >= 1);
        assertEquals((double) nacks, proxy.metric("envoy_http_rds_update_rejected"), "every RDS rejection counted");
    }

    @ParameterizedTest(name = "delta={0}")
    @ValueSource(booleans = {false, true})
    void managementServerRestartKeepsTrafficAndReconnects(boolean delta) throws Exception {
        cp.set(mesh.snapshot());
        startProxy(delta);
        awaitAck(cp, delta, EDS, "0");
        proxy.awaitReply("first config", mesh.listenerPort, "/", x -> "u-a".equals(x.body()));
        assertEquals(1.0, proxy.metric("envoy_control_plane_connected_state"));

        int port = cp.port;
        try (Load load = new Load(mesh.listenerPort, 1, "/", "/b")) {
            load.awaitProgress(20);
            cp.stop();
            TestControlPlane.await("connected_state 0", () -> proxy.metric("envoy_control_plane_connected_state") == 0.0);
            load.awaitProgress(50);
            assertEquals("u-a", proxy.get(mesh.listenerPort, "/").body(), "last good config serves while disconnected");

            TestControlPlane restarted = new TestControlPlane();
            try {
                restarted.startTcp(port);
                mesh.target = "cluster-b";
                mesh.rdsVersion = "1";
                restarted.set(mesh.snapshot());
                awaitAck(restarted, delta, RDS, "1");
                TestControlPlane.await("connected_state 1", () -> proxy.metric("envoy_control_plane_connected_state") == 1.0);
                proxy.awaitReply("snapshot pushed after the restart", mesh.listenerPort, "/", x -> "u-b".equals(x.body()));
                assertStreamFailuresCounted(delta, cp, restarted);
                load.awaitProgress(20);
            } finally {
                restarted.close();
            }
            load.close();
            assertEquals(List.of(), load.failures, "no request failed while the control plane was away");
        }
    }

    /**
     * Each time the ADS stream failed (closed, or refused while the server was down), Envoy's mux reported a
     * ConnectionFailure to every subscription on it (onEstablishmentFailure): update_failure and an update_attempt
     * for LDS and CDS (GrpcSubscriptionImpl::onConfigUpdateFailed), update_failure for each RDS route configuration
     * and EDS cluster.
     */
    private void assertStreamFailuresCounted(boolean delta, TestControlPlane... servers) {
        double failures = proxy.metric("envoy_listener_manager_lds_update_failure");
        assertTrue(failures >= 1.0, "the stream failed at least once: " + failures);
        assertEquals(failures, proxy.metric("envoy_cluster_manager_cds_update_failure"));
        assertEquals(failures, proxy.metric("envoy_http_rds_update_failure", "\"route-0\""));
        assertEquals(failures, proxy.metric("envoy_cluster_update_failure", "envoy_cluster_name=\"cluster-a\""));
        for (String type : new String[] {LDS, CDS}) {
            long responses = 0;
            for (TestControlPlane s : servers) {
                responses += delta ? s.deltaResponses.stream().filter(r -> r.getTypeUrl().equals(type)).count()
                        : s.responses.stream().filter(r -> r.getTypeUrl().equals(type)).count();
            }
            String attempts = type.equals(LDS) ? "envoy_listener_manager_lds_update_attempt"
                    : "envoy_cluster_manager_cds_update_attempt";
            assertEquals(1 + responses + failures, proxy.metric(attempts), "one as it started, one per response, "
                    + "one per failure: " + type);
        }
    }

    /**
     * ECDS, as Istio delivers WasmPlugin and telemetry filters: the HCM names a header_mutation filter by
     * config_discovery; its TypedExtensionConfig arrives over the ADS stream, is ACKed, replaced in place (a
     * keep-alive connection opened before sees the new config on its next request and is not closed, and the
     * listener is not updated), and a config of a type the filter does not list is NACKed with the old one still
     * serving; removed (delta), the filter has no config again and answers 500.
     */
    @ParameterizedTest(name = "delta={0}")
    @ValueSource(booleans = {false, true})
    void discoveredFilterIsAckedSwappedInPlaceAndNacked(boolean delta) throws Exception {
        mesh.httpFilters.add(HttpFilter.newBuilder().setName("stamp").setConfigDiscovery(ExtensionConfigSource.newBuilder()
                .setConfigSource(Mesh.ADS)
                .addTypeUrls("type.googleapis.com/envoy.extensions.filters.http.header_mutation.v3.HeaderMutation"))
                .build());
        cp.setExtensionConfigs("1", stamp("v1"));
        cp.set(mesh.snapshot());
        startProxy(delta);
        awaitAck(cp, delta, ECDS, "1");
        try (Socket kept = new Socket("127.0.0.1", mesh.listenerPort)) {
            String first = XdsProxy.exchange(kept);
            assertTrue(first.contains("x-ecds: v1") && first.endsWith("u-a"), first);

            cp.setExtensionConfigs("2", stamp("v2"));
            awaitAck(cp, delta, ECDS, "2");
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
        // the subscription's own stats in the same scope (FilterConfigSubscription): one attempt as it starts, one
        // per update taken or rejected
        double rejected = proxy.metric("envoy_extension_config_discovery_update_rejected", "http_filter.stamp");
        assertTrue(rejected >= 1, "rejected " + rejected);
        assertEquals(2.0, proxy.metric("envoy_extension_config_discovery_update_success", "http_filter.stamp"));
        assertEquals(3.0 + rejected, proxy.metric("envoy_extension_config_discovery_update_attempt", "http_filter.stamp"));
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
