package io.remora.e2e.xds;

import io.remora.e2e.TestUpstream;
import io.remora.upstream.lb.XxHash64;
import io.remora.xds.ads.TestControlPlane;
import org.junit.jupiter.api.Test;

import static io.remora.e2e.xds.XdsAdsE2ETest.CDS;
import static io.remora.e2e.xds.XdsAdsE2ETest.LDS;
import static io.remora.e2e.xds.XdsAdsE2ETest.RDS;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * An RDS subscription's stats in its scope {@code http.<stat_prefix>.rds.<route_config>.}, as Envoy's
 * RdsRouteConfigSubscription makes them (source/common/rds/rds_route_config_subscription.cc) and its
 * GrpcSubscriptionImpl counts them (source/extensions/config_subscription/grpc/grpc_subscription_impl.cc), over ADS
 * from java-control-plane.
 */
class XdsRdsStatsE2ETest {
    private static final String ROUTE = "envoy_rds_route_config=\"route-0\"";
    private static final String HCM = "envoy_http_conn_manager_prefix=\"ingress_listener-0\"";

    @Test
    void rdsSubscriptionStats() throws Exception {
        try (TestUpstream a = TestUpstream.text("u-a"); TestUpstream b = TestUpstream.text("u-b");
             TestControlPlane cp = new TestControlPlane().startTcp(0)) {
            Mesh mesh = new Mesh(XdsProxy.freePort(), a.port(), b.port());
            cp.set(mesh.snapshot());
            long started = System.currentTimeMillis() - 1000;
            try (XdsProxy proxy = XdsProxy.start(XdsProxy.adsBootstrap(cp.port, false))) {
                for (String t : new String[] {LDS, RDS, CDS}) {
                    cp.awaitSotwAck(t, "0");
                }
                proxy.awaitReply("routing", mesh.listenerPort, "/", r -> r.body().equals("u-a"));
                TestControlPlane.await("first RDS success", () -> rds(proxy, "update_success") == 1.0);
                // one attempt as the subscription starts, one with its first response
                assertEquals(2.0, rds(proxy, "update_attempt"));
                assertEquals(1.0, rds(proxy, "config_reload"));
                assertEquals(0.0, rds(proxy, "update_rejected"));
                assertEquals(0.0, rds(proxy, "update_failure"));
                assertEquals(0.0, rds(proxy, "update_empty"));
                assertEquals(0.0, rds(proxy, "init_fetch_timeout"));
                assertVersion(proxy, "0");
                double reloadedAt = rds(proxy, "config_reload_time_ms");
                assertTrue(reloadedAt >= started && reloadedAt <= System.currentTimeMillis(), "reload time " + reloadedAt);
                double updatedAt = rds(proxy, "update_time");
                assertTrue(updatedAt >= started && updatedAt <= System.currentTimeMillis(), "update time " + updatedAt);
                String text = proxy.admin("/stats?filter=rds");
                assertTrue(text.contains("http.ingress_listener-0.rds.route-0.config_reload: 1\n")
                        && text.contains("http.ingress_listener-0.rds.route-0.update_attempt: 2\n"), text);
                // ALL_SUBSCRIPTION_STATS' update_duration: one sample per accepted gRPC update, LDS's and RDS's
                assertTrue(java.util.regex.Pattern.compile(
                        "(?m)^http\\.ingress_listener-0\\.rds\\.route-0\\.update_duration: P0\\(nan,\\d")
                        .matcher(text).find(), text);
                String lds = proxy.admin("/stats?filter=lds.update_duration");
                assertTrue(lds.contains("listener_manager.lds.update_duration: P0(nan,"), lds);
                assertTrue(proxy.admin("/stats/prometheus").contains(
                        "envoy_listener_manager_lds_update_duration_count 1\n"), "one LDS update timed");
                // a uint64 Envoy prints whole
                assertTrue(java.util.regex.Pattern.compile("(?m)^http\\.ingress_listener-0\\.rds\\.route-0\\.version: \\d{10,}$")
                        .matcher(text).find(), text);

                // the same routes at a new version: a successful update, not a reload (Envoy compares the hash)
                mesh.rdsVersion = "1";
                cp.set(mesh.snapshot());
                cp.awaitSotwAck(RDS, "1");
                TestControlPlane.await("RDS success 2", () -> rds(proxy, "update_success") == 2.0);
                assertEquals(3.0, rds(proxy, "update_attempt"));
                assertEquals(1.0, rds(proxy, "config_reload"), "unchanged routes are not reloaded");
                assertVersion(proxy, "1");

                // a bad route: NACKed, counted by the subscription (java-control-plane sends it again on a NACK)
                mesh.brokenRegex = true;
                mesh.rdsVersion = "2";
                cp.set(mesh.snapshot());
                cp.awaitNack(false, RDS, "1");
                mesh.brokenRegex = false;
                mesh.target = "cluster-b";
                mesh.rdsVersion = "3";
                cp.set(mesh.snapshot());
                cp.awaitSotwAck(RDS, "3");
                proxy.awaitReply("the new route", mesh.listenerPort, "/", r -> r.body().equals("u-b"));
                long nacks = cp.requests(RDS).stream().filter(r -> r.hasErrorDetail()).count();
                TestControlPlane.await("RDS success 3", () -> rds(proxy, "update_success") == 3.0);
                assertEquals((double) nacks, rds(proxy, "update_rejected"));
                assertEquals(4.0 + nacks, rds(proxy, "update_attempt"));
                assertEquals(2.0, rds(proxy, "config_reload"));
                assertVersion(proxy, "3");
            }
        }
    }

    /**
     * A route configuration that never comes: its subscription's initial_fetch_timeout fires, counted in
     * init_fetch_timeout with an update_attempt (GrpcSubscriptionImpl's timer), and the listener stops waiting for
     * it (RdsRouteConfigSubscription::onConfigUpdateFailed readies its init target).
     */
    @Test
    void routesThatNeverComeTimeOut() throws Exception {
        try (TestUpstream a = TestUpstream.text("u-a"); TestUpstream b = TestUpstream.text("u-b");
             TestControlPlane cp = new TestControlPlane().startTcp(0)) {
            Mesh mesh = new Mesh(XdsProxy.freePort(), a.port(), b.port());
            mesh.rdsSource = Mesh.ADS.toBuilder().setInitialFetchTimeout(com.google.protobuf.Duration.newBuilder()
                    .setSeconds(1)).build();
            mesh.withholdRoutes = true;
            cp.set(mesh.snapshot());
            try (XdsProxy proxy = XdsProxy.start(XdsProxy.adsBootstrap(cp.port, false))) {
                cp.awaitSotwAck(LDS, "0");
                TestControlPlane.await("the listener is served once the routes timed out",
                        () -> "LIVE".equals(proxy.admin("/ready").trim()));
                assertEquals(1.0, rds(proxy, "init_fetch_timeout"));
                assertEquals(2.0, rds(proxy, "update_attempt"), "its start and its timeout");
                assertEquals(0.0, rds(proxy, "update_success"));

                mesh.withholdRoutes = false;
                mesh.rdsVersion = "1";
                cp.set(mesh.snapshot());
                proxy.awaitReply("the routes once they come", mesh.listenerPort, "/", r -> r.body().equals("u-a"));
                TestControlPlane.await("RDS success", () -> rds(proxy, "update_success") == 1.0);
                assertEquals(1.0, rds(proxy, "init_fetch_timeout"), "the timer fires once");
            }
        }
    }

    /**
     * Two listeners' HCMs (stat prefixes ingress_listener-0 and ingress_listener-<port>) naming route-0 over ADS share
     * one subscription, as Envoy's RouteConfigProviderManager keys RdsRouteConfigSubscriptions by their Rds message
     * (source/common/rds/route_config_provider_manager.cc): one resource name on the wire, one scope, the first HCM's,
     * and one response updates both listeners.
     */
    @Test
    void hcmsNamingTheSameRoutesShareOneSubscription() throws Exception {
        try (TestUpstream a = TestUpstream.text("u-a"); TestUpstream b = TestUpstream.text("u-b");
             TestControlPlane cp = new TestControlPlane().startTcp(0)) {
            Mesh mesh = new Mesh(XdsProxy.freePort(), a.port(), b.port());
            int second = XdsProxy.freePort();
            mesh.extraListenerPorts = java.util.List.of(second);
            mesh.extraOnRunningRoute = true;
            cp.set(mesh.snapshot());
            try (XdsProxy proxy = XdsProxy.start(XdsProxy.adsBootstrap(cp.port, false))) {
                cp.awaitSotwAck(RDS, "0");
                proxy.awaitReply("the first listener", mesh.listenerPort, "/", r -> r.body().equals("u-a"));
                proxy.awaitReply("the second listener", second, "/", r -> r.body().equals("u-a"));
                TestControlPlane.await("RDS success", () -> rds(proxy, "update_success") == 1.0);
                assertEquals(2.0, rds(proxy, "update_attempt"), "one start, one response: one subscription");
                for (var request : cp.requests(RDS)) {
                    assertEquals(java.util.List.of("route-0"), request.getResourceNamesList());
                }
                String text = proxy.admin("/stats?filter=rds");
                assertTrue(text.contains("http.ingress_listener-0.rds.route-0.update_success: 1\n"), text);
                assertTrue(!text.contains("ingress_listener-" + second), "no second scope: " + text);

                mesh.target = "cluster-b";
                mesh.rdsVersion = "1";
                cp.set(mesh.snapshot());
                cp.awaitSotwAck(RDS, "1");
                proxy.awaitReply("the first listener updated", mesh.listenerPort, "/", r -> r.body().equals("u-b"));
                proxy.awaitReply("the second listener updated", second, "/", r -> r.body().equals("u-b"));
                TestControlPlane.await("RDS success 2", () -> rds(proxy, "update_success") == 2.0);
                assertEquals(3.0, rds(proxy, "update_attempt"));
                assertEquals(2.0, rds(proxy, "config_reload"));
                assertTrue(!proxy.admin("/stats?filter=rds").contains("ingress_listener-" + second));
            }
        }
    }

    private static double rds(XdsProxy proxy, String stat) {
        return proxy.metric("envoy_http_rds_" + stat, ROUTE, HCM);
    }

    /** {@code version}: the xxHash64 of the version_info accepted, a uint64 exported as a double. */
    private static void assertVersion(XdsProxy proxy, String versionInfo) {
        double expected = Double.parseDouble(Long.toUnsignedString(XxHash64.hash(versionInfo)));
        double actual = rds(proxy, "version");
        assertEquals(expected, actual, Math.abs(expected) * 1e-12, "version of " + versionInfo);
    }
}
