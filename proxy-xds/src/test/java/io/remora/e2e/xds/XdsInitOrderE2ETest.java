package io.remora.e2e.xds;

import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import org.junit.jupiter.api.Test;

import java.util.List;

import static io.remora.e2e.xds.XdsAdsE2ETest.CDS;
import static io.remora.e2e.xds.XdsAdsE2ETest.EDS;
import static io.remora.e2e.xds.XdsAdsE2ETest.LDS;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The order of Envoy's xDS start-up as the control plane sees it: without ADS, LDS is asked for only once the
 * cluster manager is initialized (CDS's first response applied and its EDS clusters warmed), as RunHelper
 * initializes the init manager holding LdsApi's target from cm.setInitializedCb.
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

    private static List<String> types(List<DiscoveryRequest> requests) {
        return requests.stream().map(r -> r.getTypeUrl().substring(r.getTypeUrl().lastIndexOf('.') + 1)
                + "@" + r.getVersionInfo()).toList();
    }
}
