package io.remora.xds.ads;

import com.google.protobuf.Any;
import com.google.protobuf.Duration;
import io.envoyproxy.envoy.config.core.v3.ConfigSource;
import io.envoyproxy.envoy.config.core.v3.ExtensionConfigSource;
import io.envoyproxy.envoy.config.core.v3.TypedExtensionConfig;
import io.envoyproxy.envoy.config.listener.v3.Filter;
import io.envoyproxy.envoy.config.listener.v3.FilterChain;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.extensions.filters.http.router.v3.Router;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpFilter;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A new listener waits for its discovered filters' configs, as Envoy's listener warms on the ECDS
 * subscription's init target, unless apply_default_config_without_warming; bounded by the config
 * source's initial_fetch_timeout (0: for ever).
 */
class EcdsWarmingTest {
    static final java.time.Duration DEFAULT = java.time.Duration.ofSeconds(15);

    static Listener listener(ExtensionConfigSource discovery) {
        HttpConnectionManager hcm = HttpConnectionManager.newBuilder().setStatPrefix("in")
                .addHttpFilters(HttpFilter.newBuilder().setName("stamp").setConfigDiscovery(discovery))
                .addHttpFilters(HttpFilter.newBuilder().setName("envoy.filters.http.router").setTypedConfig(Any.pack(Router.getDefaultInstance())))
                .build();
        return Listener.newBuilder().setName("l").addFilterChains(FilterChain.newBuilder().addFilters(
                Filter.newBuilder().setName("hcm").setTypedConfig(Any.pack(hcm)))).build();
    }

    static ExtensionConfigSource.Builder ads() {
        return ExtensionConfigSource.newBuilder().setConfigSource(ConfigSource.newBuilder().setAds(
                io.envoyproxy.envoy.config.core.v3.AggregatedConfigSource.getDefaultInstance())).addTypeUrls("type.googleapis.com/x.Y");
    }

    @Test
    void aListenerWarmsOnItsDiscoveredConfigsUnlessToldToStartOnItsDefault() {
        Listener waits = listener(ads().build());
        Warming.Verdict v = Warming.check(XdsTestResources.ecdsSnapshot(waits), XdsSnapshot.EMPTY, false, DEFAULT);
        assertTrue(v.warming());
        assertEquals(DEFAULT, v.maxWait());
        assertFalse(Warming.check(XdsTestResources.ecdsSnapshot(waits, TypedExtensionConfig.newBuilder().setName("stamp").build()),
                XdsSnapshot.EMPTY, false, DEFAULT).warming(), "ready once the config is there");
        assertFalse(Warming.check(XdsTestResources.ecdsSnapshot(waits), XdsSnapshot.EMPTY, false, DEFAULT,
                (type, name) -> type == XdsResourceType.EXTENSION_CONFIG && name.equals("stamp")).warming(),
                "not after the fetch was rejected");
        assertFalse(Warming.check(XdsTestResources.ecdsSnapshot(listener(ads().setApplyDefaultConfigWithoutWarming(true).build())),
                XdsSnapshot.EMPTY, false, DEFAULT).warming());
        Listener forever = listener(ads().setConfigSource(ads().getConfigSource().toBuilder()
                .setInitialFetchTimeout(Duration.getDefaultInstance())).build());
        Warming.Verdict istio = Warming.check(XdsTestResources.ecdsSnapshot(forever), XdsSnapshot.EMPTY, false, DEFAULT);
        assertTrue(istio.warming());
        assertNull(istio.maxWait(), "initial_fetch_timeout 0s waits for ever, as Istio sets it");
        assertEquals(java.util.Set.of("stamp"), EcdsRefs.adsNames(XdsTestResources.ecdsSnapshot(waits)), "the ADS subscription");
    }
}
