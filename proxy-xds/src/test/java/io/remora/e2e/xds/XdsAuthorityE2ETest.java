package io.remora.e2e.xds;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The :authority of the xDS stream over an envoy_grpc service, as Envoy's gRPC client sends it: the
 * service's authority when set, else the cluster's name as it is (Istio's outbound|port||host names
 * too), never the host and port dialled.
 */
class XdsAuthorityE2ETest extends MeshTestBase {

    private List<String> authoritiesOfTheFirstRequests(String bootstrap) throws Exception {
        proxy = XdsProxy.start(bootstrap);
        cp.awaitRequest("the first CDS request", r -> r.getTypeUrl().equals(XdsAdsE2ETest.CDS));
        assertFalse(cp.authorities.isEmpty(), "the control plane saw the call");
        return cp.authorities;
    }

    @Test
    void theClusterNameIsTheAuthority() throws Exception {
        String name = "outbound|15010||istiod.istio-system.svc.cluster.local";
        String bootstrap = XdsProxy.adsBootstrap(cp.port, false).replace("xds-grpc", name);
        assertTrue(bootstrap.contains("cluster_name: " + name), bootstrap);
        for (String a : authoritiesOfTheFirstRequests(bootstrap)) {
            assertEquals(name, a);
        }
    }

    @Test
    void theEnvoyGrpcAuthorityWins() throws Exception {
        String bootstrap = XdsProxy.adsBootstrap(cp.port, false).replace("envoy_grpc: { cluster_name: xds-grpc }",
                "envoy_grpc: { cluster_name: xds-grpc, authority: istiod.istio-system.svc }");
        assertTrue(bootstrap.contains("authority: istiod"), bootstrap);
        for (String a : authoritiesOfTheFirstRequests(bootstrap)) {
            assertEquals("istiod.istio-system.svc", a);
        }
    }
}
