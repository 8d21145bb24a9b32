package io.remora.e2e.xds;

import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.remora.xds.ads.XdsTestResources;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Envoy's {@code cluster_manager.*} stats through CDS and EDS updates from java-control-plane, as ClusterManagerImpl
 * counts them: the bootstrap's static clusters and each new CDS cluster in {@code cluster_added}, a changed one in
 * {@code cluster_modified} (the same cluster sent again counts nothing), {@code cluster_removed} (whose stats leave the exports until it comes back), a cluster waiting for
 * its load assignment in {@code warming_clusters}, the clusters taken in {@code active_clusters}, and each later
 * change of a priority's hosts in {@code cluster_updated}.
 */
class ClusterManagerStatsE2ETest extends MeshTestBase {
    private static final String CM = "envoy_cluster_manager_";
    private static final String RQ_TOTAL = "envoy_cluster_upstream_rq_total";
    private static final String C = "envoy_cluster_name=\"cluster-c\"";

    @ParameterizedTest(name = "delta={0}")
    @ValueSource(booleans = {false, true})
    void clusterUpdatesCountAsEnvoysClusterManagerCountsThem(boolean delta) throws Exception {
        cp.set(mesh.snapshot());
        proxy = XdsProxy.start(XdsProxy.adsBootstrap(cp.port, delta));
        proxy.awaitReply("the mesh serves", mesh.listenerPort, "/hello", x -> x.status() == 200);
        // the bootstrap's xds-grpc, then cluster-a and cluster-b from CDS
        expect(3, 0, 0, 3, 0);

        mesh.clusterGen = 1; // both clusters' connect timeout and LB policy change
        mesh.cdsVersion = "1";
        cp.set(mesh.snapshot());
        proxy.awaitMetric(CM + "cluster_modified", 2.0);
        expect(3, 2, 0, 3, 0);

        if (!delta) { // delta sends no unchanged resource
            mesh.cdsVersion = "2"; // the very same clusters again
            cp.set(mesh.snapshot());
            XdsAdsE2ETest.awaitAck(cp, false, XdsAdsE2ETest.CDS, "2");
            expect(3, 2, 0, 3, 0);
        }

        // a new cluster warms until its load assignment comes
        mesh.extraClusters = List.of(XdsTestResources.edsCluster("cluster-c", null));
        mesh.cdsVersion = "3";
        cp.set(mesh.snapshot());
        proxy.awaitMetric(CM + "warming_clusters", 1.0);
        assertEquals(3.0, proxy.metric(CM + "active_clusters"));

        mesh.extraEndpoints = List.of(XdsTestResources.endpoints("cluster-c", a.port()));
        mesh.edsVersion = "1";
        cp.set(mesh.snapshot());
        proxy.awaitMetric(CM + "active_clusters", 4.0);
        expect(4, 2, 0, 4, 0);
        double updated = proxy.metric(CM + "cluster_updated");

        // a second host for cluster-c: one priority's hosts changed after the cluster initialized
        ClusterLoadAssignment one = XdsTestResources.endpoints("cluster-c", a.port());
        ClusterLoadAssignment two = one.toBuilder().setEndpoints(0, one.getEndpoints(0).toBuilder()
                .addLbEndpoints(XdsTestResources.endpoints("cluster-c", b.port()).getEndpoints(0).getLbEndpoints(0)))
                .build();
        mesh.extraEndpoints = List.of(two);
        mesh.edsVersion = "2";
        cp.set(mesh.snapshot());
        proxy.awaitMetric(CM + "cluster_updated", updated + 1);
        assertEquals(2.0, proxy.metric("envoy_cluster_membership_total", "envoy_cluster_name=\"cluster-c\""));
        expect(4, 2, 0, 4, 0); // a load assignment is no change of the cluster

        mesh.target = "cluster-c";
        mesh.rdsVersion = "1";
        cp.set(mesh.snapshot());
        proxy.awaitReply("routed to cluster-c", mesh.listenerPort, "/hello", x -> x.status() == 200
                && proxy.metric(RQ_TOTAL, C) >= 1);

        // removed: its stats go with it, as Envoy's with the cluster's scope
        mesh.target = "cluster-a";
        mesh.rdsVersion = "2";
        mesh.extraClusters = List.of();
        mesh.extraEndpoints = List.of();
        mesh.cdsVersion = "4";
        mesh.edsVersion = "3";
        cp.set(mesh.snapshot());
        proxy.awaitMetric(CM + "cluster_removed", 1.0);
        expect(4, 2, 1, 3, 0);
        assertEquals(Double.NaN, proxy.metric(RQ_TOTAL, C));
        assertFalse(proxy.admin("/stats").contains("cluster.cluster-c."), "no cluster.cluster-c.* in /stats");
        assertTrue(proxy.admin("/stats").contains("cluster.cluster-a.upstream_rq_total"));

        // back again: its counters start from zero
        mesh.extraClusters = List.of(XdsTestResources.edsCluster("cluster-c", null));
        mesh.extraEndpoints = List.of(one);
        mesh.cdsVersion = "5";
        mesh.edsVersion = "4";
        cp.set(mesh.snapshot());
        proxy.awaitMetric(CM + "active_clusters", 4.0);
        expect(5, 2, 1, 4, 0);
        assertEquals(0.0, proxy.metric(RQ_TOTAL, C));
        assertEquals(1.0, proxy.metric("envoy_cluster_membership_total", C));
        assertEquals(0.0, proxy.metric(CM + "cluster_updated_via_merge"), "every host update applies at once");
        assertEquals(0.0, proxy.metric(CM + "update_out_of_merge_window"));
        assertEquals(0.0, proxy.metric(CM + "update_merge_cancelled"));
    }

    private void expect(int added, int modified, int removed, int active, int warming) {
        String stats = "added=" + proxy.metric(CM + "cluster_added") + " modified=" + proxy.metric(CM + "cluster_modified")
                + " removed=" + proxy.metric(CM + "cluster_removed") + " active=" + proxy.metric(CM + "active_clusters")
                + " warming=" + proxy.metric(CM + "warming_clusters");
        assertEquals("added=" + (double) added + " modified=" + (double) modified + " removed=" + (double) removed
                + " active=" + (double) active + " warming=" + (double) warming, stats);
    }
}
