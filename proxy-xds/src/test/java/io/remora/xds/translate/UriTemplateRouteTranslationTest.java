package io.remora.xds.translate;

import io.remora.config.ForwardAction;
import io.remora.config.HttpConnectionManagerConfig;
import io.remora.config.Route;
import io.remora.config.RouteMatch;
import io.remora.xds.bootstrap.BootstrapLoader;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A route's {@code path_match_policy} and {@code path_rewrite_policy} (Envoy's URI templates) into the model. */
class UriTemplateRouteTranslationTest {

    private static final String MATCH = "{ name: envoy.path.match.uri_template.uri_template_matcher, typed_config: {"
            + " \"@type\": type.googleapis.com/envoy.extensions.path.match.uri_template.v3.UriTemplateMatchConfig,"
            + " path_template: \"%s\" } }";
    private static final String REWRITE = "{ name: envoy.path.rewrite.uri_template.uri_template_rewriter,"
            + " typed_config: { \"@type\":"
            + " type.googleapis.com/envoy.extensions.path.rewrite.uri_template.v3.UriTemplateRewriteConfig,"
            + " path_template_rewrite: \"%s\" } }";

    private static Route route(String match, String routeFields) {
        String vh = "- { name: v, domains: [\"*\"], routes: [{ match: " + match + ", route: { cluster: c1"
                + routeFields + " } }] }";
        var loaded = new BootstrapLoader().loadString(HcmListenerYaml.listener("", "", vh)
                + HcmListenerYaml.CLUSTER_C1, "test.yaml");
        var hcm = assertInstanceOf(HttpConnectionManagerConfig.class,
                loaded.model().listeners().get(0).filterChains().get(0).terminalFilter());
        return hcm.routeConfig().virtualHosts().get(0).routes().get(0);
    }

    private static String templateMatch(String template) {
        return "{ path_match_policy: " + MATCH.formatted(template) + " }";
    }

    private static String refused(String match, String routeFields) {
        return assertThrows(TranslationException.class, () -> route(match, routeFields)).getMessage();
    }

    @Test
    void matchAndRewriteAreCompiled() {
        Route r = route(templateMatch("/api/{version}/{rest=**}"),
                ", path_rewrite_policy: " + REWRITE.formatted("/{rest}/{version}"));
        var t = assertInstanceOf(RouteMatch.PathTemplate.class, r.match().path());
        assertEquals(List.of("version", "rest"), t.template().variableNames());
        ForwardAction f = (ForwardAction) r.action();
        assertEquals("/{rest}/{version}", f.pathTemplateRewrite().pattern());
        assertEquals("/a/b/v1?q=1", f.pathTemplateRewrite().rewrite("/api/v1/a/b?q=1"));
    }

    @Test
    void badTemplatesAreRefusedNamingTheField() {
        String m = refused(templateMatch("/api/**/{x}"), "");
        assertTrue(m.contains("match.path_match_policy.typed_config.path_template"), m);
        m = refused(templateMatch("api"), "");
        assertTrue(m.contains("match.path_match_policy.typed_config.path_template"), m);
        m = refused(templateMatch("/{a}/{b}"), ", path_rewrite_policy: " + REWRITE.formatted("/{c}"));
        assertTrue(m.contains("route.path_rewrite_policy.typed_config.path_template_rewrite"), m);
        assertTrue(m.contains("{c}"), m);
        m = refused(templateMatch("/{a}"), ", path_rewrite_policy: " + REWRITE.formatted("/x//{a}"));
        assertTrue(m.contains("route.path_rewrite_policy.typed_config.path_template_rewrite"), m);
    }

    @Test
    void envoysRulesOnCombiningRewritesHold() {
        // A template rewrite needs a template match.
        String m = refused("{ prefix: / }", ", path_rewrite_policy: " + REWRITE.formatted("/x"));
        assertTrue(m.contains("route.path_rewrite_policy"), m);
        // prefix_rewrite cannot be used with a template match.
        m = refused(templateMatch("/{a}"), ", prefix_rewrite: /x");
        assertTrue(m.contains("route.prefix_rewrite"), m);
        // Only one rewrite.
        m = refused(templateMatch("/{a}"), ", path_rewrite_policy: " + REWRITE.formatted("/{a}")
                + ", regex_rewrite: { pattern: { regex: a }, substitution: b }");
        assertTrue(m.contains("route.path_rewrite_policy"), m);
        // A template match may go with regex_rewrite, as in Envoy.
        var f = (ForwardAction) route(templateMatch("/{a}"), ", regex_rewrite: { pattern: { regex: a },"
                + " substitution: b }").action();
        assertNull(f.pathTemplateRewrite());
    }

    @Test
    void otherExtensionTypesAreRefused() {
        String m = refused("{ path_match_policy: " + REWRITE.formatted("/x") + " }", "");
        assertTrue(m.contains("match.path_match_policy.typed_config"), m);
        m = refused(templateMatch("/{a}"), ", path_rewrite_policy: " + MATCH.formatted("/{a}"));
        assertTrue(m.contains("route.path_rewrite_policy.typed_config"), m);
        m = refused("{ path_match_policy: { name: x } }", "");
        assertTrue(m.contains("match.path_match_policy.typed_config"), m);
    }
}
