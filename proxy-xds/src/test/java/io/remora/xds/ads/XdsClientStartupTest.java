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
                XdsSnapshot s = applier.await("the listeners once the control plane is up", x -> !x.listeners().isEmpty());
                assertEquals(Set.of("listener-0"), s.listeners().keySet());
                TestControlPlane.await("connected", () -> client.stats().connected());
                cp.awaitSotwAck(XdsResourceType.LISTENER.typeUrl, "1");
            }
        }
    }

    /**
     * A control plane that takes connections and drops them: the client must try again at its own back-off's pace,
     * not at grpc-java's reconnect back-off (1 s, 1.6 s, 2.6 s... up to 120 s), which would allow two tries here.
     */
    @Test
    void reconnectsAtItsOwnBackOffNotGrpcsAfterFailedConnections() throws Exception {
        java.util.concurrent.atomic.AtomicInteger accepted = new java.util.concurrent.atomic.AtomicInteger();
        try (ServerSocket dropping = new ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress())) {
            Thread t = new Thread(() -> {
                while (!dropping.isClosed()) {
                    try (java.net.Socket s = dropping.accept()) {
                        accepted.incrementAndGet();
                    } catch (java.io.IOException e) {
                        return;
                    }
                }
            });
            t.setDaemon(true);
            t.start();
            XdsClientOptions options = XdsClientOptions.ads(XdsTarget.tcp("127.0.0.1", dropping.getLocalPort()), false,
                    NODE).withBackoff(10, 40);
            try (XdsClient client = new XdsClient(options, new RecordingApplier(), new SimpleMeterRegistry())) {
                client.start();
                TestControlPlane.await("a first connection", () -> accepted.get() > 0);
                int first = accepted.get();
                Thread.sleep(2000);
                int more = accepted.get() - first;
                assertTrue(more >= 10, "connection attempts in 2 s with a 10-40 ms back-off: " + more);
            }
        }
    }
}
