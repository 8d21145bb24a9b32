package io.remora.e2e.xds;

import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import com.google.protobuf.util.Durations;
import io.envoyproxy.envoy.service.load_stats.v3.LoadStatsResponse;
import io.remora.e2e.LoadReportingServer;
import io.remora.testing.SocketServers;
import io.remora.xds.ads.RuntimeDiscoveryServer;
import io.remora.xds.ads.TestControlPlane;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.net.ServerSocket;
import java.net.Socket;
import java.util.concurrent.CopyOnWriteArrayList;

import java.util.List;

import static io.remora.e2e.xds.XdsAdsE2ETest.CDS;
import static io.remora.e2e.xds.XdsAdsE2ETest.EDS;
import static io.remora.e2e.xds.XdsAdsE2ETest.LDS;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The order of Envoy's xDS start-up as the control plane sees it: over ADS or not, LDS is asked for only once the
 * cluster manager is initialized (CDS's first response applied and its EDS clusters warmed), as RunHelper
 * initializes the init manager holding LdsApi's target from cm.setInitializedCb; RTDS once the static clusters are
 * initialized (onClusterManagerPrimaryInitializationComplete); CDS and the load stats stream once the runtime is ready
 * (RTDS's first response in), as onRuntimeReady calls initializeSecondaryClusters, which starts CDS and makes the
 * LoadStatsReporter.
 */
class XdsInitOrderE2ETest extends MeshTestBase {
    /** An RTDS layer named rtds-0 over the envoy_grpc cluster "rtds". */
    private static final String RTDS_LAYER = """
            layered_runtime:
              layers:
              - name: rtds
                rtds_layer:
                  name: rtds-0
                  rtds_config:
                    resource_api_version: V3
                    api_config_source:
                      api_type: GRPC
                      transport_api_version: V3
                      grpc_services: [{ envoy_grpc: { cluster_name: rtds } }]
            """;

    /** A static EDS cluster over ADS, service svc-static: a list item of the bootstrap's clusters. */
    private static final String STATIC_EDS_CLUSTER = """
              - name: static-eds
                type: EDS
                connect_timeout: 1s
                eds_cluster_config:
                  service_name: svc-static
                  eds_config: { ads: {}, resource_api_version: V3 }
            """;

    /** Index in the control plane's requests of the first one matching, or -1. */
    private static int first(List<DiscoveryRequest> requests, java.util.function.Predicate<DiscoveryRequest> p) {
        for (int i = 0; i < requests.size(); i++) {
            if (p.test(requests.get(i))) {
                return i;
            }
        }
        return -1;
    }

    @Test
    void ldsStreamOpensOnceTheClustersAndTheirEndpointsAreIn() throws Exception {
        mesh.rdsSource = XdsApiConfigSourceE2ETest.api(false);
        mesh.edsSource = XdsApiConfigSourceE2ETest.api(false);
        cp.set(mesh.snapshot());
        proxy = XdsProxy.start(XdsProxy.apiSourcesBootstrap(cp.port, false));
        cp.awaitRequest("the first LDS request", r -> r.getTypeUrl().equals(LDS));
        assertEquals("u-a", proxy.awaitReply("the LDS listener serves", mesh.listenerPort, "/hello",
                x -> x.status() == 200).body());

        List<DiscoveryRequest> seen = List.copyOf(cp.requests);
        int lds = first(seen, r -> r.getTypeUrl().equals(LDS));
        int cdsAck = first(seen, r -> r.getTypeUrl().equals(CDS) && r.getVersionInfo().equals("0"));
        int edsAck = first(seen, r -> r.getTypeUrl().equals(EDS) && r.getVersionInfo().equals("0"));
        int edsAsked = first(seen, r -> r.getTypeUrl().equals(EDS) && r.getResourceNamesList().contains("cluster-a"));
        assertTrue(cdsAck >= 0 && edsAck >= 0, "CDS and EDS ACKed: " + types(seen));
        // The ACKs go on the CDS and EDS streams, LDS's first request on a stream of its own, so the control plane
        // may see those in either order; that LDS waits for the clusters' load assignments is
        // ldsOverAdsIsAskedOnceTheCdsClustersEndpointsAreIn's, with them withheld.
        assertTrue(lds > edsAsked, "LDS asked for after the CDS clusters' EDS: " + types(seen));
        assertEquals("LIVE", proxy.admin("/ready").trim());
    }

    @ParameterizedTest(name = "delta={0}")
    @ValueSource(booleans = {false, true})
    void ldsOverAdsIsAskedOnceTheCdsClustersEndpointsAreIn(boolean delta) throws Exception {
        mesh.withholdEndpoints = true;
        cp.set(mesh.snapshot());
        proxy = XdsProxy.start(XdsProxy.adsBootstrap(cp.port, delta));
        if (delta) {
            cp.awaitDeltaRequest("EDS for the CDS clusters", r -> r.getTypeUrl().equals(EDS)
                    && r.getResourceNamesSubscribeList().contains("cluster-a"));
        } else {
            cp.awaitRequest("EDS for the CDS clusters", r -> r.getTypeUrl().equals(EDS)
                    && r.getResourceNamesList().contains("cluster-a"));
        }
        Thread.sleep(500);
        assertTrue(delta ? cp.deltaRequests(LDS).isEmpty() : cp.requests(LDS).isEmpty(),
                "no LDS request while the CDS clusters wait for their load assignments");
        assertEquals("INITIALIZING", proxy.admin("/ready").trim());

        mesh.withholdEndpoints = false;
        mesh.edsVersion = "1";
        int edsSent = (delta ? cp.deltaResponses : cp.responses).size();
        cp.set(mesh.snapshot());
        if (delta) {
            cp.awaitDeltaRequest("LDS once every CDS cluster is initialized", r -> r.getTypeUrl().equals(LDS));
        } else {
            cp.awaitRequest("LDS once every CDS cluster is initialized", r -> r.getTypeUrl().equals(LDS));
        }
        assertTrue((delta ? cp.deltaResponses.stream().skip(edsSent).anyMatch(r -> r.getTypeUrl().equals(EDS))
                : cp.responses.stream().skip(edsSent).anyMatch(r -> r.getTypeUrl().equals(EDS))),
                "the load assignments were sent before LDS was asked for");
        assertEquals("u-a", proxy.awaitReply("the LDS listener serves", mesh.listenerPort, "/hello",
                x -> x.status() == 200).body());
        assertEquals("LIVE", proxy.admin("/ready").trim());
    }

    @ParameterizedTest(name = "delta={0}")
    @ValueSource(booleans = {false, true})
    void edsResponseIsAckedWhileItsClusterWarms(boolean delta) throws Exception {
        // cluster-b's TLS certificate comes over SDS and is withheld: cluster-b warms on it, after its EDS
        mesh.bOverSds = true;
        mesh.withholdSecret = true;
        cp.set(mesh.snapshot());
        proxy = XdsProxy.start(XdsProxy.adsBootstrap(cp.port, delta));
        // As Envoy's mux ACKs each response once its subscription took it, whatever warms on it
        if (delta) {
            cp.awaitDeltaAck(EDS, "0");
        } else {
            cp.awaitSotwAck(EDS, "0");
        }
        Thread.sleep(300);
        assertTrue(delta ? cp.deltaRequests(LDS).isEmpty() : cp.requests(LDS).isEmpty(),
                "cluster-b still warms: LDS not asked for yet");
        assertEquals("INITIALIZING", proxy.admin("/ready").trim());
        String dump = proxy.admin("/init_dump");
        assertTrue(dump.contains("CDS"), "the load assignments applied ahead do not answer CDS: " + dump);

        mesh.withholdSecret = false;
        mesh.sdsVersion = "1";
        cp.set(mesh.snapshot());
        assertEquals("u-a", proxy.awaitReply("the LDS listener serves once the secret is in", mesh.listenerPort,
                "/hello", x -> x.status() == 200).body());
        assertEquals("LIVE", proxy.admin("/ready").trim());
    }

    @Test
    void loadStatsStreamOpensOnceTheStaticClustersAreInitialized() throws Exception {
        List<Socket> held = new CopyOnWriteArrayList<>();
        try (ServerSocket silent = new ServerSocket(0);
             LoadReportingServer lrs = new LoadReportingServer(LoadStatsResponse.newBuilder()
                     .setSendAllClusters(true).setLoadReportingInterval(Durations.fromSeconds(60)).build()).start()) {
            // A health-checked host that accepts and never answers: the cluster's first round is pending.
            SocketServers.acceptEach(silent, "silent-checked", held::add);
            String bootstrap = """
                    admin:
                      address: { socket_address: { address: 127.0.0.1, port_value: 0 } }
                    cluster_manager:
                      load_stats_config:
                        api_type: GRPC
                        transport_api_version: V3
                        grpc_services: [{ envoy_grpc: { cluster_name: lrs } }]
                    static_resources:
                      clusters:
                    """ + XdsProxy.checkedCluster("checked", silent.getLocalPort(), "http_health_check: { path: /healthz }")
                    + XdsProxy.grpcCluster("lrs", "{ socket_address: { address: 127.0.0.1, port_value: " + lrs.port() + " } }");
            proxy = XdsProxy.start(bootstrap);
            TestControlPlane.await("the health check connected", () -> !held.isEmpty());
            Thread.sleep(500);
            assertTrue(lrs.requests.isEmpty(), "no load report stream while a static cluster initializes: "
                    + lrs.requests.size());

            for (Socket s : held) {
                s.close(); // the check fails: the round is done
            }
            TestControlPlane.await("the first load stats request", () -> !lrs.requests.isEmpty());
        }
    }

    @Test
    void cdsLdsAndLoadStatsWaitForTheRuntime() throws Exception {
        try (RuntimeDiscoveryServer rtds = new RuntimeDiscoveryServer().start();
             LoadReportingServer lrs = new LoadReportingServer(LoadStatsResponse.newBuilder()
                     .setSendAllClusters(true).setLoadReportingInterval(Durations.fromSeconds(60)).build()).start()) {
            String bootstrap = XdsProxy.adsBootstrap(cp.port, false)
                    + XdsProxy.grpcCluster("rtds", "{ socket_address: { address: 127.0.0.1, port_value: " + rtds.port + " } }")
                    + XdsProxy.grpcCluster("lrs", "{ socket_address: { address: 127.0.0.1, port_value: " + lrs.port() + " } }")
                    + """
                    cluster_manager:
                      load_stats_config:
                        api_type: GRPC
                        transport_api_version: V3
                        grpc_services: [{ envoy_grpc: { cluster_name: lrs } }]
                    """ + RTDS_LAYER;
            cp.set(mesh.snapshot());
            proxy = XdsProxy.start(bootstrap);
            TestControlPlane.await("the RTDS request", () -> !rtds.requests.isEmpty());
            Thread.sleep(500); // the layer is withheld: the runtime is not ready
            assertTrue(cp.requests.isEmpty(), "neither CDS nor LDS before the runtime is ready: " + types(cp.requests));
            assertTrue(lrs.requests.isEmpty(), "no load stats stream before the runtime is ready");
            assertEquals("INITIALIZING", proxy.admin("/ready").trim());

            rtds.set(io.envoyproxy.envoy.service.runtime.v3.Runtime.newBuilder().setName("rtds-0").build(), "v1");
            cp.awaitRequest("CDS once the runtime is ready", r -> r.getTypeUrl().equals(CDS));
            TestControlPlane.await("the load stats stream once the runtime is ready", () -> !lrs.requests.isEmpty());
            cp.awaitRequest("LDS once the clusters are initialized", r -> r.getTypeUrl().equals(LDS));
            List<DiscoveryRequest> seen = List.copyOf(cp.requests);
            assertTrue(first(seen, r -> r.getTypeUrl().equals(CDS)) < first(seen, r -> r.getTypeUrl().equals(LDS)),
                    types(seen).toString());
            assertEquals("u-a", proxy.awaitReply("the LDS listener serves", mesh.listenerPort, "/hello",
                    x -> x.status() == 200).body());
        }
    }

    @Test
    void staticEdsClusterIsAskedForOnceTheRuntimeIsReadyAndCdsAfterIt() throws Exception {
        try (RuntimeDiscoveryServer rtds = new RuntimeDiscoveryServer().start()) {
            // A static EDS cluster is one of Envoy's secondary clusters: initialized once the runtime is ready, and
            // CDS only once it is (its load assignment in).
            String bootstrap = XdsProxy.adsBootstrap(cp.port, false)
                    + XdsProxy.grpcCluster("rtds", "{ socket_address: { address: 127.0.0.1, port_value: " + rtds.port + " } }")
                    + STATIC_EDS_CLUSTER + RTDS_LAYER;
            mesh.extraEndpoints = List.of(io.remora.xds.ads.XdsTestResources.endpoints("svc-static", mesh.portA));
            mesh.withholdEndpoints = true; // the static cluster's too: CDS waits for it
            cp.set(mesh.snapshot());
            proxy = XdsProxy.start(bootstrap);
            TestControlPlane.await("the RTDS request", () -> !rtds.requests.isEmpty());
            Thread.sleep(500); // the layer is withheld: the runtime is not ready
            assertTrue(cp.requests.isEmpty(), "no EDS for the static cluster before the runtime is ready: "
                    + types(cp.requests));

            rtds.set(io.envoyproxy.envoy.service.runtime.v3.Runtime.newBuilder().setName("rtds-0").build(), "v1");
            cp.awaitRequest("EDS for the static cluster once the runtime is ready", r -> r.getTypeUrl().equals(EDS)
                    && r.getResourceNamesList().contains("svc-static"));
            Thread.sleep(500);
            assertTrue(cp.requests(CDS).isEmpty(), "CDS waits for the static EDS cluster: " + types(cp.requests));

            mesh.withholdEndpoints = false;
            mesh.edsVersion = "1";
            cp.set(mesh.snapshot());
            cp.awaitRequest("CDS once the static EDS cluster is initialized", r -> r.getTypeUrl().equals(CDS));
            assertEquals("u-a", proxy.awaitReply("the LDS listener serves", mesh.listenerPort, "/hello",
                    x -> x.status() == 200).body());
            assertTrue(proxy.admin("/clusters").contains("static-eds::127.0.0.1:" + mesh.portA),
                    "the static EDS cluster has its host: " + proxy.admin("/clusters"));
        }
    }

    @ParameterizedTest(name = "delta={0}")
    @ValueSource(booleans = {false, true})
    void cdsWaitsForTheStaticEdsClustersWithoutRtds(boolean delta) throws Exception {
        String bootstrap = XdsProxy.adsBootstrap(cp.port, delta) + STATIC_EDS_CLUSTER;
        mesh.extraEndpoints = List.of(io.remora.xds.ads.XdsTestResources.endpoints("svc-static", mesh.portA));
        mesh.withholdEndpoints = true;
        cp.set(mesh.snapshot());
        proxy = XdsProxy.start(bootstrap);
        if (delta) {
            cp.awaitDeltaRequest("EDS for the static cluster", r -> r.getTypeUrl().equals(EDS)
                    && r.getResourceNamesSubscribeList().contains("svc-static"));
        } else {
            cp.awaitRequest("EDS for the static cluster", r -> r.getTypeUrl().equals(EDS)
                    && r.getResourceNamesList().contains("svc-static"));
        }
        Thread.sleep(500);
        assertTrue(delta ? cp.deltaRequests(CDS).isEmpty() : cp.requests(CDS).isEmpty(),
                "CDS waits for the static EDS cluster's load assignment");

        mesh.withholdEndpoints = false;
        mesh.edsVersion = "1";
        cp.set(mesh.snapshot());
        assertEquals("u-a", proxy.awaitReply("the LDS listener serves", mesh.listenerPort, "/hello",
                x -> x.status() == 200).body());
        String clusters = proxy.admin("/clusters");
        assertTrue(clusters.contains("static-eds::127.0.0.1:" + mesh.portA), clusters);
        // clusters_handler prints an EDS cluster's service_name only when it has one, after added_via_api
        assertTrue(clusters.contains("static-eds::added_via_api::false\nstatic-eds::eds_service_name::svc-static\n"), clusters);
        assertTrue(clusters.contains("cluster-b::added_via_api::true\ncluster-b::eds_service_name::svc-b\n"), clusters);
        assertTrue(clusters.contains("cluster-a::added_via_api::true\n"), clusters);
        assertFalse(clusters.contains("cluster-a::eds_service_name::"), clusters);
        String json = proxy.admin("/clusters?format=json");
        for (var c : com.google.gson.JsonParser.parseString(json).getAsJsonObject().getAsJsonArray("cluster_statuses")) {
            var o = c.getAsJsonObject();
            String name = o.get("name").getAsString();
            assertEquals(name.equals("static-eds") ? "svc-static" : name.equals("cluster-b") ? "svc-b" : null,
                    o.has("eds_service_name") ? o.get("eds_service_name").getAsString() : null, json);
            // false, the proto3 default, is left out
            assertEquals(name.startsWith("cluster-"), o.has("added_via_api"), json);
        }
    }

    @Test
    void rtdsWaitsForTheStaticClusters() throws Exception {
        List<Socket> held = new CopyOnWriteArrayList<>();
        try (ServerSocket silent = new ServerSocket(0); RuntimeDiscoveryServer rtds = new RuntimeDiscoveryServer().start()) {
            // A health-checked host that accepts and never answers: the static cluster's first round is pending.
            SocketServers.acceptEach(silent, "silent-checked", held::add);
            rtds.set(io.envoyproxy.envoy.service.runtime.v3.Runtime.newBuilder().setName("rtds-0").build(), "v1");
            String bootstrap = XdsProxy.adsBootstrap(cp.port, false)
                    + XdsProxy.grpcCluster("rtds", "{ socket_address: { address: 127.0.0.1, port_value: " + rtds.port + " } }")
                    + XdsProxy.checkedCluster("checked", silent.getLocalPort(), "http_health_check: { path: /healthz }")
                    + RTDS_LAYER;
            cp.set(mesh.snapshot());
            proxy = XdsProxy.start(bootstrap);
            TestControlPlane.await("the health check connected", () -> !held.isEmpty());
            Thread.sleep(500);
            assertTrue(rtds.requests.isEmpty(), "no RTDS request while a static cluster initializes");
            assertTrue(cp.requests.isEmpty(), "nor CDS or LDS: " + types(cp.requests));

            for (Socket s : held) {
                s.close(); // the check fails: the round is done
            }
            TestControlPlane.await("the RTDS request once the static clusters are initialized",
                    () -> !rtds.requests.isEmpty());
            cp.awaitRequest("then CDS", r -> r.getTypeUrl().equals(CDS));
            assertEquals("u-a", proxy.awaitReply("the LDS listener serves", mesh.listenerPort, "/hello",
                    x -> x.status() == 200).body());
        }
    }

    private static List<String> types(List<DiscoveryRequest> requests) {
        return requests.stream().map(r -> r.getTypeUrl().substring(r.getTypeUrl().lastIndexOf('.') + 1)
                + "@" + r.getVersionInfo()).toList();
    }
}
