package io.remora.e2e.xds;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.remora.e2e.TestUpstream;
import io.remora.xds.ads.TestControlPlane;
import io.remora.xds.ads.XdsResourceType;
import org.junit.jupiter.api.Test;

import java.time.Instant;

import static io.remora.e2e.xds.XdsAdsE2ETest.CDS;
import static io.remora.e2e.xds.XdsAdsE2ETest.EDS;
import static io.remora.e2e.xds.XdsAdsE2ETest.LDS;
import static io.remora.e2e.xds.XdsAdsE2ETest.RDS;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What an operator sees on the admin: /config_dump of the dynamic resources and the xDS counters in /stats/prometheus. */
class XdsConfigDumpE2ETest {
    private static final String SDS = XdsResourceType.SECRET.typeUrl;

    @Test
    void configDumpAndXdsMetrics() throws Exception {
        try (TestUpstream a = TestUpstream.text("u-a"); TestUpstream b = TestUpstream.text("u-b");
             TestControlPlane cp = new TestControlPlane().startTcp(0)) {
            Mesh mesh = new Mesh(XdsProxy.freePort(), a.port(), b.port());
            mesh.withSecret = true;
            cp.set(mesh.snapshot());
            Instant started = Instant.now().minusSeconds(1);
            try (XdsProxy proxy = XdsProxy.start(XdsProxy.adsBootstrap(cp.port, false))) {
                for (String t : new String[] {LDS, RDS, CDS, EDS, SDS}) {
                    cp.awaitSotwAck(t, "0");
                }
                proxy.awaitReply("routing", mesh.listenerPort, "/", r -> r.body().equals("u-a"));

                String dumpText = proxy.admin("/config_dump?include_eds");
                assertFalse(dumpText.contains(Mesh.PRIVATE_KEY.split("\n")[1]), "the private key is redacted");
                JsonObject dump = JsonParser.parseString(dumpText).getAsJsonObject();
                JsonObject listeners = section(dump, "ListenersConfigDump");
                JsonObject l0 = find(listeners.getAsJsonArray("dynamic_listeners"), "name", "listener-0");
                assertDynamic(l0.getAsJsonObject("active_state"), "0", started);
                assertEquals("listener-0", l0.getAsJsonObject("active_state").getAsJsonObject("listener").get("name").getAsString());

                JsonArray routes = section(dump, "RoutesConfigDump").getAsJsonArray("dynamic_route_configs");
                assertEquals(1, routes.size());
                assertDynamic(routes.get(0).getAsJsonObject(), "0", started);
                assertEquals("route-0", routes.get(0).getAsJsonObject().getAsJsonObject("route_config").get("name").getAsString());

                JsonArray clusters = section(dump, "ClustersConfigDump").getAsJsonArray("dynamic_active_clusters");
                for (String name : new String[] {"cluster-a", "cluster-b", "cluster-tls"}) {
                    JsonObject c = findNested(clusters, "cluster", name);
                    assertDynamic(c, "0", started);
                }
                JsonObject staticXds = findNested(section(dump, "ClustersConfigDump").getAsJsonArray("static_clusters"), "cluster", "xds-grpc");
                assertNotNull(staticXds, "the bootstrap's static cluster is dumped too");

                JsonArray eps = section(dump, "EndpointsConfigDump").getAsJsonArray("dynamic_endpoint_configs");
                assertEquals(2, eps.size());
                for (JsonElement e : eps) {
                    assertDynamic(e.getAsJsonObject(), "0", started);
                }
                JsonObject cla = findNested(eps, "endpoint_config", "svc-b", "cluster_name");
                assertTrue(cla.toString().contains(Integer.toString(b.port())), "endpoints carry the upstream port: " + cla);

                JsonArray secrets = section(dump, "SecretsConfigDump").getAsJsonArray("dynamic_active_secrets");
                assertEquals(1, secrets.size());
                JsonObject secret = secrets.get(0).getAsJsonObject();
                assertEquals("client-cert", secret.get("name").getAsString());
                assertDynamic(secret, "0", started);
                String key = secret.getAsJsonObject("secret").getAsJsonObject("tls_certificate")
                        .getAsJsonObject("private_key").get("inline_string").getAsString();
                assertEquals("[redacted]", key);

                // initial fetch: one success per type and per RDS/EDS resource
                assertEquals(1.0, proxy.metric("envoy_control_plane_connected_state"));
                assertEquals(1.0, proxy.metric("envoy_listener_manager_lds_update_success"));
                assertEquals(1.0, proxy.metric("envoy_cluster_manager_cds_update_success"));
                assertEquals(1.0, proxy.metric("envoy_http_rds_update_success", "\"route-0\"", "\"ingress_listener-0\""));
                assertEquals(1.0, proxy.metric("envoy_cluster_update_success", "envoy_cluster_name=\"cluster-a\""));
                assertEquals(1.0, proxy.metric("envoy_cluster_update_success", "envoy_cluster_name=\"cluster-b\""));
                assertEquals(0.0, proxy.metric("envoy_listener_manager_lds_update_rejected"));
                assertEquals(0.0, proxy.metric("envoy_cluster_manager_cds_update_rejected"));
                // update_time: when the update was accepted, in ms since the epoch (GrpcSubscriptionImpl)
                for (String t : new String[] {"envoy_listener_manager_lds_update_time", "envoy_cluster_manager_cds_update_time"}) {
                    double at = proxy.metric(t);
                    assertTrue(at >= started.toEpochMilli() && at <= System.currentTimeMillis(), t + " " + at);
                }

                // a bad cluster: NACKed (java-control-plane re-sends on NACK, so count the NACKs it saw), then fixed
                mesh.badCluster = true;
                mesh.cdsVersion = "1";
                cp.set(mesh.snapshot());
                DiscoveryRequest cdsNack = cp.awaitRequest("CDS NACK", r -> r.getTypeUrl().equals(CDS) && r.hasErrorDetail());
                assertTrue(cdsNack.getErrorDetail().getMessage().contains("cluster-bad")
                        && cdsNack.getErrorDetail().getMessage().contains("lb_policy"), cdsNack.getErrorDetail().getMessage());
                mesh.badCluster = false;
                mesh.cdsVersion = "2";
                cp.set(mesh.snapshot());
                cp.awaitSotwAck(CDS, "2");
                long cdsNacks = cp.requests(CDS).stream().filter(DiscoveryRequest::hasErrorDetail).count();
                TestControlPlane.await("cds success 2", () -> proxy.metric("envoy_cluster_manager_cds_update_success") == 2.0);
                assertEquals((double) cdsNacks, proxy.metric("envoy_cluster_manager_cds_update_rejected"));

                // a bad listener, then fixed
                mesh.badListener = true;
                mesh.ldsVersion = "1";
                cp.set(mesh.snapshot());
                DiscoveryRequest ldsNack = cp.awaitRequest("LDS NACK", r -> r.getTypeUrl().equals(LDS) && r.hasErrorDetail());
                assertTrue(ldsNack.getErrorDetail().getMessage().contains("listener-bad")
                        && ldsNack.getErrorDetail().getMessage().contains("port_value"), ldsNack.getErrorDetail().getMessage());
                mesh.badListener = false;
                mesh.ldsVersion = "2";
                mesh.serverName = "gen-2";
                cp.set(mesh.snapshot());
                cp.awaitSotwAck(LDS, "2");
                long ldsNacks = cp.requests(LDS).stream().filter(DiscoveryRequest::hasErrorDetail).count();
                TestControlPlane.await("lds success 2", () -> proxy.metric("envoy_listener_manager_lds_update_success") == 2.0);
                assertEquals((double) ldsNacks, proxy.metric("envoy_listener_manager_lds_update_rejected"));
                proxy.awaitReply("the fixed listener", mesh.listenerPort, "/", r -> r.server().equals("gen-2"));

                // RDS and EDS responses count on each resource they bring
                mesh.target = "cluster-b";
                mesh.rdsVersion = "3";
                mesh.portA = b.port();
                mesh.edsVersion = "3";
                cp.set(mesh.snapshot());
                cp.awaitSotwAck(RDS, "3");
                cp.awaitSotwAck(EDS, "3");
                TestControlPlane.await("rds success 2",
                        () -> proxy.metric("envoy_http_rds_update_success", "\"route-0\"") == 2.0);
                assertEquals(2.0, proxy.metric("envoy_cluster_update_success", "envoy_cluster_name=\"cluster-a\""));
                // svc-b did not change, but the response brought it: Envoy's mux hands it to its watch all the same
                assertEquals(2.0, proxy.metric("envoy_cluster_update_success", "envoy_cluster_name=\"cluster-b\""));
                assertEquals(1.0, proxy.metric("envoy_cluster_update_no_rebuild", "envoy_cluster_name=\"cluster-b\""));
                assertEquals(0.0, proxy.metric("envoy_cluster_update_no_rebuild", "envoy_cluster_name=\"cluster-a\""));

                JsonObject after = JsonParser.parseString(proxy.admin("/config_dump?include_eds")).getAsJsonObject();
                assertEquals("2", section(after, "ListenersConfigDump").get("version_info").getAsString());
                // v1 only added a cluster that failed and v2 changed none: Envoy's CdsApiHelper sets the version
                // shown only when a cluster is added, changed or removed (any_applied)
                assertEquals("0", section(after, "ClustersConfigDump").get("version_info").getAsString());
                JsonArray eps2 = section(after, "EndpointsConfigDump").getAsJsonArray("dynamic_endpoint_configs");
                assertEquals("3", findNested(eps2, "endpoint_config", "cluster-a", "cluster_name").get("version_info").getAsString());
            }
        }
    }

    static JsonObject section(JsonObject dump, String type) {
        for (JsonElement e : dump.getAsJsonArray("configs")) {
            if (e.getAsJsonObject().get("@type").getAsString().endsWith("." + type)) {
                return e.getAsJsonObject();
            }
        }
        throw new AssertionError("no " + type + " in /config_dump");
    }

    static JsonObject find(JsonArray arr, String field, String value) {
        for (JsonElement e : arr) {
            if (e.getAsJsonObject().has(field) && e.getAsJsonObject().get(field).getAsString().equals(value)) {
                return e.getAsJsonObject();
            }
        }
        throw new AssertionError("no " + field + "=" + value + " in " + arr);
    }

    static JsonObject findNested(JsonArray arr, String inner, String name) {
        return findNested(arr, inner, name, "name");
    }

    static JsonObject findNested(JsonArray arr, String inner, String name, String nameField) {
        for (JsonElement e : arr) {
            JsonObject in = e.getAsJsonObject().getAsJsonObject(inner);
            if (in != null && in.has(nameField) && in.get(nameField).getAsString().equals(name)) {
                return e.getAsJsonObject();
            }
        }
        throw new AssertionError("no " + inner + " named " + name + " in " + arr);
    }

    /** version_info as given and a last_updated since the test began. */
    private static void assertDynamic(JsonObject o, String version, Instant notBefore) {
        assertEquals(version, o.get("version_info").getAsString(), o.toString());
        Instant updated = Instant.parse(o.get("last_updated").getAsString());
        assertTrue(!updated.isBefore(notBefore) && !updated.isAfter(Instant.now()), "last_updated " + updated);
    }
}
