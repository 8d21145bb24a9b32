package io.remora.e2e.xds;

import io.envoyproxy.envoy.config.core.v3.ControlPlane;
import io.remora.e2e.TestUpstream;
import io.remora.xds.ads.TestControlPlane;
import org.junit.jupiter.api.Test;

import static io.remora.e2e.xds.XdsAdsE2ETest.CDS;
import static io.remora.e2e.xds.XdsAdsE2ETest.LDS;
import static io.remora.e2e.xds.XdsAdsE2ETest.RDS;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The xDS text readouts over ADS from java-control-plane: {@code control_plane.identifier}, set from each response's
 * {@code control_plane} (GrpcMuxImpl's ControlPlaneStats, source/extensions/config_subscription/grpc/grpc_mux_impl.cc),
 * and each subscription's {@code version_text}, the version_info it accepted last (ALL_SUBSCRIPTION_STATS in
 * source/common/config/subscription_base.h, set by GrpcSubscriptionImpl::onConfigUpdate). {@code /stats} prints them
 * first as {@code name: "value"}, JSON as strings, Prometheus not at all (source/server/admin/stats_render.cc).
 */
class XdsTextReadoutsE2ETest {

    @Test
    void identifierAndVersionTexts() throws Exception {
        try (TestUpstream a = TestUpstream.text("u-a"); TestUpstream b = TestUpstream.text("u-b");
             TestControlPlane cp = new TestControlPlane().startTcp(0)) {
            cp.rewrite = r -> r.toBuilder().setControlPlane(ControlPlane.newBuilder().setIdentifier("cp-" + r.getTypeUrl()
                    .substring(r.getTypeUrl().lastIndexOf('.') + 1))).build();
            Mesh mesh = new Mesh(XdsProxy.freePort(), a.port(), b.port());
            mesh.ldsVersion = "lds-1";
            mesh.cdsVersion = "cds-1";
            mesh.rdsVersion = "rds-1";
            cp.set(mesh.snapshot());
            try (XdsProxy proxy = XdsProxy.start(XdsProxy.adsBootstrap(cp.port, false))) {
                for (String[] t : new String[][] {{LDS, "lds-1"}, {RDS, "rds-1"}, {CDS, "cds-1"}}) {
                    cp.awaitSotwAck(t[0], t[1]);
                }
                proxy.awaitReply("routing", mesh.listenerPort, "/", r -> r.body().equals("u-a"));
                TestControlPlane.await("RDS success", () -> proxy.admin("/stats")
                        .contains("http.ingress_listener-0.rds.route-0.update_success: 1\n"));
                String text = proxy.admin("/stats");
                assertTrue(text.contains("http.ingress_listener-0.rds.route-0.version_text: \"rds-1\"\n"), text);
                assertTrue(text.contains("listener_manager.lds.version_text: \"lds-1\"\n"), text);
                assertTrue(text.contains("cluster_manager.cds.version_text: \"cds-1\"\n"), text);
                assertTrue(text.startsWith("cluster_manager.cds.version_text: \"cds-1\"\ncontrol_plane.identifier: \"cp-"),
                        "text readouts first, sorted: " + text);
                // text readouts first, then counters and gauges
                assertTrue(text.indexOf("version_text: \"lds-1\"") < text.indexOf("listener_manager.lds.update_success: "), text);

                mesh.rdsVersion = "rds-2";
                mesh.target = "cluster-b";
                cp.set(mesh.snapshot());
                cp.awaitSotwAck(RDS, "rds-2");
                proxy.awaitReply("the new route", mesh.listenerPort, "/", r -> r.body().equals("u-b"));
                TestControlPlane.await("the new version text", () -> proxy.admin("/stats?filter=version_text")
                        .contains("http.ingress_listener-0.rds.route-0.version_text: \"rds-2\"\n"));
                assertTrue(proxy.admin("/stats?filter=identifier").equals("control_plane.identifier: \"cp-RouteConfiguration\"\n"),
                        proxy.admin("/stats?filter=identifier"));

                String json = proxy.admin("/stats?format=json&filter=identifier");
                assertTrue(json.contains("{\"name\":\"control_plane.identifier\",\"value\":\"cp-RouteConfiguration\"}"), json);
                String prometheus = proxy.admin("/stats/prometheus");
                assertFalse(prometheus.contains("identifier") || prometheus.contains("version_text"), "Envoy's default");
            }
        }
    }
}
