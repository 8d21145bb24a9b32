package io.remora.xds.runtime;

import com.google.protobuf.Any;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.extensions.filters.http.router.v3.Router;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpFilter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.remora.config.ServerConfig;
import io.remora.xds.ads.XdsResourceType;
import io.remora.xds.ads.XdsSnapshot;
import io.remora.xds.ads.XdsTestResources;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * A CDS or LDS update that warms is translated once: the check it is ACKed on ahead of its warming keeps its
 * translations for the apply, unless what they depend on changed meanwhile (the resource itself, or the ECDS slots a
 * listener's discovered filters took).
 */
class DynamicConfigTest {
    private final DynamicConfig dynamic = new DynamicConfig(new ServerConfig(null, null, List.of(), Map.of(), Map.of(),
            null), new SimpleMeterRegistry(), VhdsRouteConfigs.Ads.SOTW);
    private final Map<XdsResourceType, Map<String, String>> failures = new java.util.EnumMap<>(XdsResourceType.class);

    @Test
    void theCheckedTranslationIsApplied() throws Exception {
        XdsSnapshot update = XdsTestResources.snapshot("1", List.of(XdsTestResources.rdsListener("l", 15001, "r")),
                List.of(XdsTestResources.edsCluster("c", null)));
        dynamic.check(update, failures);
        assertEquals(2, dynamic.translations());
        dynamic.merge(update, failures);
        assertEquals(2, dynamic.translations(), "the apply takes the check's translations");
        dynamic.merge(update, failures);
        assertEquals(2, dynamic.translations(), "and keeps them while unchanged");
    }

    @Test
    void aResourceChangedSinceItsCheckIsTranslatedAgain() throws Exception {
        Cluster c = XdsTestResources.edsCluster("c", null);
        dynamic.check(XdsTestResources.snapshot("1", List.of(), List.of(c)), failures);
        dynamic.merge(XdsTestResources.snapshot("2", List.of(), List.of(c.toBuilder()
                .setConnectTimeout(com.google.protobuf.util.Durations.fromSeconds(7)).build())), failures);
        assertEquals(2, dynamic.translations());
    }

    @Test
    void aListenerWhoseDiscoveredFilterSlotWasLetGoIsTranslatedAgain() throws Exception {
        Listener l = withFilter(XdsTestResources.rdsListener("l", 15001, "r"),
                EcdsConfigsTest.discovered(EcdsConfigsTest.HEADER_MUTATION));
        XdsSnapshot update = XdsTestResources.ecdsSnapshot(l, EcdsConfigsTest.stamp("1"));
        dynamic.check(update, failures);
        // a snapshot applied while the listener warms, without it: the slot its check took is let go
        dynamic.merge(XdsSnapshot.EMPTY, failures);
        dynamic.commit(XdsSnapshot.EMPTY);
        dynamic.merge(update, failures);
        assertEquals(2, dynamic.translations(), "the checked listener would read a slot nothing fills");
    }

    /**
     * A listener or cluster that fails is left out with its reason, the others of the snapshot merged: Envoy's LDS and
     * CDS add what they can of an update (LdsApiImpl::onConfigUpdate, CdsApiHelper::onConfigUpdate).
     */
    @Test
    void aFailedListenerOrClusterIsLeftOutAndTheOthersMerged() throws Exception {
        XdsSnapshot update = XdsTestResources.snapshot("1", List.of(XdsTestResources.rdsListener("good", 15001, "r"),
                XdsTestResources.plainListener("bad", 70000)), List.of(XdsTestResources.edsCluster("c", null),
                XdsTestResources.edsCluster("odd", null).toBuilder().clearEdsClusterConfig()
                        .setType(Cluster.DiscoveryType.ORIGINAL_DST).build()));
        ServerConfig merged = dynamic.merge(update, failures);
        assertEquals(List.of("good"), merged.listeners().stream().map(l -> l.name()).toList());
        assertEquals(java.util.Set.of("c"), merged.clusters().keySet());
        assertEquals(java.util.Set.of("bad"), failures.get(XdsResourceType.LISTENER).keySet());
        assertEquals(java.util.Set.of("odd"), failures.get(XdsResourceType.CLUSTER).keySet());
        org.junit.jupiter.api.Assertions.assertTrue(failures.get(XdsResourceType.LISTENER).get("bad")
                .contains("port_value"), failures.toString());
    }

    /** The listener with {@code filter} before the router in its connection manager. */
    private static Listener withFilter(Listener l, HttpFilter filter) throws Exception {
        var chain = l.getFilterChains(0);
        var hcm = chain.getFilters(0).getTypedConfig().unpack(HttpConnectionManager.class);
        return l.toBuilder().setFilterChains(0, chain.toBuilder().setFilters(0, chain.getFilters(0).toBuilder()
                .setTypedConfig(Any.pack(hcm.toBuilder().addHttpFilters(filter).addHttpFilters(HttpFilter.newBuilder()
                        .setName("router").setTypedConfig(Any.pack(Router.getDefaultInstance()))).build())))).build();
    }
}
