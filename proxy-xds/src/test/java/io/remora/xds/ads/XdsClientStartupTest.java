package io.remora.xds.ads;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

import java.net.ServerSocket;
import java.util.Set;

import static io.remora.xds.ads.XdsTestResources.NODE;
import static io.remora.xds.ads.XdsTestResources.full;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A proxy that starts before its control plane keeps retrying with back-off and configures itself once it is up. */
class XdsClientStartupTest {
    @Test
    void retriesUntilTheControlPlaneComesUp() throws Exception {
        int port;
        try (ServerSocket probe = new ServerSocket(0)) {
            port = probe.getLocalPort();
        }
        RecordingApplier applier = new RecordingApplier();
        XdsClientOptions options = XdsClientOptions.ads(XdsTarget.tcp("127.0.0.1", port), false, NODE).withBackoff(20, 200);
        try (XdsClient client = new XdsClient(options, applier, new SimpleMeterRegistry())) {
            client.start();
            assertFalse(client.stats().connected());
            assertTrue(applier.applied.isEmpty());
            try (TestControlPlane cp = new TestControlPlane().startTcp(port)) {
                cp.set(full("1"));
                XdsSnapshot s = applier.await("a snapshot once the control plane is up", x -> true);
                assertEquals(Set.of("listener-0"), s.listeners().keySet());
                TestControlPlane.await("connected", () -> client.stats().connected());
                cp.awaitSotwAck(XdsResourceType.LISTENER.typeUrl, "1");
            }
        }
    }
}
