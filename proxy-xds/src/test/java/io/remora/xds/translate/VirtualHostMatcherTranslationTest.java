package io.remora.xds.translate;

import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.Http2Headers;
import io.remora.config.ClusterSpecifier;
import io.remora.config.DirectResponseAction;
import io.remora.config.ForwardAction;
import io.remora.accesslog.StreamInfo;
import io.remora.network.FilterState;
import io.remora.runtime.Runtime;
import io.remora.route.RouteEntry;
import io.remora.route.RouteTable;
import io.remora.xds.bootstrap.ConfigDocuments;
import io.remora.xds.bootstrap.ProtoJson;
import org.junit.jupiter.api.Test;

import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A virtual host's {@code matcher} (Envoy's VirtualHostImpl matcher tree): Route and RouteList
 * actions translated as listed routes are, the routes they pick still matched on their own
 * {@code match} in order, on_no_match, and what Envoy refuses.
 */
class VirtualHostMatcherTranslationTest {

    private static final String ROUTE = "\"@type\": type.googleapis.com/envoy.config.route.v3.Route";
    private static final String ROUTE_LIST = "\"@type\": type.googleapis.com/envoy.config.route.v3.RouteList";

    /** One catch-all virtual host with this matcher (YAML, indented under {@code matcher:}). */
    private static String host(String matcher) {
        return """
                virtual_hosts:
                - name: v
                  domains: [ "*" ]
                  matcher:
                """ + matcher.indent(4);
    }

    private static final String TENANTS = host("""
            matcher_tree:
              input:
                name: tenant
                typed_config:
                  "@type": type.googleapis.com/envoy.type.matcher.v3.HttpRequestHeaderMatchInput
                  header_name: x-tenant
              exact_match_map:
                map:
                  a:
                    action:
                      name: route
                      typed_config:
                        %s
                        match: { prefix: / }
                        route: { cluster: ca }
                  b:
                    action:
                      name: routes
                      typed_config:
                        %s
                        routes:
                        - { name: api, match: { prefix: /api }, route: { cluster: cb-api } }
                        - { name: rest, match: { prefix: / }, route: { cluster: cb } }
                  c:
                    action:
                      name: route
                      typed_config:
                        %s
                        match: { path: /only }
                        route: { cluster: cc }
            on_no_match:
              action:
                name: none
                typed_config:
                  %s
                  match: { prefix: / }
                  direct_response: { status: 418, body: { inline_string: nobody } }
            """.formatted(ROUTE, ROUTE_LIST, ROUTE, ROUTE));

    private static io.remora.config.RouteConfiguration translate(String yaml, TranslationContext ctx) {
        RouteConfiguration rc = ProtoJson.merge(ConfigDocuments.parseYaml(yaml, "r.yaml"),
                RouteConfiguration.newBuilder(), FieldPath.ROOT, TranslationContext.lenient()).build();
        return RouteConfigurationTranslator.translate(rc, FieldPath.of("route_config"), ctx);
    }

    private static RouteEntry route(RouteTable table, String path, String... headers) {
        Http2Headers h = new DefaultHttp2Headers().method("GET").scheme("http").authority("x").path(path);
        for (int i = 0; i < headers.length; i += 2) {
            h.add(headers[i], headers[i + 1]);
        }
        return table.route(h, 0);
    }

    private static String cluster(RouteEntry e) {
        return ((ClusterSpecifier.Single) ((ForwardAction) e.route().action()).cluster()).cluster();
    }

    @Test
    void theTreePicksRoutesWhichStillMatchOnTheirOwnInOrder() {
        RouteTable table = RouteTable.compile(translate(TENANTS, TranslationContext.lenient()));
        assertEquals("ca", cluster(route(table, "/x", "x-tenant", "a")));
        // A RouteList is tried in order, first match wins.
        assertEquals("cb-api", cluster(route(table, "/api/v1", "x-tenant", "b")));
        assertEquals("cb", cluster(route(table, "/web", "x-tenant", "b")));
        assertEquals("api", route(table, "/api", "x-tenant", "b").route().name());
        // The picked route's own match still applies: no fallback to other routes or on_no_match.
        assertEquals("cc", cluster(route(table, "/only", "x-tenant", "c")));
        assertNull(route(table, "/other", "x-tenant", "c"));
    }

    @Test
    void onNoMatchGivesItsRouteWhenNoKeyMatchesOrTheHeaderIsAbsent() {
        RouteTable table = RouteTable.compile(translate(TENANTS, TranslationContext.lenient()));
        RouteEntry none = route(table, "/x", "x-tenant", "z");
        assertEquals(new DirectResponseAction(418, "nobody"), none.route().action());
        assertEquals(418, ((DirectResponseAction) route(table, "/x").route().action()).status());
    }

    @Test
    void aMatcherWithoutOnNoMatchRoutesNothingElse() {
        RouteTable table = RouteTable.compile(translate(host("""
                matcher_list:
                  matchers:
                  - predicate:
                      single_predicate:
                        input:
                          name: h
                          typed_config:
                            "@type": type.googleapis.com/envoy.type.matcher.v3.HttpRequestHeaderMatchInput
                            header_name: x-canary
                        value_match: { prefix: "yes" }
                    on_match:
                      action:
                        name: r
                        typed_config:
                          %s
                          match: { prefix: / }
                          route: { cluster: canary }
                """.formatted(ROUTE)), TranslationContext.lenient()));
        assertEquals("canary", cluster(route(table, "/", "x-canary", "yes-please")));
        assertNull(route(table, "/", "x-canary", "no"));
        assertNull(route(table, "/"));
    }

    @Test
    void bothMatcherAndRoutesAreRefused() {
        var e = assertThrows(TranslationException.class, () -> translate("""
                virtual_hosts:
                - name: v
                  domains: [ a ]
                  routes: [ { match: { prefix: / }, route: { cluster: c } } ]
                  matcher: { on_no_match: { action: { name: r, typed_config: { %s, match: { prefix: / }, route: { cluster: c } } } } }
                """.formatted(ROUTE), TranslationContext.lenient()));
        assertEquals("route_config.virtual_hosts[0].matcher", e.path());
        assertTrue(e.getMessage().contains("cannot set both matcher and routes"), e.getMessage());
    }

    @Test
    void anActionOfAnotherTypeIsRefusedAtItsTypedConfig() {
        var e = assertThrows(TranslationException.class, () -> translate(host("""
                on_no_match:
                  action:
                    name: x
                    typed_config: { "@type": type.googleapis.com/google.protobuf.StringValue, value: c }
                """), TranslationContext.lenient()));
        assertEquals("route_config.virtual_hosts[0].matcher.on_no_match.action.typed_config", e.path());
        assertTrue(e.getMessage().contains("envoy.config.route.v3.Route or envoy.config.route.v3.RouteList"),
                e.getMessage());
    }

    @Test
    void inputsOtherThanRequestHeadersAndFilterStateAreRefusedAsEnvoyRefusesThem() {
        var e = assertThrows(TranslationException.class, () -> translate(host("""
                matcher_tree:
                  input:
                    name: q
                    typed_config:
                      "@type": type.googleapis.com/envoy.type.matcher.v3.HttpRequestQueryParamMatchInput
                      query_param: v
                  exact_match_map:
                    map:
                      "1": { action: { name: r, typed_config: { %s, match: { prefix: / }, route: { cluster: c } } } }
                """.formatted(ROUTE)), TranslationContext.lenient()));
        assertEquals("route_config.virtual_hosts[0].matcher.matcher_tree.input.typed_config", e.path());
        assertTrue(e.getMessage().contains("Route table can only match on request headers"), e.getMessage());
    }

    @Test
    void aFilterStateInputReadsTheStreamsFilterStateAndItsConnections() {
        RouteTable table = RouteTable.compile(translate(host("""
                matcher_tree:
                  input:
                    name: fs
                    typed_config:
                      "@type": type.googleapis.com/envoy.extensions.matching.common_inputs.network.v3.FilterStateInput
                      key: tenant
                  exact_match_map:
                    map:
                      v: { action: { name: r, typed_config: { %s, match: { prefix: / }, route: { cluster: c } } } }
                """.formatted(ROUTE)), TranslationContext.lenient()));
        Http2Headers h = new DefaultHttp2Headers().method("GET").scheme("http").authority("x").path("/");
        FilterState connection = new FilterState(null);
        connection.set("tenant", "v", FilterState.Mutability.READ_ONLY);
        StreamInfo stream = new StreamInfo();
        stream.filterState(new FilterState(connection));
        assertEquals("c", cluster(table.route(h, 0, Runtime.EMPTY, stream)));
        assertNull(table.route(h, 0, Runtime.EMPTY, new StreamInfo()), "no filter state, no key");
        assertNull(table.route(h, 0), "no stream");
    }

    @Test
    void aTreeRouteIsCheckedWhereItIsWrittenButItsClusterIsNotAsInEnvoy() {
        var e = assertThrows(TranslationException.class, () -> translate(TENANTS.replace(
                "{ name: rest, match: { prefix: / }, route: { cluster: cb } }",
                "{ name: rest, route: { cluster: cb } }"), TranslationContext.lenient()));
        assertEquals("route_config.virtual_hosts[0].matcher.matcher_tree.exact_match_map.map[\"b\"].action"
                + ".typed_config.routes[1].match", e.path());
        // Envoy's RouteMatchActionFactory passes validate_clusters false: an unknown cluster is a 503 later.
        TranslationContext known = TranslationContext.lenient().withClusters(Set.of("ca"));
        assertEquals("cb-api", cluster(route(RouteTable.compile(translate(TENANTS, known)), "/api",
                "x-tenant", "b")));
    }
}
