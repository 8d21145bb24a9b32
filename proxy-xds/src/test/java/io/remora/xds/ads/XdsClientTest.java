package io.remora.xds.ads;

import com.google.rpc.Code;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.List;
import java.util.Set;

import static io.remora.xds.ads.XdsTestResources.NODE;
import static io.remora.xds.ads.XdsTestResources.full;
import static io.remora.xds.ads.XdsTestResources.plainListener;
import static io.remora.xds.ads.XdsTestResources.rdsListener;
import static io.remora.xds.ads.XdsTestResources.with;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The client against java-control-plane's management server over TCP, state of the world and delta. */
class XdsClientTest {
    private static final String LDS = XdsResourceType.LISTENER.typeUrl;
    private static final String RDS = XdsResourceType.ROUTE.typeUrl;
    private static final String CDS = XdsResourceType.CLUSTER.typeUrl;
    private static final String EDS = XdsResourceType.ENDPOINT.typeUrl;

    private final TestControlPlane cp = new TestControlPlane();
    private final RecordingApplier applier = new RecordingApplier();
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private XdsClient client;

    @BeforeEach
    void startServer() throws Exception {
        cp.startTcp(0);
    }

    @AfterEach
    void stop() throws Exception {
        if (client != null) {
            client.close();
        }
        cp.close();
    }

    private void startClient(boolean delta) {
        client = new XdsClient(XdsClientOptions.ads(XdsTarget.tcp("127.0.0.1", cp.port), delta, NODE).withBackoff(50, 400),
                applier, registry);
        client.start();
    }

    private void awaitAck(boolean delta, String typeUrl, String version) {
        if (delta) {
            cp.awaitDeltaAck(typeUrl, version);
        } else {
            cp.awaitSotwAck(typeUrl, version);
        }
    }

    /** Draining closes the client and stopping closes it again: the second close does nothing, and says nothing. */
    @org.junit.jupiter.api.Test
    void aSecondCloseIsQuiet() {
        cp.set(full("1"));
        startClient(false);
        applier.await("the listeners", s -> !s.listeners().isEmpty());
        java.util.logging.Logger logger = java.util.logging.Logger.getLogger(XdsClient.class.getName());
        java.util.logging.Level level = logger.getLevel();
        logger.setLevel(java.util.logging.Level.FINE);
        try (io.remora.testing.LogCapture log = io.remora.testing.LogCapture.on(logger)) {
            client.close();
            client.close();
            assertEquals(List.of(), log.messages());
        } finally {
            logger.setLevel(level);
        }
    }

    /**
     * A response of a type the client never asked for on the stream is dropped, neither ACKed nor NACKed
     * (GrpcMuxImpl::onDiscoveryResponse: "Ignoring the message for type URL ... as it has no current subscribers").
     */
    @org.junit.jupiter.api.Test
    void aResponseOfATypeNothingSubscribedToIsIgnored() {
        String srds = XdsResourceType.SCOPED_ROUTE.typeUrl;
        java.util.concurrent.atomic.AtomicBoolean sent = new java.util.concurrent.atomic.AtomicBoolean();
        cp.rewrite = r -> r.getTypeUrl().equals(RDS) && sent.compareAndSet(false, true)
                ? r.toBuilder().setTypeUrl(srds).clearResources().build() : r;
        cp.set(full("1"));
        startClient(false);
        TestControlPlane.await("the RDS response sent as SRDS", sent::get);
        cp.set(full("2"));
        // one stream, taken in order: had the SRDS response been answered, its request would have come first
        awaitAck(false, CDS, "2");
        assertEquals(List.of(), cp.requests(srds));
    }

    /**
     * A resource whose type is not the response's is refused with Envoy's words (GrpcMuxImpl::onDiscoveryResponse;
     * ads_integration_test.cc's Failure case).
     */
    @org.junit.jupiter.api.Test
    void aResourceOfAnotherTypeThanTheResponsesIsNacked() {
        java.util.concurrent.atomic.AtomicBoolean sent = new java.util.concurrent.atomic.AtomicBoolean();
        cp.rewrite = r -> r.getTypeUrl().equals(EDS) && sent.compareAndSet(false, true)
                ? r.toBuilder().setTypeUrl(CDS).build() : r;
        cp.set(full("1"));
        startClient(false);
        DiscoveryRequest nack = cp.awaitRequest("the CDS NACK", r -> r.getTypeUrl().equals(CDS) && r.hasErrorDetail());
        assertTrue(nack.getErrorDetail().getMessage().startsWith(EDS + " does not match the message-wide type URL "
                + CDS + " in DiscoveryResponse "), nack.getErrorDetail().getMessage());
    }

    @ParameterizedTest(name = "delta={0}")
    @ValueSource(booleans = {false, true})
    void appliesOneWarmedSnapshotSubscribesDependenciesAndAcksEveryType(boolean delta) {
        cp.set(full("1"));
        startClient(delta);

        XdsSnapshot first = applier.await("the listeners", s -> !s.listeners().isEmpty());
        assertEquals(Set.of("listener-0"), first.listeners().keySet());
        assertEquals(Set.of("route-0"), first.routes().keySet(), "the listener warmed until its route arrived");
        assertEquals(Set.of("cluster-a", "cluster-b"), first.clusters().keySet());
        assertEquals(Set.of("cluster-a", "svc-b"), first.endpoints().keySet(), "EDS clusters warmed until their endpoints arrived");

        for (String type : List.of(LDS, RDS, CDS, EDS)) {
            awaitAck(delta, type, "1");
        }
        // CDS with its EDS, then (the clusters initialized) LDS with its RDS: one snapshot per stage, not per type
        assertEquals(2, applier.applied.size(), "the clusters' snapshot, then the listeners'");
        assertTrue(applier.applied.get(0).listeners().isEmpty(), "LDS is asked for once the clusters are in");
        assertEquals(1.0, registry.get(XdsStats.CONNECTED_STATE).gauge().value());
        assertEquals(1.0, client.stats().ldsUpdateSuccess());
        assertEquals(1.0, client.stats().cdsUpdateSuccess());
        assertEquals(1.0, registry.get("envoy_http_rds_update_success")
                .tag("envoy_rds_route_config", "route-0").tag("envoy_http_conn_manager_prefix", "ingress_listener-0").counter().count());
        assertEquals(1.0, registry.get("envoy_cluster_update_success").tag("envoy_cluster_name", "cluster-b").counter().count());

        if (delta) {
            DeltaDiscoveryRequest firstRequest = cp.deltaRequests.get(0);
            assertEquals(NODE.getId(), firstRequest.getNode().getId());
            assertEquals("remora", firstRequest.getNode().getUserAgentName());
            assertTrue(cp.deltaRequests(RDS).stream().anyMatch(r -> r.getResourceNamesSubscribeList().equals(List.of("route-0"))));
            assertTrue(cp.deltaRequests(EDS).stream().anyMatch(r ->
                    Set.copyOf(r.getResourceNamesSubscribeList()).equals(Set.of("cluster-a", "svc-b"))));
        } else {
            DiscoveryRequest firstRequest = cp.requests.get(0);
            assertEquals(NODE.getId(), firstRequest.getNode().getId());
            assertEquals("remora", firstRequest.getNode().getUserAgentName());
            assertEquals(List.of("route-0"), cp.requests(RDS).get(0).getResourceNamesList());
            assertEquals(Set.of("cluster-a", "svc-b"), Set.copyOf(cp.requests(EDS).get(0).getResourceNamesList()));
            assertTrue(cp.requests(LDS).get(0).getResourceNamesList().isEmpty(), "LDS is a wildcard subscription");
        }
    }

    @ParameterizedTest(name = "delta={0}")
    @ValueSource(booleans = {false, true})
    void rejectedUpdateIsNackedWithTheReasonAndTheCorrectedOneAcked(boolean delta) {
        cp.set(full("1"));
        startClient(delta);
        awaitAck(delta, LDS, "1");

        cp.set(with("2", List.of(rdsListener("listener-0", 15001, "route-0"), plainListener("bad", 15002))));
        if (delta) {
            String nonce = awaitDeltaResponseNonce("2");
            DeltaDiscoveryRequest nack = cp.awaitDeltaRequest("a delta NACK", r -> r.getTypeUrl().equals(LDS) && r.hasErrorDetail());
            assertEquals(nonce, nack.getResponseNonce());
            assertEquals(Code.INTERNAL_VALUE, nack.getErrorDetail().getCode(), "Envoy's muxes NACK with INTERNAL");
            assertTrue(nack.getErrorDetail().getMessage().contains("bad"), nack.getErrorDetail().getMessage());
        } else {
            DiscoveryRequest nack = cp.awaitRequest("a NACK", r -> r.getTypeUrl().equals(LDS) && r.hasErrorDetail());
            assertEquals("1", nack.getVersionInfo(), "a NACK carries the last good version");
            assertTrue(cp.responses.stream().anyMatch(resp -> resp.getNonce().equals(nack.getResponseNonce())
                    && resp.getTypeUrl().equals(LDS) && resp.getVersionInfo().equals("2")), "answers the v2 response");
            assertEquals(Code.INTERNAL_VALUE, nack.getErrorDetail().getCode(), "Envoy's muxes NACK with INTERNAL");
            assertEquals("bad: address: port 0 is not allowed", nack.getErrorDetail().getMessage());
        }
        assertFalse(applier.applied.stream().anyMatch(s -> s.listeners().containsKey("bad")));
        assertEquals(Set.of("listener-0"), client.current().listeners().keySet(), "the last good config stays");
        assertTrue(client.stats().ldsUpdateRejected() >= 1);

        cp.set(with("3", List.of(rdsListener("listener-0", 15001, "route-0"), plainListener("good", 15003))));
        XdsSnapshot fixed = applier.await("the corrected snapshot", s -> s.listeners().containsKey("good"));
        assertEquals(Set.of("listener-0", "good"), fixed.listeners().keySet());
        assertEquals("3", fixed.versionInfo(XdsResourceType.LISTENER));
        awaitAck(delta, LDS, "3");
    }

    /** Config::Utility::truncateGrpcStatusMessage: a NACK's message stops at 4096 characters, marked as cut. */
    @ParameterizedTest(name = "delta={0}")
    @ValueSource(booleans = {false, true})
    void aLongNackMessageIsTruncatedAsEnvoyDoes(boolean delta) {
        cp.set(full("1"));
        startClient(delta);
        awaitAck(delta, LDS, "1");

        String name = "bad-" + "x".repeat(5000);
        cp.set(with("2", List.of(rdsListener("listener-0", 15001, "route-0"), plainListener(name, 15002))));
        String message = delta
                ? cp.awaitDeltaRequest("a delta NACK", r -> r.getTypeUrl().equals(LDS) && r.hasErrorDetail())
                        .getErrorDetail().getMessage()
                : cp.awaitRequest("a NACK", r -> r.getTypeUrl().equals(LDS) && r.hasErrorDetail())
                        .getErrorDetail().getMessage();
        assertEquals(4096 + "...(truncated)".length(), message.length());
        assertTrue(message.startsWith("bad-xxx") && message.endsWith("x...(truncated)"), message.substring(0, 40));
    }

    private String awaitDeltaResponseNonce(String version) {
        TestControlPlane.await("delta LDS response v" + version, () -> cp.deltaResponses.stream()
                .anyMatch(r -> r.getTypeUrl().equals(LDS) && r.getSystemVersionInfo().equals(version)));
        return cp.deltaResponses.stream().filter(r -> r.getTypeUrl().equals(LDS) && r.getSystemVersionInfo().equals(version))
                .findFirst().orElseThrow().getNonce();
    }

    @ParameterizedTest(name = "delta={0}")
    @ValueSource(booleans = {false, true})
    void listenerMissingFromTheUpdateIsRemovedWithTheRouteOnlyItUsedAndComesBackWithIt(boolean delta) {
        cp.set(full("1"));
        startClient(delta);
        awaitAck(delta, LDS, "1");

        cp.set(with("2", List.of(plainListener("listener-1", 15002))));
        XdsSnapshot s = applier.await("listener-0 removed and route-0 with it",
                x -> x.listeners().keySet().equals(Set.of("listener-1")) && x.routes().isEmpty());
        assertEquals(Set.of("cluster-a", "cluster-b"), s.clusters().keySet());
        awaitAck(delta, LDS, "2");
        if (delta) {
            assertTrue(cp.deltaResponses.stream().anyMatch(r -> r.getRemovedResourcesList().contains("listener-0")));
        }

        // added again: it comes back with its route
        cp.set(full("3"));
        applier.await("listener-0 and route-0 back",
                x -> x.listeners().containsKey("listener-0") && x.routes().containsKey("route-0"));
        awaitAck(delta, LDS, "3");
        awaitAck(delta, RDS, "3");
    }

    @ParameterizedTest(name = "delta={0}")
    @ValueSource(booleans = {false, true})
    void reconnectsAfterServerRestartWithItsVersionsAndTakesLaterUpdates(boolean delta) throws Exception {
        cp.set(full("1"));
        startClient(delta);
        applier.await("v1", s -> true);
        awaitAck(delta, LDS, "1");
        awaitAck(delta, EDS, "1");

        int port = cp.port;
        cp.stop();
        TestControlPlane.await("disconnected", () -> !client.stats().connected());
        assertEquals(0.0, registry.get(XdsStats.CONNECTED_STATE).gauge().value());
        assertEquals(Set.of("listener-0"), client.current().listeners().keySet(), "nothing changes while away");
        cp.requests.clear();
        cp.deltaRequests.clear();
        cp.startTcp(port);

        if (delta) {
            DeltaDiscoveryRequest lds = cp.awaitDeltaRequest("LDS on the new stream", r -> r.getTypeUrl().equals(LDS));
            assertTrue(lds.getInitialResourceVersionsMap().containsKey("listener-0"), lds.toString());
            DeltaDiscoveryRequest eds = cp.awaitDeltaRequest("EDS on the new stream", r -> r.getTypeUrl().equals(EDS));
            assertEquals(Set.of("cluster-a", "svc-b"), eds.getInitialResourceVersionsMap().keySet());
            assertEquals(Set.of("cluster-a", "svc-b"), Set.copyOf(eds.getResourceNamesSubscribeList()));
        } else {
            DiscoveryRequest lds = cp.awaitRequest("LDS on the new stream", r -> r.getTypeUrl().equals(LDS));
            assertEquals("1", lds.getVersionInfo());
            assertEquals("", lds.getResponseNonce());
            DiscoveryRequest rds = cp.awaitRequest("RDS on the new stream", r -> r.getTypeUrl().equals(RDS));
            assertEquals("1", rds.getVersionInfo());
            assertEquals(List.of("route-0"), rds.getResourceNamesList());
        }
        TestControlPlane.await("reconnected", () -> client.stats().connected());

        cp.set(with("2", List.of(rdsListener("listener-0", 15001, "route-0"), plainListener("after-restart", 15005))));
        XdsSnapshot s = applier.await("v2 after restart", x -> x.listeners().containsKey("after-restart"));
        assertEquals(Set.of("route-0"), s.routes().keySet());
        awaitAck(delta, LDS, "2");
    }

    @ParameterizedTest(name = "delta={0}")
    @ValueSource(booleans = {false, true})
    void listenerAddedWhileServingWarmsOnItsNewRoute(boolean delta) {
        cp.set(full("1"));
        startClient(delta);
        awaitAck(delta, LDS, "1");

        cp.set(io.envoyproxy.controlplane.cache.v3.Snapshot.create(
                List.of(XdsTestResources.edsCluster("cluster-a", null), XdsTestResources.edsCluster("cluster-b", "svc-b"),
                        XdsTestResources.edsCluster("cluster-c", null)),
                List.of(XdsTestResources.endpoints("cluster-a", 8081), XdsTestResources.endpoints("svc-b", 8082),
                        XdsTestResources.endpoints("cluster-c", 8083)),
                List.of(rdsListener("listener-0", 15001, "route-0"), rdsListener("listener-2", 15002, "route-2")),
                List.of(XdsTestResources.route("route-0", "cluster-a"), XdsTestResources.route("route-2", "cluster-c")),
                List.of(), "2"));
        XdsSnapshot s = applier.await("listener-2", x -> x.listeners().containsKey("listener-2"));
        assertTrue(s.routes().containsKey("route-2"), "listener-2 was handed over before its route arrived");
        XdsSnapshot c = applier.await("cluster-c", x -> x.clusters().containsKey("cluster-c"));
        assertTrue(c.endpoints().containsKey("cluster-c"), "cluster-c was handed over before its endpoints arrived");
        awaitAck(delta, RDS, "2");
        awaitAck(delta, EDS, "2");
        awaitAck(delta, CDS, "2");
        awaitAck(delta, LDS, "2");
    }

    @ParameterizedTest(name = "delta={0}")
    @ValueSource(booleans = {false, true})
    void secretsFollowTheNamesTheApplierAsksFor(boolean delta) {
        io.envoyproxy.controlplane.cache.v3.Snapshot v1 = full("1");
        cp.set(io.envoyproxy.controlplane.cache.v3.Snapshot.create(
                v1.clusters().resources().values(), v1.endpoints().resources().values(),
                v1.listeners().resources().values(), v1.routes().resources().values(),
                List.of(io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.Secret.newBuilder().setName("default").build(),
                        io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.Secret.newBuilder().setName("ROOTCA").build()),
                "1"));
        startClient(delta);
        applier.await("v1", x -> !x.listeners().isEmpty());
        assertTrue(client.current().secrets().isEmpty(), "no SDS subscription until asked");

        client.updateSubscriptions(XdsResourceType.SECRET.typeUrl, Set.of("default"));
        XdsSnapshot s = applier.await("the secret", x -> x.secrets().containsKey("default"));
        assertEquals(Set.of("default"), s.secrets().keySet());
        assertEquals(Set.of("listener-0"), s.listeners().keySet());
        awaitAck(delta, XdsResourceType.SECRET.typeUrl, "1");

        client.updateSubscriptions(XdsResourceType.SECRET.typeUrl, Set.of());
        applier.await("the secret let go", x -> x.secrets().isEmpty() && x.listeners().containsKey("listener-0"));
        if (delta) {
            cp.awaitDeltaRequest("the unsubscription", r -> r.getResourceNamesUnsubscribeList().contains("default"));
        }
    }

    @ParameterizedTest(name = "delta={0}")
    @ValueSource(booleans = {false, true})
    void aRejectedListenerDoesNotHoldBackValidEndpoints(boolean delta) {
        cp.set(full("1"));
        startClient(delta);
        awaitAck(delta, LDS, "1");
        awaitAck(delta, EDS, "1");

        cp.set(io.envoyproxy.controlplane.cache.v3.Snapshot.create(
                List.of(XdsTestResources.edsCluster("cluster-a", null), XdsTestResources.edsCluster("cluster-b", "svc-b")),
                List.of(XdsTestResources.endpoints("cluster-a", 9091), XdsTestResources.endpoints("svc-b", 8082)),
                List.of(rdsListener("listener-0", 15001, "route-0"), plainListener("bad", 15002)),
                List.of(XdsTestResources.route("route-0", "cluster-a")),
                List.of(), "2"));
        XdsSnapshot s = applier.await("the new endpoints", x -> x.endpoints().get("cluster-a").getEndpoints(0).getLbEndpoints(0)
                .getEndpoint().getAddress().getSocketAddress().getPortValue() == 9091);
        assertEquals(Set.of("listener-0"), s.listeners().keySet());
        awaitAck(delta, EDS, "2");
        if (delta) {
            cp.awaitDeltaRequest("LDS NACK", r -> r.getTypeUrl().equals(LDS) && r.hasErrorDetail());
        } else {
            cp.awaitRequest("LDS NACK", r -> r.getTypeUrl().equals(LDS) && r.hasErrorDetail() && r.getVersionInfo().equals("1"));
        }
        assertFalse(cp.requests(EDS).stream().anyMatch(DiscoveryRequest::hasErrorDetail), "EDS was never NACKed");
        assertFalse(cp.deltaRequests(EDS).stream().anyMatch(DeltaDiscoveryRequest::hasErrorDetail), "EDS was never NACKed");
        assertEquals(2.0, registry.get("envoy_cluster_update_success").tag("envoy_cluster_name", "cluster-a").counter().count(),
                "cluster-a's endpoints: the first fetch and the change");
    }

    /** Every listener of every snapshot handed over has its route configurations beside it. */
    private static boolean consistent(XdsSnapshot s) {
        return s.listeners().values().stream().allMatch(l -> XdsDependencies.rdsRefs(l).stream()
                .allMatch(ref -> s.routes().containsKey(ref.routeConfigName())));
    }

    @ParameterizedTest(name = "delta={0}")
    @ValueSource(booleans = {false, true})
    void aChangedListenerServesWithItsOldRouteUntilTheNewOneArrives(boolean delta) {
        cp.set(full("1"));
        startClient(delta);
        awaitAck(delta, LDS, "1");
        awaitAck(delta, RDS, "1");

        io.envoyproxy.envoy.config.core.v3.ConfigSource forever = XdsTestResources.ADS.toBuilder()
                .setInitialFetchTimeout(com.google.protobuf.util.Durations.fromSeconds(0)).build();
        var clusters = List.of(XdsTestResources.edsCluster("cluster-a", null), XdsTestResources.edsCluster("cluster-b", "svc-b"));
        var endpoints = List.of(XdsTestResources.endpoints("cluster-a", 8081), XdsTestResources.endpoints("svc-b", 8082));
        cp.set(io.envoyproxy.controlplane.cache.v3.Snapshot.create(clusters, endpoints,
                List.of(rdsListener("listener-0", 15001, "route-2", forever)),
                List.of(XdsTestResources.route("route-0", "cluster-a")), List.of(), "2"));
        if (delta) {
            cp.awaitDeltaRequest("subscription to route-2", r -> r.getResourceNamesSubscribeList().contains("route-2"));
        } else {
            cp.awaitRequest("subscription to both routes", r -> r.getTypeUrl().equals(RDS)
                    && Set.copyOf(r.getResourceNamesList()).equals(Set.of("route-0", "route-2")));
        }
        assertEquals("route-0", XdsDependencies.rdsRefs(client.current().listeners().get("listener-0")).get(0).routeConfigName(),
                "the running listener stays while its replacement warms");
        assertTrue(client.current().routes().containsKey("route-0"));

        cp.set(io.envoyproxy.controlplane.cache.v3.Snapshot.create(clusters, endpoints,
                List.of(rdsListener("listener-0", 15001, "route-2", forever)),
                List.of(XdsTestResources.route("route-0", "cluster-a"), XdsTestResources.route("route-2", "cluster-b")), List.of(), "3"));
        applier.await("the new listener with only its route", x -> x.routes().keySet().equals(Set.of("route-2"))
                && XdsDependencies.rdsRefs(x.listeners().get("listener-0")).get(0).routeConfigName().equals("route-2"));
        assertTrue(applier.applied.stream().allMatch(XdsClientTest::consistent), applier.applied.toString());
        // delta sends the unchanged listener no more: its v2 response is what warming held back and then ACKed
        awaitAck(delta, LDS, delta ? "2" : "3");
        awaitAck(delta, RDS, "3");
    }

    @ParameterizedTest(name = "delta={0}")
    @ValueSource(booleans = {false, true})
    void subscribesToTheSdsSecretsATransportSocketNamesOverAds(boolean delta) {
        cp.set(XdsTestResources.withSecret("1"));
        startClient(delta);
        XdsSnapshot s = applier.await("the secret", x -> x.secrets().containsKey("client-cert"));
        assertEquals(Set.of("client-cert"), s.secrets().keySet());
        awaitAck(delta, XdsResourceType.SECRET.typeUrl, "1");
    }
}
