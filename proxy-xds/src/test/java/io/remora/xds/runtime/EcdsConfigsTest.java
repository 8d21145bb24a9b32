package io.remora.xds.runtime;

import com.google.protobuf.Any;
import io.envoyproxy.envoy.config.core.v3.ExtensionConfigSource;
import io.envoyproxy.envoy.config.core.v3.HeaderValue;
import io.envoyproxy.envoy.config.core.v3.HeaderValueOption;
import io.envoyproxy.envoy.config.core.v3.TypedExtensionConfig;
import io.envoyproxy.envoy.config.common.mutation_rules.v3.HeaderMutation;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.extensions.filters.http.header_mutation.v3.Mutations;
import io.envoyproxy.envoy.extensions.filters.http.lua.v3.Lua;
import io.envoyproxy.envoy.extensions.filters.http.router.v3.Router;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpFilter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.remora.config.DiscoveredHttpFilterConfig;
import io.remora.xds.ads.XdsRejectedException;
import io.remora.xds.ads.XdsSnapshot;
import io.remora.xds.ads.XdsTestResources;
import io.remora.xds.translate.FieldPath;
import io.remora.xds.translate.HttpFilterTranslator;
import io.remora.xds.translate.TranslationContext;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Delivered configs published to the filters that name them, as Envoy's filter config subscription
 * does: checked against every filter's type_urls (NACK), published only once applied, the same
 * translation kept while the resource is unchanged, removal back to nothing, and a filter added
 * later that cannot take the config held running on its default (config_conflict).
 */
class EcdsConfigsTest {
    static final String HEADER_MUTATION = "type.googleapis.com/envoy.extensions.filters.http.header_mutation.v3.HeaderMutation";
    static final String LUA = "type.googleapis.com/envoy.extensions.filters.http.lua.v3.Lua";

    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final EcdsConfigs ecds = new EcdsConfigs(registry);
    private final TranslationContext ctx = TranslationContext.lenient().withEcdsSlots(ecds.slots());

    static HttpFilter discovered(String typeUrl) {
        return HttpFilter.newBuilder().setName("stamp").setConfigDiscovery(ExtensionConfigSource.newBuilder()
                .setConfigSource(XdsTestResources.ADS).addTypeUrls(typeUrl)).build();
    }

    static Listener listener(String name, HttpFilter filter) {
        return XdsTestResources.plainListener(name, 1).toBuilder().clearFilterChains().addFilterChains(
                io.envoyproxy.envoy.config.listener.v3.FilterChain.newBuilder().addFilters(
                        io.envoyproxy.envoy.config.listener.v3.Filter.newBuilder().setName("hcm").setTypedConfig(Any.pack(
                                io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager
                                        .newBuilder().setStatPrefix(name).addHttpFilters(filter).addHttpFilters(
                                                HttpFilter.newBuilder().setName("router").setTypedConfig(Any.pack(Router.getDefaultInstance())))
                                        .build())))).build();
    }

    /** The filter as the listener's translation binds it. */
    private DiscoveredHttpFilterConfig bind(HttpFilter filter) {
        return (DiscoveredHttpFilterConfig) HttpFilterTranslator.translate(List.of(filter, HttpFilter.newBuilder()
                .setName("router").setTypedConfig(Any.pack(Router.getDefaultInstance())).build()),
                FieldPath.of("http_filters"), ctx).get(0).config();
    }

    static TypedExtensionConfig stamp(String value) {
        return TypedExtensionConfig.newBuilder().setName("stamp").setTypedConfig(Any.pack(
                io.envoyproxy.envoy.extensions.filters.http.header_mutation.v3.HeaderMutation.newBuilder()
                        .setMutations(Mutations.newBuilder().addResponseMutations(HeaderMutation.newBuilder().setAppend(
                                HeaderValueOption.newBuilder().setHeader(HeaderValue.newBuilder().setKey("x").setValue(value)))))
                        .build())).build();
    }

    static TypedExtensionConfig lua() {
        return TypedExtensionConfig.newBuilder().setName("stamp").setTypedConfig(Any.pack(
                Lua.newBuilder().setInlineCode("function envoy_on_request(h) end").build())).build();
    }

    private double conflicts() {
        return registry.counter("envoy_extension_config_discovery_config_conflict",
                io.remora.stats.StatNames.ECDS_TAG, "http_filter.stamp").count();
    }

    @Test
    void publishedOnCommitKeptWhileUnchangedAndGoneOnRemoval() throws Exception {
        HttpFilter filter = discovered(HEADER_MUTATION);
        DiscoveredHttpFilterConfig bound = bind(filter);
        XdsSnapshot v1 = XdsTestResources.ecdsSnapshot(listener("a", filter), stamp("1"));
        ecds.prepare(v1, ctx);
        assertNull(bound.effective(), "nothing runs before the snapshot is applied");
        ecds.commit(v1);
        var first = bound.effective();
        assertNotNull(first);
        ecds.prepare(XdsTestResources.ecdsSnapshot(listener("a", filter), stamp("1")), ctx);
        ecds.commit(v1);
        assertSame(first, bound.effective(), "an unchanged resource keeps its translation (and its built factory)");
        XdsSnapshot gone = XdsTestResources.ecdsSnapshot(listener("a", filter));
        ecds.prepare(gone, ctx);
        ecds.commit(gone);
        assertNull(bound.effective(), "removed: back to the default, here none");
    }

    @Test
    void aDeliveredConfigOfAnUnlistedTypeIsRejectedButAHeldOneMakesALaterFilterConflict() throws Exception {
        HttpFilter filter = discovered(HEADER_MUTATION);
        bind(filter);
        XdsRejectedException e = assertThrows(XdsRejectedException.class,
                () -> ecds.prepare(XdsTestResources.ecdsSnapshot(listener("a", filter), lua()), ctx));
        assertEquals("stamp", e.resourceName());
        assertTrue(e.getMessage().contains("but expect"), e.getMessage());

        XdsSnapshot held = XdsTestResources.ecdsSnapshot(listener("a", filter), stamp("1"));
        ecds.prepare(held, ctx);
        ecds.commit(held);
        // a second listener naming the same resource but taking only Lua configs: runs on its default
        HttpFilter luaOnly = discovered(LUA);
        DiscoveredHttpFilterConfig later = bind(luaOnly);
        Listener both = listener("b", luaOnly);
        XdsSnapshot withB = XdsTestResources.ecdsSnapshot(both, stamp("1"));
        ecds.prepare(withB, ctx);
        ecds.commit(withB);
        assertNull(later.effective());
        assertEquals(1.0, conflicts());
    }
}
