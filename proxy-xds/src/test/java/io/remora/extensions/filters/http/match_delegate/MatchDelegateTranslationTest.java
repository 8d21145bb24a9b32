package io.remora.extensions.filters.http.match_delegate;

import io.remora.xds.bootstrap.BootstrapLoader;
import io.remora.xds.bootstrap.LoadedBootstrap;
import io.remora.xds.translate.HcmListenerYaml;
import io.remora.xds.translate.TranslationException;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** How an ExtensionWithMatcher and the composite's ExecuteFilterAction translate, and what they refuse. */
class MatchDelegateTranslationTest {

    private static final String FILTER = "static_resources.listeners[0].filter_chains[0].filters[0].typed_config"
            + ".http_filters[0].typed_config";
    private static final String ACTION = ".matcher_tree.exact_match_map.map[\"yes\"].action.typed_config";
    private static final String COMPOSITE = """
            name: composite
            typed_config: { "@type": type.googleapis.com/envoy.extensions.filters.http.composite.v3.Composite }
            """;
    private static final String FAULT = """
            name: envoy.filters.http.fault
            typed_config:
              "@type": type.googleapis.com/envoy.extensions.filters.http.fault.v3.HTTPFault
              abort: { http_status: 418, percentage: { numerator: 100 } }
            """;

    /** An ExtensionWithMatcher around {@code extensionConfig}, whose header x-m: yes picks {@code action}. */
    private static String config(String extensionConfig, String matcherField, String input, String action) {
        String body = "extension_config:\n" + extensionConfig.indent(2) + matcherField + ":\n" + """
                  matcher_tree:
                    input:
                      name: in
                      typed_config: %s
                    exact_match_map:
                      map:
                        "yes":
                          action:
                            name: a
                            typed_config:
                """.formatted(input) + action.indent(16);
        return HcmListenerYaml.listener("", HcmListenerYaml.filter("wrapped",
                "type.googleapis.com/envoy.extensions.common.matching.v3.ExtensionWithMatcher", body), "")
                + HcmListenerYaml.CLUSTER_C1;
    }

    private static String header(String type) {
        return "{ \"@type\": type.googleapis.com/envoy.type.matcher.v3." + type + ", header_name: x-m }";
    }

    private static String execute(String fields) {
        return "\"@type\": type.googleapis.com/envoy.extensions.filters.http.composite.v3.ExecuteFilterAction\n" + fields;
    }

    private static final String SKIP =
            "\"@type\": type.googleapis.com/envoy.extensions.filters.common.matcher.action.v3.SkipFilter\n";

    private static LoadedBootstrap load(String yaml) {
        return new BootstrapLoader().loadString(yaml, "test.yaml");
    }

    private static TranslationException fail(String yaml) {
        return assertThrows(TranslationException.class, () -> load(yaml));
    }

    @Test
    void everyHttpInputAndBothMatcherFieldsTranslate() {
        for (String input : new String[] {"HttpRequestHeaderMatchInput", "HttpRequestTrailerMatchInput",
                "HttpResponseHeaderMatchInput", "HttpResponseTrailerMatchInput"}) {
            load(config(FAULT, "xds_matcher", header(input), SKIP));
            load(config(FAULT, "matcher", header(input), SKIP));
        }
        load(config(COMPOSITE, "xds_matcher", header("HttpRequestHeaderMatchInput"),
                execute("typed_config:\n" + FAULT.indent(2) + "sample_percent: { default_value: { numerator: 50 } }\n")));
    }

    @Test
    void aBadActionTypeIsRefusedNamingTheField() {
        String stringValue = "\"@type\": type.googleapis.com/google.protobuf.StringValue\nvalue: x\n";
        var e = fail(config(FAULT, "xds_matcher", header("HttpRequestHeaderMatchInput"), stringValue));
        assertEquals(FILTER + ".xds_matcher" + ACTION, e.path());
        assertTrue(e.reason().contains("unsupported action google.protobuf.StringValue"), e.reason());
        // The deprecated matcher reads the same, its errors under its own field.
        e = fail(config(FAULT, "matcher", header("HttpRequestHeaderMatchInput"), stringValue));
        assertEquals(FILTER + ".matcher" + ACTION, e.path());
    }

    @Test
    void anInputNoHttpMatcherHasIsRefused() {
        var e = fail(config(FAULT, "xds_matcher", "{ \"@type\": type.googleapis.com/"
                + "envoy.extensions.matching.common_inputs.network.v3.TransportProtocolInput }", SKIP));
        assertEquals(FILTER + ".xds_matcher.matcher_tree.input.typed_config", e.path());
        assertTrue(e.reason().contains("unsupported input"), e.reason());
    }

    @Test
    void executeFilterActionIsCheckedFieldByField() {
        String input = header("HttpRequestHeaderMatchInput");
        var e = fail(config(COMPOSITE, "xds_matcher", input, execute("""
                dynamic_config:
                  name: remote
                  config_discovery: { config_source: { ads: {} }, type_urls: [x] }
                """)));
        assertEquals(FILTER + ".xds_matcher" + ACTION + ".dynamic_config", e.path());
        e = fail(config(COMPOSITE, "xds_matcher", input, execute("sample_percent: { default_value: { numerator: 1 } }\n")));
        assertEquals(FILTER + ".xds_matcher" + ACTION + ".typed_config", e.path());
        e = fail(config(COMPOSITE, "xds_matcher", input, execute("typed_config:\n" + FAULT.indent(2)
                + "sample_percent: { default_value: { numerator: 101 } }\n")));
        assertEquals(FILTER + ".xds_matcher" + ACTION + ".sample_percent.default_value", e.path());
        e = fail(config(COMPOSITE, "xds_matcher", input, execute("""
                typed_config:
                  name: envoy.filters.http.router
                  typed_config: { "@type": type.googleapis.com/envoy.extensions.filters.http.router.v3.Router }
                """)));
        assertEquals(FILTER + ".xds_matcher" + ACTION + ".typed_config", e.path());
        assertTrue(e.reason().contains("router"), e.reason());
    }

    @Test
    void anUnknownWrappedFilterIsRefusedWhenItMayDenyElseSkipped() {
        String input = header("HttpRequestHeaderMatchInput");
        var e = fail(config("""
                name: quota
                typed_config: { "@type": type.googleapis.com/envoy.extensions.filters.http.rate_limit_quota.v3.RateLimitQuotaFilterConfig }
                """, "xds_matcher", input, SKIP));
        assertEquals(FILTER + ".extension_config", e.path());
        assertTrue(e.reason().contains("may deny requests"), e.reason());
        var optional = load(config("""
                name: quota
                typed_config: { "@type": type.googleapis.com/envoy.extensions.filters.http.rate_limit_quota.v3.RateLimitQuotaFilterConfig }
                """, "xds_matcher", input, SKIP).replaceFirst("- name: wrapped\n( *)", "- name: wrapped\n$1is_optional: true\n$1"));
        assertTrue(optional.warnings().stream().anyMatch(w -> w.contains("skipping optional HTTP filter 'wrapped'")),
                optional.warnings().toString());
        var skipped = load(config("""
                name: kill
                typed_config: { "@type": type.googleapis.com/envoy.extensions.filters.http.kill_request.v3.KillRequest }
                """, "xds_matcher", input, SKIP));
        assertTrue(skipped.warnings().stream().anyMatch(w -> w.contains("skipping unsupported HTTP filter 'kill'")),
                skipped.warnings().toString());
    }

    @Test
    void aRoutesMatcherMayOnlyReadRequestHeaders() {
        String filter = HcmListenerYaml.filter("wrapped",
                "type.googleapis.com/envoy.extensions.common.matching.v3.ExtensionWithMatcher",
                "extension_config:\n" + FAULT.indent(2));
        String perRoute = """
                typed_per_filter_config:
                  wrapped:
                    "@type": type.googleapis.com/envoy.extensions.common.matching.v3.ExtensionWithMatcherPerRoute
                    xds_matcher:
                      matcher_tree:
                        input: { name: in, typed_config: %s }
                        exact_match_map: { map: { "yes": { action: { name: a, typed_config: { %s } } } } }
                route: { cluster: c1 }
                """;
        String skip = SKIP.strip();
        load(HcmListenerYaml.listener("", filter, HcmListenerYaml.catchAllHost("",
                perRoute.formatted(header("HttpRequestHeaderMatchInput"), skip))) + HcmListenerYaml.CLUSTER_C1);
        var e = fail(HcmListenerYaml.listener("", filter, HcmListenerYaml.catchAllHost("",
                perRoute.formatted(header("HttpResponseHeaderMatchInput"), skip))) + HcmListenerYaml.CLUSTER_C1);
        assertTrue(e.path().endsWith("typed_per_filter_config[\"wrapped\"].xds_matcher.matcher_tree.input.typed_config"),
                e.path());
        assertTrue(e.reason().contains("not permitted according to allowlist"), e.reason());
    }

    @Test
    void anActionOnlyTheCompositeTakesIsWarnedAboutElsewhere() {
        var loaded = load(config(FAULT, "xds_matcher", header("HttpRequestHeaderMatchInput"),
                execute("typed_config:\n" + FAULT.indent(2))));
        assertTrue(loaded.warnings().stream().anyMatch(w -> w.contains("not the composite filter")),
                loaded.warnings().toString());
    }
}
