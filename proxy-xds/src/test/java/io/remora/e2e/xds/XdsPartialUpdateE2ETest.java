package io.remora.e2e.xds;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import io.remora.xds.ads.TestControlPlane;
import io.remora.xds.ads.XdsTestResources;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.List;
import java.util.Map;
import java.util.Set;

import static io.remora.e2e.xds.XdsAdsE2ETest.CDS;
import static io.remora.e2e.xds.XdsAdsE2ETest.LDS;
import static io.remora.e2e.xds.XdsAdsE2ETest.awaitAck;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * An LDS or CDS update of which some listeners or clusters fail is applied for the others, as Envoy's
 * LdsApiImpl::onConfigUpdate and CdsApiHelper::onConfigUpdate add or update each resource on its own: the good ones
 * are added or changed, the ones the update drops are removed, a failed one keeps its running version (a failed new
 * one is absent), and the update is NACKed with every failure in one message on the version accepted last, counted
 * in update_rejected and not in update_success. A fixed update is then ACKed.
 */
class XdsPartialUpdateE2ETest extends MeshTestBase {

    @ParameterizedTest(name = "delta={0}")
    @ValueSource(booleans = {false, true})
    void theGoodListenersOfAnUpdateAreAppliedAndTheBadOneKeepsItsRunningVersion(boolean delta) throws Exception {
        int kept = XdsProxy.freePort();
        int dropped = XdsProxy.freePort();
        int added = XdsProxy.freePort();
        mesh.extraOnRunningRoute = true;
        mesh.extraListenerPorts = List.of(kept, dropped);
        cp.set(mesh.snapshot());
        proxy = XdsProxy.start(XdsProxy.adsBootstrap(cp.port, delta));
        proxy.awaitReply("the mesh serves", mesh.listenerPort, "/hello", x -> x.status() == 200);
        proxy.awaitReply("the listener to be dropped serves", dropped, "/hello", x -> x.status() == 200);

        // listener-0 changes, a listener is added, one dropped, and the running listener-<kept> becomes invalid
        mesh.serverName = "gen-1";
        mesh.extraListenerPorts = List.of(kept, added);
        mesh.brokenListeners = Set.of("listener-" + kept);
        mesh.ldsVersion = "1";
        cp.set(mesh.snapshot());

        String error = cp.awaitNack(delta, LDS, "0");
        assertEquals("Error adding/updating listener(s) listener-" + kept + ": listener \"listener-" + kept
                + "\".filter_chains[0].filters[0].typed_config.http_filters[0]: the router must be the last HTTP filter\n",
                error);
        proxy.awaitReply("the changed listener serves", mesh.listenerPort, "/hello", x -> "gen-1".equals(x.server()));
        assertEquals("u-a", proxy.awaitReply("the added listener serves", added, "/hello",
                x -> x.status() == 200 && "gen-1".equals(x.server())).body());
        XdsProxy.Reply old = proxy.get(kept, "/hello");
        assertEquals(200, old.status(), old.toString());
        assertEquals("gen-0", old.server(), "the failed listener's running version serves");
        proxy.awaitReply("the dropped listener is gone", dropped, "/hello", x -> x.status() == -1);
        // LdsApiImpl sets the version the dump shows once a listener of the update is applied, NACKed or not; each
        // listener keeps the version it was added with
        JsonObject dump = XdsConfigDumpE2ETest.section(JsonParser.parseString(proxy.admin("/config_dump"))
                .getAsJsonObject(), "ListenersConfigDump");
        assertEquals("1", dump.get("version_info").getAsString(), dump.toString());
        assertEquals(version(delta, LDS, "listener-0", "1"), listenerVersion(dump, "listener-0"));
        assertEquals(version(delta, LDS, "listener-" + added, "1"), listenerVersion(dump, "listener-" + added));
        assertEquals(version(delta, LDS, "listener-" + kept, "0"), listenerVersion(dump, "listener-" + kept),
                "the failed listener's running version");
        // ListenerManagerImpl: the failed listener's entry holds the config tried, the time and the reason, and
        // each failure of the update is an entry without a name too; no version_info in either
        JsonObject failed = XdsConfigDumpE2ETest.find(dump.getAsJsonArray("dynamic_listeners"), "name",
                "listener-" + kept).getAsJsonObject("error_state");
        String reason = error.substring(error.indexOf(": ") + 2).strip();
        assertEquals(reason, failed.get("details").getAsString(), failed.toString());
        assertEquals("listener-" + kept, failed.getAsJsonObject("failed_configuration").get("name").getAsString());
        assertTrue(failed.has("last_update_attempt") && !failed.has("version_info"), failed.toString());
        List<JsonObject> unnamed = unnamedErrors(dump);
        assertEquals(1, unnamed.size(), dump.toString());
        assertEquals(reason, unnamed.get(0).get("details").getAsString());
        assertFalse(unnamed.get(0).has("last_update_attempt"), unnamed.toString());
        String listeners = proxy.admin("/listeners");
        assertFalse(listeners.contains("listener-" + dropped + "::"), listeners);
        assertEquals(1.0, proxy.metric("envoy_listener_manager_lds_update_success"), "a NACKed update is no success");
        assertEquals(versionHash("0"), proxy.metric("envoy_listener_manager_lds_version"), "the version accepted last");
        // java-control-plane answers each NACK with the same version: the NACKs go on until the update is fixed
        assertTrue(proxy.metric("envoy_listener_manager_lds_update_rejected") >= 1.0);

        mesh.brokenListeners = Set.of();
        mesh.ldsVersion = "2";
        cp.set(mesh.snapshot());
        awaitAck(cp, delta, LDS, "2");
        proxy.awaitReply("the fixed listener serves its new version", kept, "/hello",
                x -> x.status() == 200 && "gen-1".equals(x.server()));
        TestControlPlane.await("the fixed update counted a success",
                () -> proxy.metric("envoy_listener_manager_lds_update_success") == 2.0);
        assertEquals((double) nacks(delta, LDS), proxy.metric("envoy_listener_manager_lds_update_rejected"),
                "each NACK counted");
        assertEquals(attempts(delta, LDS), proxy.metric("envoy_listener_manager_lds_update_attempt"));
        assertEquals(versionHash("2"), proxy.metric("envoy_listener_manager_lds_version"));
        // the next update that reaches the listeners starts afresh: the fixed listener shows no error
        String fixedDump = proxy.admin("/config_dump");
        assertFalse(fixedDump.contains("error_state"), fixedDump);
    }

    /**
     * Delta: a response NACKed because one listener of it failed records none of its versions, as Envoy's
     * DeltaSubscriptionState takes them only after the whole update was accepted: a new stream announces the
     * versions of the response ACKed last, the removed listener included, and not the listener the NACKed one added.
     * The same over ADS and on LDS's own DELTA_GRPC stream (one DeltaSubscriptionState per subscription).
     */
    @ParameterizedTest(name = "ads={0}")
    @ValueSource(booleans = {true, false})
    void aNewDeltaStreamAnnouncesTheVersionsAckedLastNotThoseOfAPartlyAppliedUpdate(boolean ads) throws Exception {
        int kept = XdsProxy.freePort();
        int dropped = XdsProxy.freePort();
        int added = XdsProxy.freePort();
        mesh.extraOnRunningRoute = true;
        mesh.extraListenerPorts = List.of(kept, dropped);
        if (!ads) {
            mesh.rdsSource = XdsApiConfigSourceE2ETest.api(true);
            mesh.edsSource = mesh.rdsSource;
        }
        cp.set(mesh.snapshot());
        proxy = XdsProxy.start(ads ? XdsProxy.adsBootstrap(cp.port, true) : XdsProxy.apiSourcesBootstrap(cp.port, true));
        proxy.awaitReply("the listener to be dropped serves", dropped, "/hello", x -> x.status() == 200);
        awaitAck(cp, true, LDS, "0");

        mesh.serverName = "gen-1";
        mesh.extraListenerPorts = List.of(kept, added);
        mesh.brokenListeners = Set.of("listener-" + kept);
        mesh.ldsVersion = "1";
        cp.set(mesh.snapshot());
        cp.awaitNack(true, LDS, "0");
        proxy.awaitReply("the added listener serves", added, "/hello", x -> x.status() == 200);

        int port = cp.port;
        cp.stop();
        cp.deltaRequests.clear();
        cp.startTcp(port);
        DeltaDiscoveryRequest lds = cp.awaitDeltaRequest("LDS on the new stream", r -> r.getTypeUrl().equals(LDS));
        assertEquals(Map.of("listener-0", version(true, LDS, "listener-0", "0"),
                "listener-" + kept, version(true, LDS, "listener-" + kept, "0"),
                "listener-" + dropped, version(true, LDS, "listener-" + dropped, "0")),
                lds.getInitialResourceVersionsMap(), lds.toString());
    }

    /** The listeners' error_state entries without a name: the last update's failures. */
    private static List<JsonObject> unnamedErrors(JsonObject listenersDump) {
        List<JsonObject> out = new java.util.ArrayList<>();
        for (com.google.gson.JsonElement e : listenersDump.getAsJsonArray("dynamic_listeners")) {
            if (!e.getAsJsonObject().has("name")) {
                out.add(e.getAsJsonObject().getAsJsonObject("error_state"));
            }
        }
        return out;
    }

    /**
     * A state-of-the-world response naming a resource twice. LDS: LdsApiImpl::onConfigUpdate adds the first copy
     * and fails each later one ("duplicate listener <name> found") into the NACK, code INTERNAL, on the version
     * accepted last, the rest applied; the dump shows the update's version, a listener of it being applied. CDS
     * alike ("duplicate cluster <name> found"), its dump version kept as no cluster changed. A route configuration
     * named twice is taken once (the mux keys RDS watches by name) and ACKed.
     */
    @Test
    void aResponseNamingAResourceTwiceAppliesTheFirstCopyAndNacksTheOthers() throws Exception {
        int added = XdsProxy.freePort();
        int copyPort = XdsProxy.freePort();
        cp.set(mesh.snapshot());
        proxy = XdsProxy.start(XdsProxy.adsBootstrap(cp.port, false));
        proxy.awaitReply("the mesh serves", mesh.listenerPort, "/hello", x -> x.status() == 200);

        cp.rewrite = r -> r.getTypeUrl().equals(LDS) ? repeat(r, Listener.class, "listener-" + added,
                l -> l.toBuilder().setAddress(l.getAddress().toBuilder().setSocketAddress(l.getAddress()
                        .getSocketAddress().toBuilder().setPortValue(copyPort))).build())
                : r.getTypeUrl().equals(CDS) ? repeat(r, Cluster.class, "cluster-a", c -> c)
                : r.getTypeUrl().equals(XdsAdsE2ETest.RDS) ? repeat(r, RouteConfiguration.class, "route-0",
                        rc -> rc.toBuilder().clearVirtualHosts().build())
                : r;
        mesh.extraListenerPorts = List.of(added);
        mesh.extraOnRunningRoute = true;
        mesh.ldsVersion = "1";
        mesh.cdsVersion = "1";
        mesh.rdsVersion = "1";
        cp.set(mesh.snapshot());

        assertEquals("Error adding/updating listener(s) listener-" + added + ": duplicate listener listener-" + added
                + " found\n", cp.awaitNack(false, LDS, "0"));
        assertEquals("Error adding/updating cluster(s) cluster-a: duplicate cluster cluster-a found",
                cp.awaitNack(false, CDS, "0"));
        assertEquals(13, cp.requests(LDS).stream().filter(DiscoveryRequest::hasErrorDetail).findFirst().orElseThrow()
                .getErrorDetail().getCode(), "INTERNAL");
        cp.awaitSotwAck(XdsAdsE2ETest.RDS, "1");
        assertEquals("u-a", proxy.awaitReply("the first copy of the listener serves", added, "/hello",
                x -> x.status() == 200).body());
        assertEquals(-1, proxy.get(copyPort, "/hello").status(), "the later copy is not added");
        assertEquals(200, proxy.get(mesh.listenerPort, "/hello").status(), "the first copy of the route serves");
        assertEquals(1.0, proxy.metric("envoy_listener_manager_lds_update_success"), "the NACKed update is no success");
        assertTrue(proxy.metric("envoy_listener_manager_lds_update_rejected") >= 1.0);
        JsonObject dump = JsonParser.parseString(proxy.admin("/config_dump")).getAsJsonObject();
        assertEquals("1", XdsConfigDumpE2ETest.section(dump, "ListenersConfigDump").get("version_info").getAsString());
        assertEquals("0", XdsConfigDumpE2ETest.section(dump, "ClustersConfigDump").get("version_info").getAsString());
    }

    /** {@code r} with a copy of its resource {@code name} (changed by {@code copy}) after the others. */
    private static <T extends com.google.protobuf.Message> DiscoveryResponse repeat(DiscoveryResponse r, Class<T> type,
            String name, java.util.function.UnaryOperator<T> copy) {
        for (com.google.protobuf.Any any : r.getResourcesList()) {
            try {
                T m = any.unpack(type);
                if (name.equals(m.getDescriptorForType().findFieldByName("name") == null ? null
                        : m.getField(m.getDescriptorForType().findFieldByName("name")))) {
                    return r.toBuilder().addResources(com.google.protobuf.Any.pack(copy.apply(m))).build();
                }
            } catch (com.google.protobuf.InvalidProtocolBufferException e) {
                throw new AssertionError(e);
            }
        }
        return r;
    }

    /**
     * A listener that cannot bind and one that does not translate fail the same update, named in one NACK, as LdsApiImpl::onConfigUpdate gathers every addOrUpdateListener failure; the third listener is
     * added. Applied at once, or checked ahead of its warming.
     */
    @ParameterizedTest(name = "delta={0} warming={1}")
    @CsvSource({"false,false", "false,true", "true,false", "true,true"})
    void aListenerThatCannotBindAndOneThatDoesNotTranslateFailOneNack(boolean delta, boolean warming)
            throws Exception {
        cp.set(mesh.snapshot());
        proxy = XdsProxy.start(XdsProxy.adsBootstrap(cp.port, delta));
        proxy.awaitReply("the mesh serves", mesh.listenerPort, "/hello", x -> x.status() == 200);
        try (java.net.ServerSocket taken = new java.net.ServerSocket(0, 50,
                java.net.InetAddress.getByName("127.0.0.1"))) {
            int held = taken.getLocalPort();
            int broken = XdsProxy.freePort();
            int free = XdsProxy.freePort();
            mesh.extraListenerPorts = List.of(held, broken, free);
            mesh.brokenListeners = Set.of("listener-" + broken);
            mesh.withholdExtraRoute = warming;
            mesh.extraOnRunningRoute = !warming;
            mesh.ldsVersion = "1";
            cp.set(mesh.snapshot());

            // a line per listener, in the order the response gives them (java-control-plane's own)
            String error = cp.awaitNack(delta, LDS, "0");
            String prefix = "Error adding/updating listener(s) ";
            assertTrue(error.startsWith(prefix) && error.endsWith("\n"), error);
            assertEquals(Set.of("listener-" + held + ": cannot bind '127.0.0.1:" + held + "': Address already in use",
                    "listener-" + broken + ": listener \"listener-" + broken + "\".filter_chains[0].filters[0]"
                            + ".typed_config.http_filters[0]: the router must be the last HTTP filter"),
                    Set.of(error.substring(prefix.length()).split("\n")));
            if (warming) {
                mesh.withholdExtraRoute = false;
                mesh.rdsVersion = "1";
                cp.set(mesh.snapshot());
            }
            assertEquals("u-a", proxy.awaitReply("the third listener is added", free, "/hello",
                    x -> x.status() == 200).body());
            String listeners = proxy.admin("/listeners");
            assertFalse(listeners.contains("listener-" + held + "::"), listeners);
            assertFalse(listeners.contains("listener-" + broken + "::"), listeners);
            assertEquals(1.0, proxy.metric("envoy_listener_manager_lds_update_success"));
        }
    }

    /**
     * The same for clusters: cluster-a changes, cluster-c is added (warming on its load assignment, or static), the one
     * the update drops is removed, and cluster-b becomes invalid while its running version keeps serving "/b". A CDS
     * update whose good clusters warm is NACKed at once, as Envoy's CDS answers the response while they warm.
     */
    @ParameterizedTest(name = "delta={0} warming={1}")
    @CsvSource({"false,false", "false,true", "true,false", "true,true"})
    void theGoodClustersOfAnUpdateAreAppliedAndTheBadOneKeepsItsRunningVersion(boolean delta, boolean warming)
            throws Exception {
        mesh.extraRoutes = Map.of("/c", "cluster-c");
        mesh.extraClusters = List.of(staticCluster("cluster-d", a.port()));
        cp.set(mesh.snapshot());
        proxy = XdsProxy.start(XdsProxy.adsBootstrap(cp.port, delta));
        proxy.awaitReply("the mesh serves", mesh.listenerPort, "/hello", x -> "u-a".equals(x.body()));
        assertTrue(proxy.admin("/clusters").contains("cluster-d::"));

        Cluster broken = XdsTestResources.edsCluster("cluster-b", "svc-b").toBuilder().clearEdsClusterConfig()
                .setType(Cluster.DiscoveryType.ORIGINAL_DST).build();
        mesh.extraClusters = List.of(staticCluster("cluster-a", b.port()), broken,
                warming ? XdsTestResources.edsCluster("cluster-c", null) : staticCluster("cluster-c", a.port()));
        mesh.cdsVersion = "1";
        cp.set(mesh.snapshot());

        String error = cp.awaitNack(delta, CDS, "0");
        assertTrue(error.startsWith("Error adding/updating cluster(s) cluster-b: ") && error.contains("lb_policy")
                && !error.contains("cluster-a") && !error.contains("cluster-c"), error);
        if (warming) {
            mesh.extraEndpoints = List.of(XdsTestResources.endpoints("cluster-c", a.port()));
            mesh.edsVersion = "1";
            cp.set(mesh.snapshot());
        }
        proxy.awaitReply("the changed cluster serves", mesh.listenerPort, "/hello", x -> "u-b".equals(x.body()));
        proxy.awaitReply("the added cluster serves", mesh.listenerPort, "/c", x -> "u-a".equals(x.body()));
        assertEquals("u-b", proxy.get(mesh.listenerPort, "/b").body(), "the failed cluster's running version serves");
        String clusters = proxy.admin("/clusters");
        assertFalse(clusters.contains("cluster-d::"), clusters);
        JsonObject dump = XdsConfigDumpE2ETest.section(JsonParser.parseString(proxy.admin("/config_dump"))
                .getAsJsonObject(), "ClustersConfigDump");
        assertEquals("1", dump.get("version_info").getAsString(), "as CdsApiHelper sets it: " + dump);
        JsonArray active = dump.getAsJsonArray("dynamic_active_clusters");
        for (String[] c : new String[][] {{"cluster-a", "1"}, {"cluster-c", "1"}, {"cluster-b", "0"}}) {
            assertEquals(version(delta, CDS, c[0], c[1]), XdsConfigDumpE2ETest.findNested(active, "cluster", c[0])
                    .get("version_info").getAsString(), "cluster-b is the failed cluster's running version");
        }
        assertEquals(1.0, proxy.metric("envoy_cluster_manager_cds_update_success"), "a NACKed update is no success");
        // java-control-plane answers each NACK with the same version: the NACKs go on until the update is fixed
        assertTrue(proxy.metric("envoy_cluster_manager_cds_update_rejected") >= 1.0);

        mesh.extraClusters = List.of(staticCluster("cluster-a", b.port()),
                warming ? XdsTestResources.edsCluster("cluster-c", null) : staticCluster("cluster-c", a.port()));
        mesh.clusterGen++;
        mesh.cdsVersion = "2";
        cp.set(mesh.snapshot());
        awaitAck(cp, delta, CDS, "2");
        TestControlPlane.await("the fixed update counted a success",
                () -> proxy.metric("envoy_cluster_manager_cds_update_success") == 2.0);
        assertEquals("u-b", proxy.get(mesh.listenerPort, "/b").body());
        assertEquals((double) nacks(delta, CDS), proxy.metric("envoy_cluster_manager_cds_update_rejected"),
                "each NACK counted");
        assertEquals(attempts(delta, CDS), proxy.metric("envoy_cluster_manager_cds_update_attempt"));
        assertEquals(versionHash("2"), proxy.metric("envoy_cluster_manager_cds_version"));
    }

    /**
     * The version a resource was added with: the response's version_info (SotW), or the resource's own version in the
     * delta response of that system version.
     */
    private String version(boolean delta, String typeUrl, String name, String version) {
        if (!delta) {
            return version;
        }
        return cp.deltaResponses.stream().filter(r -> r.getTypeUrl().equals(typeUrl)
                        && r.getSystemVersionInfo().equals(version)).flatMap(r -> r.getResourcesList().stream())
                .filter(r -> r.getName().equals(name)).findFirst().orElseThrow().getVersion();
    }

    private static String listenerVersion(JsonObject listenersDump, String name) {
        JsonObject l = XdsConfigDumpE2ETest.find(listenersDump.getAsJsonArray("dynamic_listeners"), "name", name);
        JsonObject state = l.has("active_state") ? l.getAsJsonObject("active_state") : l.getAsJsonObject("warming_state");
        return state.get("version_info").getAsString();
    }

    /** The NACKs of this type the server saw (java-control-plane may send a NACKed version again). */
    private long nacks(boolean delta, String typeUrl) {
        return delta ? cp.deltaRequests(typeUrl).stream().filter(DeltaDiscoveryRequest::hasErrorDetail).count()
                : cp.requests(typeUrl).stream().filter(DiscoveryRequest::hasErrorDetail).count();
    }

    /**
     * Envoy's update_attempt of a subscription over ADS: one as it starts, one per response; over delta one more per
     * response its subscription refused, counted both as the delta onConfigUpdate starts and as it fails
     * (GrpcSubscriptionImpl).
     */
    private double attempts(boolean delta, String typeUrl) {
        long responses = delta ? cp.deltaResponses.stream().filter(r -> r.getTypeUrl().equals(typeUrl)).count()
                : cp.responses.stream().filter(r -> r.getTypeUrl().equals(typeUrl)).count();
        return 1 + responses + (delta ? nacks(true, typeUrl) : 0);
    }

    /** Envoy's subscription version gauge: xxHash64 of the version_info, unsigned (here to a double's precision). */
    private static double versionHash(String versionInfo) {
        return Double.parseDouble(Long.toUnsignedString(io.remora.upstream.lb.XxHash64.hash(versionInfo)));
    }

    private static Cluster staticCluster(String name, int port) {
        return XdsTestResources.edsCluster(name, null).toBuilder().setType(Cluster.DiscoveryType.STATIC)
                .clearEdsClusterConfig().setLoadAssignment(XdsTestResources.endpoints(name, port)).build();
    }
}
