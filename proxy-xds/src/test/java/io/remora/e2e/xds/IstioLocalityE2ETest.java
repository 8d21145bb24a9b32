package io.remora.e2e.xds;

import com.google.protobuf.UInt32Value;
import com.google.protobuf.util.Durations;
import io.envoyproxy.controlplane.cache.v3.Snapshot;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.cluster.v3.OutlierDetection;
import io.envoyproxy.envoy.config.core.v3.HealthStatus;
import io.envoyproxy.envoy.config.core.v3.Locality;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.endpoint.v3.Endpoint;
import io.envoyproxy.envoy.config.endpoint.v3.LbEndpoint;
import io.envoyproxy.envoy.config.endpoint.v3.LocalityLbEndpoints;
import io.remora.e2e.TestUpstream;
import io.remora.xds.ads.TestControlPlane;
import io.remora.xds.ads.XdsTestResources;
import org.junit.jupiter.api.Test;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static io.remora.e2e.xds.XdsAdsE2ETest.EDS;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The shapes istiod gives a DestinationRule's localityLbSetting, delivered over ADS: {@code distribute}
 * becomes {@code locality_weighted_lb_config} with per-locality weights; {@code failover} (and
 * {@code failoverPriority}) become EDS priorities, the local zone at 0, with outlier detection on
 * the cluster and not-ready pods as UNHEALTHY endpoints. Traffic follows each EDS push.
 */
class IstioLocalityE2ETest {
    private static final String CLUSTER = "outbound|80||svc.ns.svc.cluster.local";

    private static LocalityLbEndpoints locality(String zone, int weight, int priority, int port, HealthStatus health) {
        return LocalityLbEndpoints.newBuilder()
                .setLocality(Locality.newBuilder().setRegion("r1").setZone(zone))
                .setLoadBalancingWeight(UInt32Value.of(weight)).setPriority(priority)
                .addLbEndpoints(LbEndpoint.newBuilder().setHealthStatus(health)
                        .setEndpoint(Endpoint.newBuilder().setAddress(XdsTestResources.address(port))))
                .build();
    }

    private static Snapshot snapshot(String version, int listenerPort, List<LocalityLbEndpoints> endpoints) {
        Cluster.CommonLbConfig common = Cluster.CommonLbConfig.newBuilder()
                .setLocalityWeightedLbConfig(Cluster.CommonLbConfig.LocalityWeightedLbConfig.getDefaultInstance()).build();
        Cluster cluster = XdsTestResources.edsCluster(CLUSTER, null).toBuilder().setCommonLbConfig(common)
                .setOutlierDetection(OutlierDetection.newBuilder().setConsecutive5Xx(UInt32Value.of(5))
                        .setInterval(Durations.fromSeconds(10)).setBaseEjectionTime(Durations.fromSeconds(30)))
                .build();
        return Snapshot.create(List.of(cluster), "0",
                List.of(ClusterLoadAssignment.newBuilder().setClusterName(CLUSTER).addAllEndpoints(endpoints).build()), version,
                List.of(new Mesh(listenerPort, 0, 0).listener()), "0",
                List.of(XdsTestResources.route("route-0", CLUSTER)), "0",
                List.of(), "0");
    }

    private static Map<String, Integer> spread(XdsProxy proxy, int port, int n) {
        Map<String, Integer> by = new HashMap<>();
        for (int i = 0; i < n; i++) {
            XdsProxy.Reply r = proxy.get(port, "/");
            by.merge(r.status() + " " + r.body(), 1, Integer::sum);
        }
        return by;
    }

    @Test
    void distributeWeightsAndFailoverPrioritiesFollowEdsPushes() throws Exception {
        try (TestControlPlane cp = new TestControlPlane().startTcp(0);
             TestUpstream a = TestUpstream.text("zone-a"); TestUpstream b = TestUpstream.text("zone-b")) {
            int port = XdsProxy.freePort();
            // distribute: { from: r1/*, to: { r1/a: 80, r1/b: 20 } }
            cp.set(snapshot("1", port, List.of(locality("a", 80, 0, a.port(), HealthStatus.HEALTHY),
                    locality("b", 20, 0, b.port(), HealthStatus.HEALTHY))));
            try (XdsProxy proxy = XdsProxy.start(XdsProxy.adsBootstrap(cp.port, false))) {
                XdsAdsE2ETest.awaitAck(cp, false, EDS, "1");
                proxy.awaitReply("routes", port, "/", r -> r.status() == 200);
                Map<String, Integer> weighted = spread(proxy, port, 400);
                int toB = weighted.getOrDefault("200 zone-b", 0);
                assertEquals(400, toB + weighted.getOrDefault("200 zone-a", 0), weighted.toString());
                assertTrue(toB > 40 && toB < 130, "about 20% to zone b: " + weighted);

                // failover: the local zone at priority 0, the other zone at priority 1.
                cp.set(snapshot("2", port, List.of(locality("a", 1, 0, a.port(), HealthStatus.HEALTHY),
                        locality("b", 1, 1, b.port(), HealthStatus.HEALTHY))));
                XdsAdsE2ETest.awaitAck(cp, false, EDS, "2");
                proxy.awaitReply("priority 0 only", port, "/", r -> r.body().equals("zone-a"));
                assertEquals(Map.of("200 zone-a", 50), spread(proxy, port, 50), "all on priority 0");

                // The local pod stops being ready: istiod sends it UNHEALTHY, traffic fails over.
                cp.set(snapshot("3", port, List.of(locality("a", 1, 0, a.port(), HealthStatus.UNHEALTHY),
                        locality("b", 1, 1, b.port(), HealthStatus.HEALTHY))));
                XdsAdsE2ETest.awaitAck(cp, false, EDS, "3");
                proxy.awaitReply("failover", port, "/", r -> r.body().equals("zone-b"));
                assertEquals(Map.of("200 zone-b", 50), spread(proxy, port, 50), "failed over to priority 1");

                cp.set(snapshot("4", port, List.of(locality("a", 1, 0, a.port(), HealthStatus.HEALTHY),
                        locality("b", 1, 1, b.port(), HealthStatus.HEALTHY))));
                XdsAdsE2ETest.awaitAck(cp, false, EDS, "4");
                proxy.awaitReply("fail back", port, "/", r -> r.body().equals("zone-a"));
                assertEquals(Map.of("200 zone-a", 50), spread(proxy, port, 50), "back once it is ready");
            }
        }
    }
}
