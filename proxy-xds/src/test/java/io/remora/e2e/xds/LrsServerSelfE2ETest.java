package io.remora.e2e.xds;

import com.google.protobuf.util.Durations;
import io.envoyproxy.controlplane.cache.v3.Snapshot;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.core.v3.ConfigSource;
import io.envoyproxy.envoy.config.core.v3.Locality;
import io.envoyproxy.envoy.config.core.v3.SelfConfigSource;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterStats;
import io.envoyproxy.envoy.config.endpoint.v3.Endpoint;
import io.envoyproxy.envoy.config.endpoint.v3.LbEndpoint;
import io.envoyproxy.envoy.config.endpoint.v3.LocalityLbEndpoints;
import io.envoyproxy.envoy.config.endpoint.v3.UpstreamLocalityStats;
import io.envoyproxy.envoy.service.load_stats.v3.LoadStatsRequest;
import io.envoyproxy.envoy.service.load_stats.v3.LoadStatsResponse;
import io.envoyproxy.envoy.type.v3.FractionalPercent;
import io.remora.e2e.LoadReportingServer;
import io.remora.e2e.TestUpstream;
import io.remora.xds.ads.TestControlPlane;
import io.remora.xds.ads.XdsTestResources;
import org.junit.jupiter.api.Test;

import java.util.List;

import static io.remora.e2e.xds.XdsAdsE2ETest.EDS;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A CDS cluster with {@code lrs_server: self} reports its load to the xDS server (no
 * load_stats_config): its EDS service name, the locality's requests, and the requests
 * drop_overloads shed, in total and by category. Another cluster, without lrs_server, is not reported
 * though the server asks for all.
 */
class LrsServerSelfE2ETest {
    private static final String CLUSTER = "svc";

    @Test
    void selfSendsTheClustersLoadToTheXdsServer() throws Exception {
        LoadReportingServer lrs = new LoadReportingServer(LoadStatsResponse.newBuilder().setSendAllClusters(true)
                .setLoadReportingInterval(Durations.fromMillis(500)).build());
        try (TestControlPlane cp = new TestControlPlane().with(lrs.service()).startTcp(0);
             TestUpstream up = TestUpstream.text("ok")) {
            int port = XdsProxy.freePort();
            Cluster svc = XdsTestResources.edsCluster(CLUSTER, "svc-eds").toBuilder()
                    .setLrsServer(ConfigSource.newBuilder().setSelf(SelfConfigSource.getDefaultInstance())).build();
            Cluster other = XdsTestResources.edsCluster("other", null);
            ClusterLoadAssignment cla = ClusterLoadAssignment.newBuilder().setClusterName("svc-eds")
                    .setPolicy(ClusterLoadAssignment.Policy.newBuilder().addDropOverloads(
                            ClusterLoadAssignment.Policy.DropOverload.newBuilder().setCategory("throttle")
                                    .setDropPercentage(FractionalPercent.newBuilder().setNumerator(50))))
                    .addEndpoints(LocalityLbEndpoints.newBuilder()
                            .setLocality(Locality.newBuilder().setRegion("eu").setZone("z1"))
                            .addLbEndpoints(LbEndpoint.newBuilder().setEndpoint(
                                    Endpoint.newBuilder().setAddress(XdsTestResources.address(up.port())))))
                    .build();
            ClusterLoadAssignment otherCla = ClusterLoadAssignment.newBuilder().setClusterName("other").build();
            cp.set(Snapshot.create(List.of(svc, other), "0", List.of(cla, otherCla), "1",
                    List.of(new Mesh(port, 0, 0).listener()), "0",
                    List.of(XdsTestResources.route("route-0", CLUSTER)), "0", List.of(), "0"));
            try (XdsProxy proxy = XdsProxy.start(XdsProxy.adsBootstrap(cp.port, false))) {
                XdsAdsE2ETest.awaitAck(cp, false, EDS, "1");
                int seen = lrs.awaitMore(0, 2);
                int ok = 0;
                int dropped = 0;
                for (int i = 0; i < 20; i++) {
                    int status = proxy.get(port, "/").status();
                    if (status == 200) {
                        ok++;
                    } else {
                        assertEquals(503, status);
                        dropped++;
                    }
                }
                int after = lrs.awaitMore(lrs.requests.size(), 2);
                long issued = 0;
                long success = 0;
                long totalDropped = 0;
                long throttled = 0;
                for (LoadStatsRequest r : List.copyOf(lrs.requests).subList(seen, after)) {
                    for (ClusterStats cs : r.getClusterStatsList()) {
                        assertEquals(CLUSTER, cs.getClusterName(), "only the cluster with lrs_server: " + r);
                        assertEquals("svc-eds", cs.getClusterServiceName());
                        for (UpstreamLocalityStats ls : cs.getUpstreamLocalityStatsList()) {
                            assertEquals("z1", ls.getLocality().getZone());
                            issued += ls.getTotalIssuedRequests();
                            success += ls.getTotalSuccessfulRequests();
                        }
                        totalDropped += cs.getTotalDroppedRequests();
                        for (ClusterStats.DroppedRequests d : cs.getDroppedRequestsList()) {
                            assertEquals("throttle", d.getCategory());
                            throttled += d.getDroppedCount();
                        }
                    }
                }
                assertTrue(ok > 0 && dropped > 0, ok + " served, " + dropped + " dropped");
                assertEquals(ok, issued);
                assertEquals(ok, success);
                assertEquals(dropped, totalDropped);
                assertEquals(dropped, throttled);
            }
        }
    }
}
