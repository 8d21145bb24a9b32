package io.remora.extensions.filters.http.rbac;

import io.remora.config.HttpConnectionManagerConfig;
import io.remora.config.HttpFilterEntry;
import io.remora.config.PerFilterConfig;
import io.remora.extensions.filters.network.rbac.NetworkRbacConfig;
import io.remora.rbac.RbacEngine;
import io.remora.rbac.RbacPolicyEngine;
import io.remora.rbac.RbacRules;
import io.remora.xds.bootstrap.BootstrapLoader;
import io.remora.xds.translate.HcmListenerYaml;
import io.remora.xds.translate.TranslationException;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** RBAC configs in a bootstrap: good ones become the model, bad ones fail naming the field. */
class RbacTranslationTest {

    static final String NET_OK = "stat_prefix: tcp.\nrules: {}";
    static final String HTTP_OK = """
            rules:
              action: DENY
              policies:
                deny-admin:
                  permissions: [{url_path: {path: {prefix: /admin}}}]
                  principals: [{any: true}]
            shadow_rules_stat_prefix: dry_
            shadow_rules: {action: ALLOW}
            """;
    static final String ROUTE_OK = "rbac: {}";

    static String yaml(String net, String http, String route) {
        String rbacRoute = """
                route: { cluster: c1 }
                typed_per_filter_config:
                  envoy.filters.http.rbac:
                    "@type": type.googleapis.com/envoy.extensions.filters.http.rbac.v3.RBACPerRoute
                """ + route.indent(4);
        return HcmListenerYaml.networkListener(
                HcmListenerYaml.filter("envoy.filters.network.rbac",
                        "type.googleapis.com/envoy.extensions.filters.network.rbac.v3.RBAC", net)
                + HcmListenerYaml.connectionManager("",
                        HcmListenerYaml.filter("envoy.filters.http.rbac",
                                "type.googleapis.com/envoy.extensions.filters.http.rbac.v3.RBAC", http),
                        "- name: v\n  domains: ['*']\n  routes:\n  - match: { prefix: /open }\n" + rbacRoute.indent(4)
                        + "  - match: { prefix: / }\n    route: { cluster: c1 }\n"))
                + HcmListenerYaml.CLUSTER_C1;
    }

    static TranslationException fail(String net, String http, String route) {
        TranslationException e = assertThrows(TranslationException.class,
                () -> new BootstrapLoader().loadString(yaml(net, http, route), "rbac.yaml"));
        System.out.println("refused: " + e.getMessage());
        return e;
    }

    static final String NET = "static_resources.listeners[0].filter_chains[0].filters[0].typed_config";
    static final String HTTP = "static_resources.listeners[0].filter_chains[0].filters[1].typed_config.http_filters[0].typed_config";
    static final String ROUTE = "static_resources.listeners[0].filter_chains[0].filters[1].typed_config.route_config"
            + ".virtual_hosts[0].routes[0].typed_per_filter_config[\"envoy.filters.http.rbac\"]";

    @Test
    void goodConfigTranslates() {
        var model = new BootstrapLoader().loadString(yaml(NET_OK + "\nenforcement_type: CONTINUOUS\ndelay_deny: 0.5s",
                HTTP_OK, ROUTE_OK), "rbac.yaml").model();
        var chain = model.listeners().get(0).filterChains().get(0);
        NetworkRbacConfig net = (NetworkRbacConfig) chain.filters().get(0);
        assertEquals("tcp.", net.statPrefix());
        assertTrue(net.continuous());
        assertEquals(Duration.ofMillis(500), net.delayDeny());
        assertEquals(RbacEngine.Action.ALLOW, ((RbacPolicyEngine) net.rules().engine()).action());
        assertTrue(((RbacPolicyEngine) net.rules().engine()).policies().isEmpty());
        assertNull(net.rules().shadowEngine());

        HttpConnectionManagerConfig hcm = (HttpConnectionManagerConfig) chain.filters().get(1);
        HttpFilterEntry f = hcm.httpFilters().get(0);
        RbacConfig http = (RbacConfig) f.config();
        assertEquals("envoy.filters.http.rbac", f.name());
        assertEquals(RbacEngine.Action.DENY, ((RbacPolicyEngine) http.rules().engine()).action());
        assertEquals("deny-admin", ((RbacPolicyEngine) http.rules().engine()).policies().get(0).name());
        assertEquals("dry_", http.shadowRulesStatPrefix());
        PerFilterConfig pf = hcm.routeConfig().virtualHosts().get(0).routes().get(0).perFilterConfigs()
                .get("envoy.filters.http.rbac");
        assertEquals(RbacRules.NONE, ((RbacPerRouteConfig) pf.config()).rules());
    }

    @Test
    void networkStatPrefixRequired() {
        var e = fail("rules: {}", HTTP_OK, ROUTE_OK);
        assertEquals(NET + ".stat_prefix", e.path());
    }

    @Test
    void emptyAndRules() {
        var e = fail(NET_OK, """
                rules:
                  policies:
                    p:
                      permissions: [{and_rules: {rules: []}}]
                      principals: [{any: true}]
                """, ROUTE_OK);
        assertEquals(HTTP + ".rules.policies[\"p\"].permissions[0].and_rules.rules", e.path());
    }

    @Test
    void policyWithoutPrincipals() {
        var e = fail(NET_OK, """
                rules:
                  policies:
                    p:
                      permissions: [{any: true}]
                """, ROUTE_OK);
        assertEquals(HTTP + ".rules.policies[\"p\"].principals", e.path());
    }

    @Test
    void portRangeBackwards() {
        var e = fail(NET_OK.replace("rules: {}", """
                rules:
                  policies:
                    p:
                      permissions: [{not_rule: {destination_port_range: {start: 90, end: 80}}}]
                      principals: [{any: true}]
                """), HTTP_OK, ROUTE_OK);
        assertEquals(NET + ".rules.policies[\"p\"].permissions[0].not_rule.destination_port_range", e.path());
    }

    @Test
    void badCidr() {
        var e = fail(NET_OK.replace("rules: {}", """
                rules:
                  policies:
                    p:
                      permissions: [{any: true}]
                      principals: [{or_ids: {ids: [{any: true}, {remote_ip: {address_prefix: 10.0.0.300, prefix_len: 8}}]}}]
                """), HTTP_OK, ROUTE_OK);
        assertEquals(NET + ".rules.policies[\"p\"].principals[0].or_ids.ids[1].remote_ip", e.path());
        assertTrue(e.reason().contains("10.0.0.300"), e.reason());
    }

    @Test
    void badRegexInPrincipal() {
        var e = fail(NET_OK, """
                rules:
                  policies:
                    p:
                      permissions: [{any: true}]
                      principals: [{authenticated: {principal_name: {safe_regex: {regex: "("}}}}]
                """, ROUTE_OK);
        assertEquals(HTTP + ".rules.policies[\"p\"].principals[0].authenticated.principal_name.safe_regex.regex", e.path());
    }

    @Test
    void celConditionAndCheckedConditionTogetherRefused() {
        // One condition is evaluated (RbacEngineTableTest); both at once is Envoy's error.
        var e = fail(NET_OK, """
                rules:
                  policies:
                    p:
                      permissions: [{any: true}]
                      principals: [{any: true}]
                      condition: {const_expr: {bool_value: true}}
                      checked_condition: {expr: {const_expr: {bool_value: true}}}
                """, ROUTE_OK);
        assertTrue(e.path().startsWith(HTTP + ".rules.policies[\"p\"]"), e.path());
    }

    @Test
    void emptyMatcherListRefused() {
        var e = fail(NET_OK, "matcher: {matcher_list: {matchers: []}}", ROUTE_OK);
        assertEquals(HTTP + ".matcher.matcher_list.matchers", e.path());
    }

    @Test
    void perRouteBadRule() {
        var e = fail(NET_OK, HTTP_OK, """
                rbac:
                  rules:
                    policies:
                      p:
                        permissions: [{header: {name: ""}}]
                        principals: [{any: true}]
                """);
        assertEquals(ROUTE + ".rbac.rules.policies[\"p\"].permissions[0].header.name", e.path());
    }

    @Test
    void unknownMetadataSourceRefused() {
        var e = fail(NET_OK, """
                rules:
                  policies:
                    p:
                      permissions: [{sourced_metadata: {metadata_source: 7, metadata_matcher: {filter: f, path: [{key: k}], value: {present_match: true}}}}]
                      principals: [{any: true}]
                """, ROUTE_OK);
        assertEquals(HTTP + ".rules.policies[\"p\"].permissions[0].sourced_metadata.metadata_source", e.path());
    }
}
