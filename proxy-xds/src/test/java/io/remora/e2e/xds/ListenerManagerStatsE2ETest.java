package io.remora.e2e.xds;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Envoy's {@code listener_manager.*} stats through LDS updates from java-control-plane, as ListenerManagerImpl counts
 * them (listener_manager_impl.cc): addOrUpdateListener's listener_added / listener_modified (as LDS brings a listener,
 * warming or not, which dumpListenerConfigs shows in warming_state) and, for a change of the
 * filter chains only, listener_in_place_updated; each worker's add of a listener (listener_create_success, two
 * workers here); removeListener's listener_removed (a warming one too); the warming and active lists, and what drains (for the
 * bootstrap's drain time, Envoy's default 600 s: still draining when the test ends).
 */
class ListenerManagerStatsE2ETest extends MeshTestBase {
    private static final String LM = "envoy_listener_manager_";

    @ParameterizedTest(name = "delta={0}")
    @ValueSource(booleans = {false, true})
    void listenerUpdatesCountAsEnvoysListenerManagerCountsThem(boolean delta) throws Exception {
        cp.set(mesh.snapshot());
        proxy = XdsProxy.start(XdsProxy.adsBootstrap(cp.port, delta));
        proxy.awaitReply("the mesh serves", mesh.listenerPort, "/hello", x -> x.status() == 200);
        expect(1, 0, 0, 0, 2);
        assertEquals(1.0, proxy.metric(LM + "total_listeners_active"));
        assertEquals(0.0, proxy.metric(LM + "total_listeners_warming"));

        // the HCM's server_name lives in the filter chain: an in-place update, its old chain drains
        mesh.serverName = "gen-1";
        mesh.ldsVersion = "1";
        cp.set(mesh.snapshot());
        proxy.awaitReply("the new chain serves", mesh.listenerPort, "/hello", x -> x.server().equals("gen-1"));
        expect(1, 1, 1, 0, 4);
        assertEquals(1.0, proxy.metric(LM + "total_filter_chains_draining"));
        assertEquals(0.0, proxy.metric(LM + "total_listeners_draining"));
        assertFalse(dynamicListener("listener-0").has("draining_state"), "updated in place: its chain alone drains");

        // a new listener warms for its route configuration, then joins the active ones
        int extra = XdsProxy.freePort();
        mesh.extraListenerPorts = List.of(extra);
        mesh.withholdExtraRoute = true;
        mesh.ldsVersion = "2";
        cp.set(mesh.snapshot());
        proxy.awaitMetric(LM + "total_listeners_warming", 1.0);
        assertEquals(1.0, proxy.metric(LM + "total_listeners_active"));
        assertEquals(4.0, proxy.metric(LM + "listener_create_success"), "not on the workers while it warms");
        // added as LDS brings it (addOrUpdateListener), and dumped warming beside the active one
        expect(2, 1, 1, 0, 4);
        JsonObject warming = dynamicListener("listener-" + extra);
        assertTrue(warming.has("warming_state"), warming.toString());
        if (!delta) { // a delta resource's version is its own
            assertEquals("2", warming.getAsJsonObject("warming_state").get("version_info").getAsString());
        }
        assertFalse(warming.has("active_state"), warming.toString());
        assertTrue(dynamicListener("listener-0").has("active_state"));

        // removed while it warms: removeListener counts it, then LDS brings it again
        mesh.extraListenerPorts = List.of();
        mesh.ldsVersion = "2r";
        cp.set(mesh.snapshot());
        proxy.awaitMetric(LM + "listener_removed", 1.0);
        assertEquals(0.0, proxy.metric(LM + "total_listeners_warming"));
        assertNull(dynamicListenerOrNull("listener-" + extra));
        mesh.extraListenerPorts = List.of(extra);
        mesh.ldsVersion = "2";
        cp.set(mesh.snapshot());
        proxy.awaitMetric(LM + "total_listeners_warming", 1.0);
        expect(3, 1, 1, 1, 4);

        mesh.withholdExtraRoute = false;
        mesh.rdsVersion = "1";
        cp.set(mesh.snapshot());
        proxy.awaitReply("the new listener serves", extra, "/hello", x -> x.status() == 200);
        assertEquals(0.0, proxy.metric(LM + "total_listeners_warming"));
        assertEquals(2.0, proxy.metric(LM + "total_listeners_active"));
        expect(3, 1, 1, 1, 6);
        assertTrue(dynamicListener("listener-" + extra).has("active_state"));
        assertFalse(dynamicListener("listener-" + extra).has("warming_state"));

        // removed: it drains, then is gone
        mesh.extraListenerPorts = List.of();
        mesh.ldsVersion = "3";
        cp.set(mesh.snapshot());
        proxy.awaitMetric(LM + "listener_removed", 2.0);
        assertEquals(1.0, proxy.metric(LM + "total_listeners_active"));
        assertEquals(1.0, proxy.metric(LM + "total_listeners_draining"));
        expect(3, 1, 1, 2, 6);
        // dumped in draining_state for the drain time, as dumpListenerConfigs shows Envoy's draining list
        JsonObject drained = dynamicListener("listener-" + extra);
        assertTrue(drained.has("draining_state") && !drained.has("active_state"), drained.toString());
        assertEquals(0.0, proxy.metric(LM + "listener_create_failure"));
    }

    private JsonObject dynamicListener(String name) {
        JsonObject l = dynamicListenerOrNull(name);
        assertNotNull(l, name + " in " + proxy.admin("/config_dump?resource=dynamic_listeners"));
        return l;
    }

    private JsonObject dynamicListenerOrNull(String name) {
        JsonObject dump = JsonParser.parseString(proxy.admin("/config_dump?resource=dynamic_listeners")).getAsJsonObject();
        for (JsonElement e : dump.getAsJsonArray("configs")) {
            if (e.getAsJsonObject().has("name") && e.getAsJsonObject().get("name").getAsString().equals(name)) {
                return e.getAsJsonObject();
            }
        }
        return null;
    }

    private void expect(int added, int modified, int inPlace, int removed, int createSuccess) {
        String stats = "added=" + proxy.metric(LM + "listener_added") + " modified=" + proxy.metric(LM + "listener_modified")
                + " in_place=" + proxy.metric(LM + "listener_in_place_updated") + " removed="
                + proxy.metric(LM + "listener_removed") + " create_success=" + proxy.metric(LM + "listener_create_success");
        assertEquals("added=" + (double) added + " modified=" + (double) modified + " in_place=" + (double) inPlace
                + " removed=" + (double) removed + " create_success=" + (double) createSuccess, stats);
    }
}
