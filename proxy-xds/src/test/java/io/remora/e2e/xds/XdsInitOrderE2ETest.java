package io.remora.e2e.xds;

import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import com.google.protobuf.util.Durations;
import io.envoyproxy.envoy.service.load_stats.v3.LoadStatsResponse;
import io.remora.e2e.LoadReportingServer;
import io.remora.testing.SocketServers;
import io.remora.xds.ads.TestControlPlane;
import org.junit.jupiter.api.Test;

import java.net.ServerSocket;
import java.net.Socket;
import java.util.concurrent.CopyOnWriteArrayList;

import java.util.List;

import static io.remora.e2e.xds.XdsAdsE2ETest.CDS;
import static io.remora.e2e.xds.XdsAdsE2ETest.EDS;
import static io.remora.e2e.xds.XdsAdsE2ETest.LDS;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The order of Envoy's xDS start-up as the control plane sees it: without ADS, LDS is asked for only once the
 * cluster manager is initialized (CDS's first response applied and its EDS clusters warmed), as RunHelper
 * initializes the init manager holding LdsApi's target from cm.setInitializedCb; the load stats stream once the
 * static clusters are, as the cluster manager makes its LoadStatsReporter in initializeSecondaryClusters.
 */
class XdsInitOrderE2ETest extends MeshTestBase {

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
        assertTrue(cdsAck >= 0 && edsAck >= 0, "CDS and EDS ACKed: " + types(seen));
        assertTrue(lds > cdsAck && lds > edsAck, "LDS asked for after CDS and EDS were applied: " + types(seen));
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

    private static List<String> types(List<DiscoveryRequest> requests) {
        return requests.stream().map(r -> r.getTypeUrl().substring(r.getTypeUrl().lastIndexOf('.') + 1)
                + "@" + r.getVersionInfo()).toList();
    }
}
