package io.remora.xds.translate;

import io.remora.config.ForwardAction;
import io.remora.config.HttpConnectionManagerConfig;
import io.remora.config.RouteMatch;
import io.remora.xds.bootstrap.BootstrapLoader;
import io.remora.xds.bootstrap.LoadedBootstrap;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** safe_regex everywhere has RE2's semantics: RE2 syntax in, backtracking constructs and big programs out. */
class Re2RegexTest {

    /** The bootstrap with these items in virtual host v0's routes, all to cluster c1. */
    private static String yaml(String routes) {
        return HcmListenerYaml.listener("", "", "- name: v0\n  domains: ['*']\n  routes:\n" + routes.indent(2))
                + HcmListenerYaml.CLUSTER_C1;
    }

    private static final String ROUTES = "static_resources.listeners[0].filter_chains[0].filters[0].typed_config"
            + ".route_config.virtual_hosts[0].routes[0]";

    private static LoadedBootstrap load(String route) {
        return new BootstrapLoader().loadString(yaml(route), "test.yaml");
    }

    private static TranslationException refused(String route) {
        return assertThrows(TranslationException.class, () -> load(route));
    }

    private static RouteMatch firstMatch(LoadedBootstrap b) {
        var hcm = (HttpConnectionManagerConfig) b.model().listeners().get(0).filterChains().get(0).filters().get(0);
        return hcm.routeConfig().virtualHosts().get(0).routes().get(0).match();
    }

    @Test
    void namedGroupsInRe2SyntaxAreAccepted() {
        RouteMatch m = firstMatch(load("""
                - match: { safe_regex: { regex: "/(?P<svc>[a-z]+)/v[0-9]+" } }
                  route: { cluster: c1 }
                """));
        var regex = ((RouteMatch.SafeRegex) m.path()).regex();
        assertTrue(regex.matches("/users/v2"));
        assertFalse(regex.matches("/users/v2/x"));
    }

    @Test
    void backreferenceIsRefusedWithItsFieldPath() {
        var e = refused("""
                - match: { safe_regex: { regex: "/(a)\\\\1" } }
                  route: { cluster: c1 }
                """);
        assertEquals(ROUTES + ".match.safe_regex.regex", e.path());
        assertTrue(e.reason().startsWith("invalid regex"), e.reason());
    }

    @Test
    void lookaroundIsRefusedInHeaderMatchersAndRewrites() {
        var header = refused("""
                - match:
                    prefix: /
                    headers: [{ name: x-a, string_match: { safe_regex: { regex: "a(?=b)" } } }]
                  route: { cluster: c1 }
                """);
        assertEquals(ROUTES + ".match.headers[0].string_match.safe_regex.regex", header.path());
        var rewrite = refused("""
                - match: { prefix: / }
                  route:
                    cluster: c1
                    regex_rewrite: { pattern: { regex: "(?<!x)y" }, substitution: z }
                """);
        assertEquals(ROUTES + ".route.regex_rewrite.pattern.regex", rewrite.path());
    }

    @Test
    void programSizeOverTheDefaultLimitIsRefused() {
        // Envoy's default error level is 100: 150 repetitions of a class are over it.
        String big = "/[a-z]{150}";
        var e = refused("- match: { safe_regex: { regex: \"" + big + "\" } }\n  route: { cluster: c1 }\n");
        assertEquals(ROUTES + ".match.safe_regex.regex", e.path());
        assertTrue(e.reason().contains("RE2 program size of"), e.reason());
        // The deprecated per-regex max_program_size raises the limit, as in Envoy.
        load("- match: { safe_regex: { google_re2: { max_program_size: 100000 }, regex: \"" + big
                + "\" } }\n  route: { cluster: c1 }\n");
    }

    @Test
    void runtimeErrorLevelSetsTheLimitAsIstioDoes() {
        String big = "- match: { safe_regex: { regex: \"/[a-z]{150}\" } }\n  route: { cluster: c1 }\n";
        String istio = """
                layered_runtime:
                  layers:
                  - name: global config
                    static_layer:
                      re2.max_program_size.error_level: 32768
                """;
        new BootstrapLoader().loadString(istio + yaml(big), "test.yaml");
        String strict = istio.replace("32768", "20");
        var e = assertThrows(TranslationException.class, () -> new BootstrapLoader().loadString(
                strict + yaml("- match: { safe_regex: { regex: \"/[a-z]{40}\" } }\n  route: { cluster: c1 }\n"),
                "test.yaml"));
        assertEquals(ROUTES + ".match.safe_regex.regex", e.path());
        // A bootstrap without the key is back to Envoy's default of 100.
        refused(big);
    }

    @Test
    void rewriteSubstitutesRe2Groups() {
        LoadedBootstrap b = load("""
                - match: { prefix: / }
                  route:
                    cluster: c1
                    regex_rewrite: { pattern: { regex: "^/service/(?P<name>[^/]+)(/.*)$" }, substitution: "\\\\2/instance/\\\\1" }
                """);
        var hcm = (HttpConnectionManagerConfig) b.model().listeners().get(0).filterChains().get(0).filters().get(0);
        var fwd = (ForwardAction) hcm.routeConfig().virtualHosts().get(0).routes().get(0).action();
        assertTrue(fwd.regexRewrite().pattern().matches("/service/foo/bar"));
        assertEquals(2, fwd.regexRewrite().pattern().groupCount());
    }
}
