package io.remora.e2e.xds;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.List;

import static io.remora.e2e.xds.XdsAdsE2ETest.LDS;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A listener whose address cannot be bound fails its LDS update, before the update is ACKed: Envoy binds as
 * ListenerManagerImpl::addOrUpdateListener takes each listener of the update, and LdsApiImpl::onConfigUpdate adds the
 * others and NACKs with the failed one's error ({@code Error adding/updating listener(s) <name>: cannot bind ...}),
 * also when the listeners would warm (the early ACK is not sent). The port is held by a real socket of another owner.
 */
class XdsListenerBindE2ETest extends MeshTestBase {

    @ParameterizedTest(name = "delta={0} warming={1}")
    @CsvSource({"false,false", "false,true", "true,false", "true,true"})
    void aListenerThatCannotBindFailsTheUpdateWhileTheOthersAreAdded(boolean delta, boolean warming) throws Exception {
        cp.set(mesh.snapshot());
        proxy = XdsProxy.start(XdsProxy.adsBootstrap(cp.port, delta));
        proxy.awaitReply("the mesh serves", mesh.listenerPort, "/hello", x -> x.status() == 200);

        try (ServerSocket taken = new ServerSocket(0, 50, InetAddress.getByName("127.0.0.1"))) {
            int held = taken.getLocalPort();
            int free = XdsProxy.freePort();
            mesh.extraListenerPorts = List.of(held, free);
            // warming, the new listeners wait for their routes and the update would be ACKed ahead; else it is
            // applied at once
            mesh.withholdExtraRoute = warming;
            mesh.extraOnRunningRoute = !warming;
            mesh.ldsVersion = "1";
            cp.set(mesh.snapshot());

            assertEquals("Error adding/updating listener(s) listener-" + held + ": cannot bind '127.0.0.1:" + held
                    + "': Address already in use\n", cp.awaitNack(delta, LDS, "0"));
            if (warming) {
                mesh.withholdExtraRoute = false;
                mesh.rdsVersion = "1";
                cp.set(mesh.snapshot());
            }
            assertEquals("u-a", proxy.awaitReply("the other new listener is added", free, "/hello",
                    x -> x.status() == 200).body());
            assertEquals("u-a", proxy.get(mesh.listenerPort, "/hello").body(), "what ran goes on");
            String listeners = proxy.admin("/listeners");
            assertTrue(listeners.contains("listener-" + free + "::"), listeners);
            assertFalse(listeners.contains("listener-" + held + "::"), listeners);
            assertEquals(1.0, proxy.metric("envoy_listener_manager_lds_update_success"), "only the first update took");
            assertTrue(proxy.metric("envoy_listener_manager_lds_update_rejected") >= 1.0);
        }
    }
}
