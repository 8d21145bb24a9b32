package io.remora.xds.translate;

import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.remora.config.ForwardAction;
import io.remora.xds.bootstrap.ConfigDocuments;
import io.remora.xds.bootstrap.ProtoJson;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Route-table fields that were once silently ignored: mirror policies inherited from the virtual
 * host and route configuration, and the fields refused or warned about by name.
 */
class RouteTableFieldsTranslationTest {

    private static io.remora.config.RouteConfiguration translate(String yaml, TranslationContext ctx) {
        RouteConfiguration rc = ProtoJson.merge(ConfigDocuments.parseYaml(yaml, "r.yaml"),
                RouteConfiguration.newBuilder(), FieldPath.ROOT, TranslationContext.lenient()).build();
        return RouteConfigurationTranslator.translate(rc, FieldPath.of("route_config"), ctx);
    }

    private static List<String> mirrorClusters(io.remora.config.RouteConfiguration rc, int vh, int route) {
        return ((ForwardAction) rc.virtualHosts().get(vh).routes().get(route).action()).mirrors().stream()
                .map(ForwardAction.MirrorPolicy::cluster).toList();
    }

    @Test
    void mirrorPoliciesComeFromTheRouteElseItsHostElseTheRouteConfiguration() {
        var rc = translate("""
                request_mirror_policies: [ { cluster: table, trace_sampled: false } ]
                virtual_hosts:
                - name: inherits
                  domains: [ a ]
                  routes: [ { match: { prefix: / }, route: { cluster: c } } ]
                - name: own
                  domains: [ b ]
                  request_mirror_policies: [ { cluster: host1 }, { cluster: host2 } ]
                  routes:
                  - { match: { prefix: /r }, route: { cluster: c, request_mirror_policies: [ { cluster: route } ] } }
                  - { match: { prefix: / }, route: { cluster: c } }
                """, TranslationContext.lenient());
        assertEquals(List.of("table"), mirrorClusters(rc, 0, 0));
        assertEquals(Boolean.FALSE, ((ForwardAction) rc.virtualHosts().get(0).routes().get(0).action()).mirrors()
                .get(0).traceSampled());
        assertEquals(List.of("route"), mirrorClusters(rc, 1, 0));
        assertEquals(null, ((ForwardAction) rc.virtualHosts().get(1).routes().get(0).action()).mirrors()
                .get(0).traceSampled(), "unset trace_sampled keeps the request's decision");
        assertEquals(List.of("host1", "host2"), mirrorClusters(rc, 1, 1));
    }

    @Test
    void inheritedMirrorPoliciesAreValidatedWhereTheyAreWritten() {
        var e = assertThrows(TranslationException.class, () -> translate("""
                virtual_hosts:
                - name: v
                  domains: [ a ]
                  request_mirror_policies: [ { cluster: x, cluster_header: y } ]
                  routes: [ { match: { prefix: / }, route: { cluster: c } } ]
                """, TranslationContext.lenient()));
        assertEquals("route_config.virtual_hosts[0].request_mirror_policies[0].cluster", e.path());
    }

    @Test
    void priorityIsTranslatedWithoutAWarning() {
        TranslationContext ctx = TranslationContext.lenient();
        io.remora.config.RouteConfiguration rc = translate("""
                virtual_hosts:
                - name: v
                  domains: [ a ]
                  routes:
                  - { match: { prefix: /d }, route: { cluster: c, priority: DEFAULT } }
                  - { match: { prefix: / }, route: { cluster: c, priority: HIGH } }
                """, ctx);
        assertEquals(List.of(), ctx.warnings());
        assertFalse(((ForwardAction) rc.virtualHosts().get(0).routes().get(0).action()).highPriority());
        assertTrue(((ForwardAction) rc.virtualHosts().get(0).routes().get(1).action()).highPriority());
    }

    @Test
    void cookieAttributesNeedANameAndNoLineBreaks() {
        var e = assertThrows(TranslationException.class, () -> translate("""
                virtual_hosts:
                - name: v
                  domains: [ a ]
                  routes:
                  - match: { prefix: / }
                    route:
                      cluster: c
                      hash_policy: [ { cookie: { name: s, ttl: 1s, attributes: [ { name: Secure }, { value: x } ] } } ]
                """, TranslationContext.lenient()));
        assertEquals("route_config.virtual_hosts[0].routes[0].route.hash_policy[0].cookie.attributes[1].name",
                e.path());
    }

    @Test
    void filterStateMatchersAreTranslatedAndAnEmptyKeyIsRefused() {
        var rc = translate("""
                virtual_hosts:
                - name: v
                  domains: [ a ]
                  routes:
                  - match: { prefix: /, filter_state: [ { key: k, string_match: { exact: v } } ] }
                    route: { cluster: c }
                """, TranslationContext.lenient());
        var fs = rc.virtualHosts().get(0).routes().get(0).match().filterState();
        assertEquals(1, fs.size());
        assertEquals("k", fs.get(0).key());
        var e = assertThrows(TranslationException.class, () -> translate("""
                virtual_hosts:
                - name: v
                  domains: [ a ]
                  routes:
                  - match: { prefix: /, filter_state: [ { string_match: { exact: v } } ] }
                    route: { cluster: c }
                """, TranslationContext.lenient()));
        assertEquals("route_config.virtual_hosts[0].routes[0].match.filter_state[0].key", e.path());
    }

    @Test
    void aStatPrefixIsKeptWithoutWarningAndAnEmptyOneIsNone() {
        TranslationContext ctx = TranslationContext.lenient();
        var rc = translate("""
                virtual_hosts:
                - name: v
                  domains: [ a ]
                  routes:
                  - { match: { prefix: /o }, stat_prefix: orders, route: { cluster: c } }
                  - { match: { prefix: / }, stat_prefix: "", route: { cluster: c } }
                """, ctx);
        assertEquals("orders", rc.virtualHosts().get(0).routes().get(0).statPrefix());
        assertEquals(null, rc.virtualHosts().get(0).routes().get(1).statPrefix());
        assertFalse(ctx.warnings().toString().contains("stat_prefix"), ctx.warnings().toString());
    }
}
