package io.remora.route;

import io.netty.handler.codec.http2.Http2Headers;
import io.netty.util.AsciiString;
import io.remora.config.HeaderMatcher;
import io.remora.config.StringMatcher;
import io.remora.config.VirtualCluster;
import io.remora.config.VirtualHost;
import io.remora.stats.StatsRegistry;
import org.junit.jupiter.api.Test;

import java.util.List;

import static io.remora.route.Fixtures.config;
import static io.remora.route.Fixtures.prefix;
import static io.remora.route.Fixtures.request;
import static io.remora.route.Fixtures.route;
import static io.remora.route.Fixtures.vhost;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** Envoy's virtualClusterFromEntries: first full match, else the catch-all, nothing without virtual clusters. */
class VirtualClusterSelectionTest {

    private static HeaderMatcher exact(String name, String value) {
        return new HeaderMatcher(name, new StringMatcher.Exact(value, false), null, null, false, false);
    }

    private static final VirtualCluster WRITES = new VirtualCluster("writes",
            List.of(exact(":method", "POST"), new HeaderMatcher(":path", new StringMatcher.Prefix("/api/", false),
                    null, null, false, false)));
    private static final VirtualCluster TENANT = new VirtualCluster("tenant", List.of(exact("x-tenant", "x")));

    private static RouteTable table() {
        VirtualHost plain = vhost("plain", List.of("plain"), route("p", prefix("/")));
        VirtualHost base = vhost("shop", List.of("*"), route("a", prefix("/a")), route("b", prefix("/")));
        VirtualHost shop = VirtualHost.builder(base.name(), base.domains(), base.routes())
                .virtualClusters(List.of(WRITES, TENANT)).build();
        return RouteTable.compile(config(plain, shop));
    }

    private static Http2Headers req(String authority, String method, String path, String tenant) {
        Http2Headers h = request(authority, path).method(AsciiString.of(method));
        if (tenant != null) {
            h.set("x-tenant", tenant);
        }
        return h;
    }

    private static String selected(RouteTable t, Http2Headers h) {
        CompiledVirtualCluster vc = t.route(h, 0).virtualCluster(h);
        return vc == null ? null : vc.name() == null ? "<other>" : vc.name();
    }

    @Test
    void firstMatchingVirtualClusterWinsElseTheCatchAll() {
        RouteTable t = table();
        assertEquals("writes", selected(t, req("shop", "POST", "/api/orders", "x")));
        assertEquals("tenant", selected(t, req("shop", "GET", "/api/orders", "x")));
        assertEquals("tenant", selected(t, req("shop", "POST", "/a/api/", "x")));
        assertEquals("<other>", selected(t, req("shop", "GET", "/api/orders", "y")));
        assertNull(selected(t, req("plain", "POST", "/api/orders", "x")));
    }

    @Test
    void routesOfOneVirtualHostShareItsVirtualClustersAndStats() {
        RouteTable t = table();
        Http2Headers h1 = req("shop", "POST", "/api/orders", null);
        Http2Headers h2 = req("shop", "POST", "/api/orders", null).path(AsciiString.of("/a"));
        CompiledVirtualCluster other1 = t.route(h1, 0).virtualCluster(req("shop", "GET", "/", null));
        CompiledVirtualCluster other2 = t.route(h2, 0).virtualCluster(req("shop", "GET", "/", null));
        assertSame(other1, other2);
        StatsRegistry stats = new StatsRegistry();
        assertSame(other1.stats(stats), other2.stats(stats));
        assertEquals("other", other1.stats(stats).virtualCluster());
        assertEquals("shop", other1.stats(stats).virtualHost());
    }

    @Test
    void aVirtualClusterNeedsANameAndHeaders() {
        assertThrows(IllegalArgumentException.class, () -> new VirtualCluster("", List.of(exact("a", "b"))));
        assertThrows(IllegalArgumentException.class, () -> new VirtualCluster("n", List.of()));
    }
}
