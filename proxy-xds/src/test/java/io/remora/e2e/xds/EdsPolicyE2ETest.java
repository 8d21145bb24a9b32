package io.remora.e2e.xds;

import com.google.protobuf.util.Durations;
import io.envoyproxy.controlplane.cache.v3.Snapshot;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.endpoint.v3.Endpoint;
import io.envoyproxy.envoy.config.endpoint.v3.LbEndpoint;
import io.envoyproxy.envoy.config.endpoint.v3.LocalityLbEndpoints;
import io.remora.e2e.TestUpstream;
import io.remora.xds.ads.TestControlPlane;
import io.remora.xds.ads.XdsTestResources;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.List;

import static io.remora.e2e.xds.XdsAdsE2ETest.EDS;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * EDS-delivered options over ADS from java-control-plane: endpoint_stale_after empties the
 * cluster when no assignment comes in time (503 UH, {@code assignment_stale}; an identical one
 * sent again counts) until the next one; close_connections_on_host_set_change drains the pooled connections to a host that stays
 * when another host joins, where without it the connection is reused.
 */
class EdsPolicyE2ETest {
    private static final String CLUSTER = "svc";

    /** One host per priority, in order: hosts after the first change the host set but take no traffic. */
    private static ClusterLoadAssignment assignment(ClusterLoadAssignment.Policy policy, int... ports) {
        ClusterLoadAssignment.Builder cla = ClusterLoadAssignment.newBuilder().setClusterName(CLUSTER).setPolicy(policy);
        for (int i = 0; i < ports.length; i++) {
            cla.addEndpoints(LocalityLbEndpoints.newBuilder().setPriority(i).addLbEndpoints(LbEndpoint.newBuilder()
                    .setEndpoint(Endpoint.newBuilder().setAddress(XdsTestResources.address(ports[i])))));
        }
        return cla.build();
    }

    private static Snapshot snapshot(String version, int listenerPort, Cluster cluster, ClusterLoadAssignment cla) {
        return Snapshot.create(List.of(cluster), "0", List.of(cla), version,
                List.of(new Mesh(listenerPort, 0, 0).listener()), "0",
                List.of(XdsTestResources.route("route-0", CLUSTER)), "0", List.of(), "0");
    }

    @Test
    void staleEndpointsAreDroppedUntilTheNextAssignment() throws Exception {
        try (TestControlPlane cp = new TestControlPlane().startTcp(0); TestUpstream up = TestUpstream.text("fresh")) {
            int port = XdsProxy.freePort();
            Cluster cluster = XdsTestResources.edsCluster(CLUSTER, null);
            ClusterLoadAssignment.Policy stale = ClusterLoadAssignment.Policy.newBuilder()
                    .setEndpointStaleAfter(Durations.fromSeconds(3)).build();
            cp.set(snapshot("1", port, cluster, assignment(stale, up.port())));
            try (XdsProxy proxy = XdsProxy.start(XdsProxy.adsBootstrap(cp.port, false))) {
                XdsAdsE2ETest.awaitAck(cp, false, EDS, "1");
                proxy.awaitReply("served", port, "/", r -> r.status() == 200 && r.body().equals("fresh"));
                // The same assignment sent again (a new version) restarts the deadline each time.
                for (int i = 0; i < 8; i++) {
                    Thread.sleep(500);
                    cp.set(snapshot("1." + i, port, cluster, assignment(stale, up.port())));
                    XdsAdsE2ETest.awaitAck(cp, false, EDS, "1." + i);
                    assertEquals(200, proxy.get(port, "/").status(), "kept alive by re-sends, " + i);
                }
                XdsProxy.Reply gone = proxy.awaitReply("stale", port, "/", r -> r.status() == 503);
                assertEquals("no healthy upstream", gone.body());
                String tag = "envoy_cluster_name=\"" + CLUSTER + "\"";
                assertEquals(1.0, proxy.metric("envoy_cluster_assignment_stale", tag));
                assertEquals(9.0, proxy.metric("envoy_cluster_assignment_timeout_received", tag), "one per delivery");
                assertEquals(0.0, proxy.metric("envoy_cluster_membership_total", tag));

                // A new assignment (here without a deadline) brings the endpoints back for good.
                cp.set(snapshot("2", port, cluster, assignment(ClusterLoadAssignment.Policy.getDefaultInstance(),
                        up.port())));
                XdsAdsE2ETest.awaitAck(cp, false, EDS, "2");
                proxy.awaitReply("fresh again", port, "/", r -> r.status() == 200);
                Thread.sleep(3500); // past the old deadline
                assertEquals(200, proxy.get(port, "/").status());
                assertEquals(1.0, proxy.metric("envoy_cluster_assignment_stale", tag));
            }
        }
    }

    @ParameterizedTest(name = "close_connections_on_host_set_change={0}")
    @ValueSource(booleans = {true, false})
    void hostSetChangeDrainsPooledConnections(boolean close) throws Exception {
        try (TestControlPlane cp = new TestControlPlane().startTcp(0); TestUpstream a = TestUpstream.text("a");
             TestUpstream b = TestUpstream.text("b")) {
            int port = XdsProxy.freePort();
            Cluster cluster = XdsTestResources.edsCluster(CLUSTER, null).toBuilder().setCommonLbConfig(
                    Cluster.CommonLbConfig.newBuilder().setCloseConnectionsOnHostSetChange(close)).build();
            ClusterLoadAssignment.Policy none = ClusterLoadAssignment.Policy.getDefaultInstance();
            cp.set(snapshot("1", port, cluster, assignment(none, a.port())));
            try (XdsProxy proxy = XdsProxy.start(XdsProxy.adsBootstrap(cp.port, false))) {
                XdsAdsE2ETest.awaitAck(cp, false, EDS, "1");
                proxy.awaitReply("served by a", port, "/", r -> r.body().equals("a"));
                int opened = a.connections.get();
                assertEquals(0, a.closed.get(), "pooled");

                // b joins at priority 1: the host set changed, a still takes every request.
                cp.set(snapshot("2", port, cluster, assignment(none, a.port(), b.port())));
                XdsAdsE2ETest.awaitAck(cp, false, EDS, "2");
                String tag = "envoy_cluster_name=\"" + CLUSTER + "\"";
                proxy.awaitReply("b listed", port, "/", r -> r.body().equals("a")
                        && proxy.metric("envoy_cluster_membership_total", tag) == 2.0);
                if (close) {
                    long deadline = System.nanoTime() + 10_000_000_000L;
                    while (a.closed.get() < opened && System.nanoTime() < deadline) {
                        Thread.sleep(20);
                    }
                    assertEquals(opened, a.closed.get(), "a saw each pooled connection closed");
                    assertEquals("a", proxy.get(port, "/").body());
                    assertEquals(opened + 1, a.connections.get(), "a new connection for the next request");
                } else {
                    assertEquals("a", proxy.get(port, "/").body());
                    Thread.sleep(500);
                    assertEquals(0, a.closed.get(), "the pooled connections stay");
                    assertEquals(opened, a.connections.get(), "and are reused");
                }
            }
        }
    }

    /**
     * Envoy's EDS subscription in the cluster's scope: update_attempt as it starts and with each response,
     * update_success and version with each response bringing the assignment, changed or not; one that leaves the
     * hosts as they were (a new version, a new endpoint_stale_after) is also update_no_rebuild, as EdsClusterImpl's
     * batchUpdate counts it when no priority was rebuilt; warming_state is 1 until the first assignment.
     */
    @Test
    void eachDeliveryCountsAndOneChangingNoHostIsNoRebuild() throws Exception {
        try (TestControlPlane cp = new TestControlPlane().startTcp(0)) {
            int port = XdsProxy.freePort();
            Cluster cluster = XdsTestResources.edsCluster(CLUSTER, null);
            ClusterLoadAssignment.Policy none = ClusterLoadAssignment.Policy.getDefaultInstance();
            // the cluster first comes without its load assignment: it warms
            cp.set(Snapshot.create(List.of(cluster), "0", List.of(), "0", List.of(new Mesh(port, 0, 0).listener()), "0",
                    List.of(XdsTestResources.route("route-0", CLUSTER)), "0", List.of(), "0"));
            try (XdsProxy proxy = XdsProxy.start(XdsProxy.adsBootstrap(cp.port, false))) {
                String tag = "envoy_cluster_name=\"" + CLUSTER + "\"";
                awaitStat(proxy, "envoy_cluster_warming_state", tag, 1);
                cp.set(snapshot("1", port, cluster, assignment(none, 20001)));
                XdsAdsE2ETest.awaitAck(cp, false, EDS, "1");
                awaitStat(proxy, "envoy_cluster_update_success", tag, 1);
                assertEquals(0.0, proxy.metric("envoy_cluster_warming_state", tag), "warmed");
                assertEquals(2.0, proxy.metric("envoy_cluster_update_attempt", tag), "the start and the response");
                assertEquals(0.0, proxy.metric("envoy_cluster_update_no_rebuild", tag));
                assertEquals(0.0, proxy.metric("envoy_cluster_update_rejected", tag));
                assertEquals(Double.parseDouble(Long.toUnsignedString(io.remora.upstream.lb.XxHash64.hash("1"))),
                        proxy.metric("envoy_cluster_version", tag));

                cp.set(snapshot("2", port, cluster, assignment(none, 20001)));
                XdsAdsE2ETest.awaitAck(cp, false, EDS, "2");
                awaitStat(proxy, "envoy_cluster_update_success", tag, 2);
                assertEquals(1.0, proxy.metric("envoy_cluster_update_no_rebuild", tag), "the same hosts");

                ClusterLoadAssignment.Policy stale = ClusterLoadAssignment.Policy.newBuilder()
                        .setEndpointStaleAfter(Durations.fromSeconds(60)).build();
                cp.set(snapshot("3", port, cluster, assignment(stale, 20001)));
                XdsAdsE2ETest.awaitAck(cp, false, EDS, "3");
                awaitStat(proxy, "envoy_cluster_update_success", tag, 3);
                assertEquals(2.0, proxy.metric("envoy_cluster_update_no_rebuild", tag), "a deadline rebuilds nothing");

                cp.set(snapshot("4", port, cluster, assignment(stale, 20002)));
                XdsAdsE2ETest.awaitAck(cp, false, EDS, "4");
                awaitStat(proxy, "envoy_cluster_update_success", tag, 4);
                assertEquals(2.0, proxy.metric("envoy_cluster_update_no_rebuild", tag), "another host rebuilds");
                assertEquals(5.0, proxy.metric("envoy_cluster_update_attempt", tag));
                assertEquals(Double.parseDouble(Long.toUnsignedString(io.remora.upstream.lb.XxHash64.hash("4"))),
                        proxy.metric("envoy_cluster_version", tag));
                assertEquals(0.0, proxy.metric("envoy_cluster_update_empty", tag));
                assertEquals(0.0, proxy.metric("envoy_cluster_update_failure", tag));
            }
        }
    }

    private static void awaitStat(XdsProxy proxy, String name, String tag, double value) throws InterruptedException {
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (System.nanoTime() < deadline && !(proxy.metric(name, tag) >= value)) {
            Thread.sleep(50);
        }
        assertEquals(value, proxy.metric(name, tag), name);
    }

    /** Hosts in one locality: the first {@code degraded} DEGRADED, the next {@code healthy} HEALTHY, the rest UNHEALTHY. */
    private static ClusterLoadAssignment withHealth(int total, int healthy, int degraded) {
        LocalityLbEndpoints.Builder l = LocalityLbEndpoints.newBuilder();
        for (int i = 0; i < total; i++) {
            io.envoyproxy.envoy.config.core.v3.HealthStatus hs = i < degraded
                    ? io.envoyproxy.envoy.config.core.v3.HealthStatus.DEGRADED
                    : i < degraded + healthy ? io.envoyproxy.envoy.config.core.v3.HealthStatus.HEALTHY
                    : io.envoyproxy.envoy.config.core.v3.HealthStatus.UNHEALTHY;
            l.addLbEndpoints(LbEndpoint.newBuilder().setHealthStatus(hs)
                    .setEndpoint(Endpoint.newBuilder().setAddress(XdsTestResources.address(20001 + i))));
        }
        return ClusterLoadAssignment.newBuilder().setClusterName(CLUSTER).addEndpoints(l).build();
    }

    /**
     * Envoy's EdsIntegrationTest.HealthUpdate: membership_change counts host sets that changed
     * members, not health; membership_healthy leaves degraded hosts to membership_degraded.
     */
    @Test
    void membershipStatsFollowEnvoysHealthUpdate() throws Exception {
        try (TestControlPlane cp = new TestControlPlane().startTcp(0)) {
            int port = XdsProxy.freePort();
            Cluster cluster = XdsTestResources.edsCluster(CLUSTER, null);
            cp.set(snapshot("1", port, cluster, withHealth(2, 2, 0)));
            try (XdsProxy proxy = XdsProxy.start(XdsProxy.adsBootstrap(cp.port, false))) {
                XdsAdsE2ETest.awaitAck(cp, false, EDS, "1");
                String tag = "envoy_cluster_name=\"" + CLUSTER + "\"";
                assertMembership(proxy, tag, 1, 2, 2, 0);
                int[][] steps = {{2, 0, 0, 1}, {2, 1, 0, 1}, {3, 2, 0, 2}, {3, 2, 1, 2}};
                for (int i = 0; i < steps.length; i++) {
                    int[] st = steps[i];
                    cp.set(snapshot("2." + i, port, cluster, withHealth(st[0], st[1], st[2])));
                    XdsAdsE2ETest.awaitAck(cp, false, EDS, "2." + i);
                    assertMembership(proxy, tag, st[3], st[0], st[1], st[2]);
                }
                assertEquals(1.0, proxy.metric("envoy_cluster_max_host_weight", tag), "EDS sets it");
            }
        }
    }

    private static void assertMembership(XdsProxy proxy, String tag, int change, int total, int healthy, int degraded)
            throws InterruptedException {
        String at = "change " + change + " total " + total;
        // The ACK precedes the host set swap: wait for the gauges to follow.
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (System.nanoTime() < deadline && (proxy.metric("envoy_cluster_membership_total", tag) != total
                || proxy.metric("envoy_cluster_membership_healthy", tag) != healthy
                || proxy.metric("envoy_cluster_membership_degraded", tag) != degraded)) {
            Thread.sleep(50);
        }
        assertEquals(change, proxy.metric("envoy_cluster_membership_change", tag), at);
        assertEquals(total, proxy.metric("envoy_cluster_membership_total", tag), at);
        assertEquals(healthy, proxy.metric("envoy_cluster_membership_healthy", tag), at);
        assertEquals(degraded, proxy.metric("envoy_cluster_membership_degraded", tag), at);
        assertEquals(0.0, proxy.metric("envoy_cluster_membership_excluded", tag), at);
    }
}
