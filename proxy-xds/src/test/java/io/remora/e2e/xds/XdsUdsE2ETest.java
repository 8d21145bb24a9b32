package io.remora.e2e.xds;

import io.netty.channel.epoll.Epoll;
import io.remora.e2e.TestUpstream;
import io.remora.xds.ads.TestControlPlane;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static io.remora.e2e.xds.XdsAdsE2ETest.EDS;
import static io.remora.e2e.xds.XdsAdsE2ETest.LDS;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Istio's shape: the bootstrap's xds-grpc cluster is a pipe (./etc/istio/proxy/XDS), delta ADS over it. */
class XdsUdsE2ETest {
    @TempDir
    Path dir;

    @Test
    void adsOverAUnixSocketRoutesRealTraffic() throws Exception {
        assertTrue(Epoll.isAvailable(), "native epoll transport: " + Epoll.unavailabilityCause());
        String socket = dir.resolve("XDS").toString();
        try (TestUpstream a = TestUpstream.text("u-a"); TestUpstream b = TestUpstream.text("u-b");
             TestControlPlane cp = new TestControlPlane().startUds(socket)) {
            Mesh mesh = new Mesh(XdsProxy.freePort(), a.port(), b.port());
            cp.set(mesh.snapshot());
            try (XdsProxy proxy = XdsProxy.start(XdsProxy.udsBootstrap(socket))) {
                cp.awaitDeltaAck(LDS, "0");
                cp.awaitDeltaAck(EDS, "0");
                assertEquals("u-a", proxy.awaitReply("routed over the UDS-delivered config", mesh.listenerPort, "/",
                        r -> r.status() == 200).body());
                assertEquals(1.0, proxy.metric("envoy_control_plane_connected_state"));
            }
        }
    }
}
