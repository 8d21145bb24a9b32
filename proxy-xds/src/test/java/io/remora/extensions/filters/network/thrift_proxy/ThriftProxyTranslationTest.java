package io.remora.extensions.filters.network.thrift_proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.google.protobuf.Any;
import io.envoyproxy.envoy.config.route.v3.RateLimit;
import io.envoyproxy.envoy.extensions.filters.network.thrift_proxy.router.v3.Router;
import io.envoyproxy.envoy.extensions.filters.network.thrift_proxy.v3.ProtocolType;
import io.envoyproxy.envoy.extensions.filters.network.thrift_proxy.v3.Route;
import io.envoyproxy.envoy.extensions.filters.network.thrift_proxy.v3.RouteAction;
import io.envoyproxy.envoy.extensions.filters.network.thrift_proxy.v3.RouteConfiguration;
import io.envoyproxy.envoy.extensions.filters.network.thrift_proxy.v3.RouteMatch;
import io.envoyproxy.envoy.extensions.filters.network.thrift_proxy.v3.ThriftFilter;
import io.envoyproxy.envoy.extensions.filters.network.thrift_proxy.v3.ThriftProxy;
import io.envoyproxy.envoy.extensions.filters.network.thrift_proxy.v3.Trds;
import io.remora.xds.translate.FieldPath;
import io.remora.xds.translate.TranslationContext;
import io.remora.xds.translate.TranslationException;
import org.junit.jupiter.api.Test;

/** ThriftProxy configs: what is built, and what is refused naming its field. */
class ThriftProxyTranslationTest {

    private static final Route ROUTE = Route.newBuilder()
            .setMatch(RouteMatch.newBuilder().setMethodName("m"))
            .setRoute(RouteAction.newBuilder().setCluster("c")).build();

    private static ThriftProxy.Builder proxy() {
        return ThriftProxy.newBuilder().setStatPrefix("p")
                .setRouteConfig(RouteConfiguration.newBuilder().addRoutes(ROUTE));
    }

    private static ThriftProxyConfig translate(ThriftProxy t) {
        return ThriftProxyTranslator.translate(t, FieldPath.of("filter"), TranslationContext.lenient());
    }

    private static String error(ThriftProxy t) {
        return assertThrows(TranslationException.class, () -> translate(t)).getMessage();
    }

    @Test
    void defaultsAndTheRouter() {
        ThriftProxyConfig c = translate(proxy().addThriftFilters(ThriftFilter.newBuilder()
                .setName("envoy.filters.thrift.router").setTypedConfig(Any.pack(Router.newBuilder()
                        .setCloseDownstreamOnUpstreamError(com.google.protobuf.BoolValue.of(false)).build()))).build());
        assertEquals(ThriftProxyConfig.Transport.AUTO, c.transport());
        assertEquals(ThriftProxyConfig.Protocol.AUTO, c.protocol());
        assertEquals(false, c.closeDownstreamOnUpstreamError());
        assertEquals("m", c.routes().get(0).methodName());
        assertEquals(true, translate(proxy().build()).closeDownstreamOnUpstreamError(), "the default router's");
        assertTrue(c.routed() && translate(proxy().build()).routed());
    }

    /** As Envoy builds it: filters without the router are accepted, and their requests go nowhere. */
    @Test
    void aChainWithoutTheRouterIsAcceptedAndRoutesNothing() {
        ThriftProxyConfig c = translate(proxy().addThriftFilters(ThriftFilter.newBuilder()
                .setName("envoy.filters.thrift.header_to_metadata").setTypedConfig(Any.pack(
                        io.envoyproxy.envoy.extensions.filters.network.thrift_proxy.filters.header_to_metadata.v3
                                .HeaderToMetadata.newBuilder().addRequestRules(io.envoyproxy.envoy.extensions.filters
                                        .network.thrift_proxy.filters.header_to_metadata.v3.HeaderToMetadata.Rule
                                        .newBuilder().setHeader("x-version").setOnPresent(io.envoyproxy.envoy.extensions.filters.network
                                                .thrift_proxy.filters.header_to_metadata.v3.HeaderToMetadata.KeyValuePair
                                                .newBuilder().setMetadataNamespace("envoy.lb").setKey("version")))
                                .build()))).build());
        assertFalse(c.routed());
        assertEquals(1, c.filters().size());
    }

    @Test
    void refusalsNameTheirField() {
        assertStarts("filter.protocol", error(proxy().setProtocol(ProtocolType.TWITTER).build()));
        assertStarts("filter.trds", error(proxy().setTrds(Trds.newBuilder().setRouteConfigName("r")).build()));
        assertStarts("filter.route_config.routes[0].route.rate_limits", error(proxy().setRouteConfig(
                RouteConfiguration.newBuilder().addRoutes(ROUTE.toBuilder().setRoute(ROUTE.getRoute().toBuilder()
                        .addRateLimits(RateLimit.getDefaultInstance())))).build()));
        assertStarts("filter.route_config.routes[0].match.invert", error(proxy().setRouteConfig(
                RouteConfiguration.newBuilder().addRoutes(ROUTE.toBuilder().setMatch(RouteMatch.newBuilder()
                        .setMethodName("").setInvert(true)))).build()));
        assertStarts("filter.thrift_filters[0]", error(proxy().addThriftFilters(ThriftFilter.newBuilder()
                .setName("envoy.filters.thrift.rate_limit")).build()));
        assertStarts("filter.thrift_filters[0]", error(proxy()
                .addThriftFilters(ThriftFilter.newBuilder().setName("envoy.filters.thrift.router"))
                .addThriftFilters(ThriftFilter.newBuilder().setName("envoy.filters.thrift.router")).build()));
        assertStarts("filter.stat_prefix", error(proxy().setStatPrefix("").build()));
    }

    private static void assertStarts(String prefix, String message) {
        assertEquals(true, message.startsWith(prefix), message);
    }
}
