package io.remora.xds.ads;

import io.envoyproxy.controlplane.cache.v3.Snapshot;
import io.envoyproxy.envoy.config.core.v3.ConfigSource;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static io.remora.xds.ads.XdsTestResources.NODE;
import static io.remora.xds.ads.XdsTestResources.edsCluster;
import static io.remora.xds.ads.XdsTestResources.endpoints;
import static io.remora.xds.ads.XdsTestResources.plainListener;
import static io.remora.xds.ads.XdsTestResources.rdsListener;
import static io.remora.xds.ads.XdsTestResources.route;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Envoy's init manager as the client mirrors it: a rejected first update ends initialization (the server goes on
 * with what it has, it does not stay INITIALIZING), a rejected dependency stops its listener warming, and
 * initial_fetch_timeout 0s waits for ever while a finite one ends initialization even if nothing ever came.
 */
class InitializationTest {
    private static final ConfigSource ADS_FOREVER = XdsTestResources.ADS.toBuilder()
            .setInitialFetchTimeout(com.google.protobuf.Duration.getDefaultInstance()).build();

    private static XdsClientOptions ldsOnly(int port, Duration timeout) {
        return XdsClientOptions.ads(XdsTarget.tcp("127.0.0.1", port), false, NODE)
                .withFileSources(EnumSet.of(XdsResourceType.LISTENER), Map.of())
                .withInitialFetchTimeout(timeout);
    }

    @Test
    void rejectedFirstUpdateEndsInitialization() throws Exception {
        RecordingApplier applier = new RecordingApplier();
        try (TestControlPlane cp = new TestControlPlane().startTcp(0)) {
            cp.set(XdsTestResources.with("1", List.of(plainListener("bad", 15001))));
            try (XdsClient client = new XdsClient(ldsOnly(cp.port, Duration.ZERO), applier, new SimpleMeterRegistry())) {
                client.start();
                cp.awaitRequest("the NACK", r -> r.getTypeUrl().equals(XdsResourceType.LISTENER.typeUrl) && r.hasErrorDetail());
                assertTrue(applier.initializedWithoutSnapshot.await(10, TimeUnit.SECONDS),
                        "a rejected first LDS update ends initialization although initial_fetch_timeout is 0s");
                assertTrue(applier.applied.isEmpty());
                // The control plane may send the same version again before it sees the NACK.
                assertTrue(client.stats().ldsUpdateRejected() >= 1.0, "lds update_rejected counted");

                // a good update later is applied as any other
                cp.set(XdsTestResources.with("2", List.of(plainListener("good", 15001))));
                applier.await("the good listener", s -> s.listeners().containsKey("good"));
            }
        }
    }

    @Test
    void rejectedRouteConfigurationStopsItsListenerWarming() throws Exception {
        RecordingApplier applier = new RecordingApplier();
        Snapshot snapshot = Snapshot.create(List.of(edsCluster("cluster-a", null)), List.of(endpoints("cluster-a", 8081)),
                List.of(rdsListener("listener-0", 15001, "bad-route", ADS_FOREVER)), List.of(route("bad-route", "cluster-a")),
                List.of(), "1");
        try (TestControlPlane cp = new TestControlPlane().startTcp(0)) {
            cp.set(snapshot);
            XdsClientOptions options = XdsClientOptions.ads(XdsTarget.tcp("127.0.0.1", cp.port), false, NODE)
                    .withInitialFetchTimeout(Duration.ZERO);
            try (XdsClient client = new XdsClient(options, applier, new SimpleMeterRegistry())) {
                client.start();
                XdsSnapshot s = applier.await("the listener, released without its rejected routes",
                        x -> x.listeners().containsKey("listener-0"));
                assertTrue(s.routes().isEmpty(), "the rejected route configuration is not applied");
                assertEquals(List.of("cluster-a"), List.copyOf(s.clusters().keySet()));
                cp.awaitRequest("the RDS NACK", r -> r.getTypeUrl().equals(XdsResourceType.ROUTE.typeUrl) && r.hasErrorDetail());
                cp.awaitSotwAck(XdsResourceType.LISTENER.typeUrl, "1");
            }
        }
    }

    @Test
    void zeroInitialFetchTimeoutWaitsForEver() throws Exception {
        RecordingApplier applier = new RecordingApplier();
        try (TestControlPlane cp = new TestControlPlane().startTcp(0)) {
            // connected, but the control plane has nothing for this node
            try (XdsClient client = new XdsClient(ldsOnly(cp.port, Duration.ZERO), applier, new SimpleMeterRegistry())) {
                client.start();
                cp.awaitRequest("the LDS request", r -> r.getTypeUrl().equals(XdsResourceType.LISTENER.typeUrl));
                assertFalse(applier.initializedWithoutSnapshot.await(2, TimeUnit.SECONDS), "0s: no timeout");
                cp.set(XdsTestResources.with("1", List.of(plainListener("late", 15001))));
                applier.await("the late listener", s -> s.listeners().containsKey("late"));
            }
        }
    }

    @Test
    void finiteInitialFetchTimeoutEndsInitializationWithNothingReceived() throws Exception {
        RecordingApplier applier = new RecordingApplier();
        try (TestControlPlane cp = new TestControlPlane().startTcp(0)) {
            try (XdsClient client = new XdsClient(ldsOnly(cp.port, Duration.ofMillis(300)), applier, new SimpleMeterRegistry())) {
                client.start();
                assertTrue(applier.initializedWithoutSnapshot.await(10, TimeUnit.SECONDS),
                        "Envoy goes on after initial_fetch_timeout even when nothing came");
                assertTrue(applier.applied.isEmpty());
            }
        }
    }
}
