package io.remora.xds.ads;

import com.google.protobuf.util.Durations;
import io.envoyproxy.controlplane.cache.v3.Snapshot;
import io.envoyproxy.envoy.config.core.v3.ConfigSource;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Set;

import static io.remora.xds.ads.XdsTestResources.NODE;
import static io.remora.xds.ads.XdsTestResources.edsCluster;
import static io.remora.xds.ads.XdsTestResources.endpoints;
import static io.remora.xds.ads.XdsTestResources.rdsListener;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A listener whose route configuration never arrives warms only until its config source's initial_fetch_timeout. */
class InitialFetchTimeoutTest {
    @Test
    void warmingListenerIsReleasedWithoutItsRouteAfterTheTimeout() throws Exception {
        // the client-wide default stays at 15 s: only the RDS config source's 0.3 s can release it within the wait
        ConfigSource rds = XdsTestResources.ADS.toBuilder().setInitialFetchTimeout(Durations.fromMillis(300)).build();
        Snapshot snapshot = Snapshot.create(
                List.of(edsCluster("cluster-a", null)),
                List.of(endpoints("cluster-a", 8081)),
                List.of(rdsListener("listener-0", 15001, "never-sent", rds)),
                List.of(),
                List.of(),
                "1");
        RecordingApplier applier = new RecordingApplier();
        try (TestControlPlane cp = new TestControlPlane().startTcp(0)) {
            cp.set(snapshot);
            try (XdsClient client = new XdsClient(XdsClientOptions.ads(XdsTarget.tcp("127.0.0.1", cp.port), false, NODE),
                    applier, new SimpleMeterRegistry())) {
                client.start();
                cp.awaitRequest("the RDS subscription", r -> r.getTypeUrl().equals(XdsResourceType.ROUTE.typeUrl)
                        && r.getResourceNamesList().equals(List.of("never-sent")));
                XdsSnapshot s = applier.await("the listener released", x -> x.listeners().containsKey("listener-0"));
                assertTrue(s.routes().isEmpty());
                assertEquals(Set.of("cluster-a"), s.endpoints().keySet());
                cp.awaitSotwAck(XdsResourceType.LISTENER.typeUrl, "1");
            }
        }
    }

    /**
     * A control plane that never answers: CDS's subscription counts an update_attempt as it starts and another, with
     * init_fetch_timeout, as its initial fetch times out (GrpcSubscriptionImpl::start, onConfigUpdateFailed); LDS, started
     * once the clusters are initialized by that timeout, the same.
     */
    @Test
    void aSubscriptionCountsItsStartAndItsInitialFetchTimeout() throws Exception {
        SimpleMeterRegistry meters = new SimpleMeterRegistry();
        try (TestControlPlane cp = new TestControlPlane().startTcp(0)) {
            try (XdsClient client = new XdsClient(XdsClientOptions.ads(XdsTarget.tcp("127.0.0.1", cp.port), false, NODE)
                    .withInitialFetchTimeout(java.time.Duration.ofMillis(300)), new RecordingApplier(), meters)) {
                client.start();
                cp.awaitRequest("the CDS subscription", r -> r.getTypeUrl().equals(XdsResourceType.CLUSTER.typeUrl));
                assertEquals(1.0, meters.counter("envoy_cluster_manager_cds_update_attempt").count(),
                        "counted as it starts, before any response");
                TestControlPlane.await("LDS's initial fetch timed out",
                        () -> meters.counter("envoy_listener_manager_lds_init_fetch_timeout").count() == 1.0);
                assertEquals(1.0, meters.counter("envoy_cluster_manager_cds_init_fetch_timeout").count());
                assertEquals(2.0, meters.counter("envoy_cluster_manager_cds_update_attempt").count());
                assertEquals(2.0, meters.counter("envoy_listener_manager_lds_update_attempt").count());
                assertEquals(0.0, meters.counter("envoy_listener_manager_lds_update_rejected").count());
            }
        }
    }
}
