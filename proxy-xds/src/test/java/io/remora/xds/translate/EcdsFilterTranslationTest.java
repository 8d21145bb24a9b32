package io.remora.xds.translate;

import com.google.protobuf.Any;
import io.envoyproxy.envoy.config.core.v3.ApiConfigSource;
import io.envoyproxy.envoy.config.core.v3.ConfigSource;
import io.envoyproxy.envoy.config.core.v3.ExtensionConfigSource;
import io.envoyproxy.envoy.config.core.v3.HeaderValue;
import io.envoyproxy.envoy.config.core.v3.HeaderValueOption;
import io.envoyproxy.envoy.config.core.v3.AggregatedConfigSource;
import io.envoyproxy.envoy.config.listener.v3.Filter;
import io.envoyproxy.envoy.config.common.mutation_rules.v3.HeaderMutation;
import io.envoyproxy.envoy.extensions.filters.http.header_mutation.v3.Mutations;
import io.envoyproxy.envoy.extensions.filters.http.lua.v3.Lua;
import io.envoyproxy.envoy.extensions.filters.http.router.v3.Router;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpFilter;
import io.envoyproxy.envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy;
import io.remora.config.DiscoveredHttpFilterConfig;
import io.remora.config.DiscoveredNetworkFilterConfig;
import io.remora.config.HttpFilterEntry;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A filter's config_discovery, checked as Envoy's filter chain helper checks it. */
class EcdsFilterTranslationTest {
    static final String HEADER_MUTATION = "type.googleapis.com/envoy.extensions.filters.http.header_mutation.v3.HeaderMutation";
    static final ConfigSource ADS = ConfigSource.newBuilder().setAds(AggregatedConfigSource.getDefaultInstance()).build();
    static final HttpFilter ROUTER = HttpFilter.newBuilder().setName("envoy.filters.http.router")
            .setTypedConfig(Any.pack(Router.getDefaultInstance())).build();

    private final TranslationContext ctx = TranslationContext.lenient().withEcdsSlots(new EcdsSlots());

    static ExtensionConfigSource.Builder discovery() {
        return ExtensionConfigSource.newBuilder().setConfigSource(ADS).addTypeUrls(HEADER_MUTATION);
    }

    static Any headerMutation(String value) {
        return Any.pack(io.envoyproxy.envoy.extensions.filters.http.header_mutation.v3.HeaderMutation.newBuilder()
                .setMutations(Mutations.newBuilder().addResponseMutations(HeaderMutation.newBuilder()
                        .setAppend(HeaderValueOption.newBuilder().setHeader(HeaderValue.newBuilder().setKey("x").setValue(value)))))
                .build());
    }

    private List<HttpFilterEntry> http(ExtensionConfigSource.Builder d) {
        return HttpFilterTranslator.translate(List.of(HttpFilter.newBuilder().setName("stamp").setConfigDiscovery(d).build(), ROUTER),
                FieldPath.of("http_filters"), ctx);
    }

    private TranslationException httpRefused(ExtensionConfigSource.Builder d) {
        return assertThrows(TranslationException.class, () -> http(d));
    }

    @Test
    void aDiscoveredFilterReadsItsSlotAndFallsBackToItsDefault() {
        HttpFilterEntry e = http(discovery().setDefaultConfig(headerMutation("d")).setApplyDefaultConfigWithoutWarming(true)).get(0);
        DiscoveredHttpFilterConfig d = (DiscoveredHttpFilterConfig) e.config();
        assertEquals("stamp", e.name());
        assertNull(d.slot().config(), "nothing delivered yet");
        assertNotNull(d.defaultConfig());
        assertSame(d.defaultConfig(), d.effective());
        DiscoveredHttpFilterConfig again = (DiscoveredHttpFilterConfig) http(discovery()).get(0).config();
        assertSame(d.slot(), again.slot(), "filters taking the same configs share the resource's slot");
        assertNull(again.effective(), "no default: no config until one arrives");
    }

    @Test
    void badDiscoveryIsRefusedAtItsField() {
        assertEquals("http_filters[0].config_discovery.config_source",
                httpRefused(discovery().clearConfigSource()).path());
        assertEquals("http_filters[0].config_discovery.config_source", httpRefused(discovery().setConfigSource(
                ConfigSource.newBuilder().setApiConfigSource(ApiConfigSource.newBuilder().setApiType(ApiConfigSource.ApiType.REST))))
                .path());
        TranslationException noDefault = httpRefused(discovery().setApplyDefaultConfigWithoutWarming(true));
        assertEquals("http_filters[0].config_discovery.apply_default_config_without_warming", noDefault.path());
        assertEquals("http_filters[0].config_discovery.type_urls", httpRefused(discovery().clearTypeUrls()).path());
        TranslationException unknown = httpRefused(discovery().addTypeUrls("type.googleapis.com/no.such.Filter"));
        assertEquals("http_filters[0].config_discovery.type_urls[1]", unknown.path());
        assertTrue(unknown.getMessage().contains("no.such.Filter"), unknown.getMessage());
        assertEquals("http_filters[0].config_discovery.type_urls[0]", httpRefused(ExtensionConfigSource.newBuilder()
                .setConfigSource(ADS).addTypeUrls("type.googleapis.com/" + TcpProxy.getDescriptor().getFullName())).path(),
                "a network filter's type is not an HTTP filter's");
        TranslationException unlisted = httpRefused(discovery().setDefaultConfig(Any.pack(Lua.newBuilder()
                .setInlineCode("function envoy_on_request(h) end").build())));
        assertEquals("http_filters[0].config_discovery.default_config", unlisted.path());
        assertTrue(unlisted.getMessage().contains("but expect"), unlisted.getMessage());
    }

    @Test
    void staticListenersCannotDiscoverTheirFilters() {
        TranslationException e = assertThrows(TranslationException.class, () -> HttpFilterTranslator.translate(
                List.of(HttpFilter.newBuilder().setName("stamp").setConfigDiscovery(discovery()).build(), ROUTER),
                FieldPath.of("http_filters"), TranslationContext.lenient()));
        assertEquals("http_filters[0].config_discovery", e.path());
    }

    @Test
    void aDiscoveredRouterOrLastFilterIsRefused() {
        TranslationException last = assertThrows(TranslationException.class, () -> HttpFilterTranslator.translate(
                List.of(HttpFilter.newBuilder().setName("stamp").setConfigDiscovery(discovery()).build()),
                FieldPath.of("http_filters"), ctx));
        assertTrue(last.getMessage().contains("router"), last.getMessage());
        TranslationException router = assertThrows(TranslationException.class, () -> EcdsFilterTranslator.http(
                Any.pack(Router.getDefaultInstance()), java.util.Set.of(Router.getDescriptor().getFullName()),
                FieldPath.of("typed_config"), ctx));
        assertEquals("typed_config", router.path());
    }

    @Test
    void networkFiltersMayBeDiscoveredButNotTheTerminalOne() {
        String rbac = "type.googleapis.com/envoy.extensions.filters.network.rbac.v3.RBAC";
        Filter tcp = Filter.newBuilder().setName("envoy.filters.network.tcp_proxy").setTypedConfig(Any.pack(
                TcpProxy.newBuilder().setStatPrefix("t").setCluster("c").build())).build();
        Filter guard = Filter.newBuilder().setName("guard").setConfigDiscovery(ExtensionConfigSource.newBuilder()
                .setConfigSource(ADS).addTypeUrls(rbac)).build();
        var filters = NetworkFilterTranslator.translate(List.of(guard, tcp), FieldPath.of("filters"), ctx);
        assertTrue(filters.get(0) instanceof DiscoveredNetworkFilterConfig d && d.filterName().equals("guard"));
        assertEquals("filters[1].config_discovery", assertThrows(TranslationException.class,
                () -> NetworkFilterTranslator.translate(List.of(guard, guard.toBuilder().setName("last").build()),
                        FieldPath.of("filters"), ctx)).path());
        String hcm = "type.googleapis.com/" + HttpConnectionManager.getDescriptor().getFullName();
        assertEquals("filters[0].config_discovery.type_urls[0]", assertThrows(TranslationException.class,
                () -> NetworkFilterTranslator.translate(List.of(guard.toBuilder().setConfigDiscovery(
                        ExtensionConfigSource.newBuilder().setConfigSource(ADS).addTypeUrls(hcm)).build(), tcp),
                        FieldPath.of("filters"), ctx)).path(), "a terminal filter's type is refused");
    }
}
