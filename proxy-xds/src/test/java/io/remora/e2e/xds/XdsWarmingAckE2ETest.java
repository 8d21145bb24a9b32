package io.remora.e2e.xds;

import io.remora.xds.ads.TestControlPlane;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.net.ConnectException;
import java.net.Socket;

import static io.remora.e2e.xds.XdsAdsE2ETest.CDS;
import static io.remora.e2e.xds.XdsAdsE2ETest.LDS;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * CDS and LDS responses are ACKed as soon as they are applied, while the clusters and listeners they bring warm, as
 * Envoy's mux ACKs every response its subscription took (grpc_mux_impl.cc onDiscoveryResponse): CdsApiImpl and
 * LdsApiImpl add the warming clusters and listeners and return, the ACK goes out, warming goes on behind it. A control
 * plane such as istiod shows the proxy in sync meanwhile, not STALE.
 */
class XdsWarmingAckE2ETest extends MeshTestBase {

    private void awaitAck(boolean delta, String typeUrl, String version) {
        if (delta) {
            cp.awaitDeltaAck(typeUrl, version);
        } else {
            cp.awaitSotwAck(typeUrl, version);
        }
    }

    @ParameterizedTest(name = "delta={0}")
    @ValueSource(booleans = {false, true})
    void cdsIsAckedWhileItsClustersWaitForTheirEndpoints(boolean delta) throws Exception {
        mesh.withholdEndpoints = true;
        cp.set(mesh.snapshot());
        proxy = XdsProxy.start(XdsProxy.adsBootstrap(cp.port, delta));

        awaitAck(delta, CDS, "0");
        Thread.sleep(300);
        assertTrue(delta ? cp.deltaRequests(LDS).isEmpty() : cp.requests(LDS).isEmpty(),
                "the ACKed clusters still warm: LDS not asked for yet");
        assertEquals("INITIALIZING", proxy.admin("/ready").trim());

        mesh.withholdEndpoints = false;
        mesh.edsVersion = "1";
        cp.set(mesh.snapshot());
        assertEquals("u-a", proxy.awaitReply("the listener serves once the clusters warmed", mesh.listenerPort,
                "/hello", x -> x.status() == 200).body());
        assertEquals("LIVE", proxy.admin("/ready").trim());
    }

    @ParameterizedTest(name = "delta={0}")
    @ValueSource(booleans = {false, true})
    void clustersAckedWhileWarmingOutliveTheStream(boolean delta) throws Exception {
        mesh.withholdEndpoints = true;
        cp.set(mesh.snapshot());
        proxy = XdsProxy.start(XdsProxy.adsBootstrap(cp.port, delta));
        awaitAck(delta, CDS, "0");

        int port = cp.port;
        cp.stop();
        TestControlPlane restarted = new TestControlPlane();
        try {
            restarted.startTcp(port);
            mesh.withholdEndpoints = false;
            restarted.set(mesh.snapshot());
            // the new stream names the warming clusters as held, as Envoy's CDS subscription does: a SotW server
            // need not send them again, and they warm on
            if (delta) {
                var cds = restarted.awaitDeltaRequest("CDS on the new stream", r -> r.getTypeUrl().equals(CDS));
                assertEquals(java.util.Set.of("cluster-a", "cluster-b"), cds.getInitialResourceVersionsMap().keySet());
            } else {
                assertEquals("0", restarted.awaitRequest("CDS on the new stream", r -> r.getTypeUrl().equals(CDS))
                        .getVersionInfo());
            }
            assertEquals("u-a", proxy.awaitReply("the listener serves once the clusters warmed", mesh.listenerPort,
                    "/hello", x -> x.status() == 200).body());
            assertEquals("LIVE", proxy.admin("/ready").trim());
        } finally {
            restarted.close();
        }
    }

    @ParameterizedTest(name = "delta={0}")
    @ValueSource(booleans = {false, true})
    void ldsIsAckedWhileItsListenerWaitsForItsRoutes(boolean delta) throws Exception {
        mesh.withholdRoutes = true;
        cp.set(mesh.snapshot());
        proxy = XdsProxy.start(XdsProxy.adsBootstrap(cp.port, delta));

        awaitAck(delta, LDS, "0");
        Thread.sleep(300);
        assertThrows(ConnectException.class, () -> new Socket("127.0.0.1", mesh.listenerPort).close(),
                "a warming listener does not listen");
        assertEquals("INITIALIZING", proxy.admin("/ready").trim());

        mesh.withholdRoutes = false;
        mesh.rdsVersion = "1";
        cp.set(mesh.snapshot());
        assertEquals("u-a", proxy.awaitReply("the listener serves once its routes are in", mesh.listenerPort,
                "/hello", x -> x.status() == 200).body());
        assertEquals("LIVE", proxy.admin("/ready").trim());
    }

    @ParameterizedTest(name = "delta={0}")
    @ValueSource(booleans = {false, true})
    void warmingClusterUpdateIsAckedReplacedAndNackedOnTheAckedVersion(boolean delta) throws Exception {
        cp.set(mesh.snapshot());
        proxy = XdsProxy.start(XdsProxy.adsBootstrap(cp.port, delta));
        proxy.awaitReply("the mesh serves", mesh.listenerPort, "/hello", x -> x.status() == 200);

        // cluster-b changes to take its certificate over SDS, withheld: it warms, the running one serves
        mesh.bOverSds = true;
        mesh.withholdSecret = true;
        mesh.cdsVersion = "1";
        cp.set(mesh.snapshot());
        awaitAck(delta, CDS, "1");
        assertEquals("u-a", proxy.get(mesh.listenerPort, "/hello").body(), "what runs serves meanwhile");

        // an invalid update is NACKed naming the version ACKed last, the warming one, which it leaves warming
        mesh.badCluster = true;
        mesh.cdsVersion = "2";
        cp.set(mesh.snapshot());
        String error = cp.awaitNack(delta, CDS, "1");
        assertTrue(error.contains("cluster-bad"), error);

        // a newer valid update replaces the warming one, ACKed in turn while it warms on the same secret
        mesh.badCluster = false;
        mesh.clusterGen++;
        mesh.cdsVersion = "3";
        cp.set(mesh.snapshot());
        awaitAck(delta, CDS, "3");
        assertEquals("u-a", proxy.get(mesh.listenerPort, "/hello").body());
    }
}
