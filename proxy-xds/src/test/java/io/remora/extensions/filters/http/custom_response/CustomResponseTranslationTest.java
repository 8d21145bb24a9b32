package io.remora.extensions.filters.http.custom_response;

import io.remora.xds.bootstrap.BootstrapLoader;
import io.remora.xds.translate.HcmListenerYaml;
import io.remora.xds.translate.TranslationException;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What a custom response filter's config refuses, and the field each error names. */
class CustomResponseTranslationTest {

    private static final String MATCHER = "static_resources.listeners[0].filter_chains[0].filters[0].typed_config"
            + ".http_filters[0].typed_config.custom_response_matcher";
    private static final String ACTION = MATCHER + ".matcher_tree.exact_match_map.map[\"401\"].action.typed_config";
    private static final String STATUS = "{ \"@type\": type.googleapis.com/envoy.type.matcher.v3.HttpResponseStatusCodeMatchInput }";
    private static final String LOCAL = "\"@type\": type.googleapis.com/"
            + "envoy.extensions.http.custom_response.local_response_policy.v3.LocalResponsePolicy\n";
    private static final String REDIRECT = "\"@type\": type.googleapis.com/"
            + "envoy.extensions.http.custom_response.redirect_policy.v3.RedirectPolicy\n";

    /** A custom response filter whose input {@code input} with value 401 picks {@code action}. */
    private static String config(String input, String action) {
        String body = """
                custom_response_matcher:
                  matcher_tree:
                    input:
                      name: in
                      typed_config: %s
                    exact_match_map:
                      map:
                        "401":
                          action:
                            name: a
                            typed_config:
                """.formatted(input) + action.indent(16);
        return HcmListenerYaml.listener("", HcmListenerYaml.filter("envoy.filters.http.custom_response",
                "type.googleapis.com/envoy.extensions.filters.http.custom_response.v3.CustomResponse", body), "")
                + HcmListenerYaml.CLUSTER_C1;
    }

    private static void load(String yaml) {
        new BootstrapLoader().loadString(yaml, "test.yaml");
    }

    private static TranslationException fail(String yaml) {
        return assertThrows(TranslationException.class, () -> load(yaml));
    }

    @Test
    void bothPoliciesAndTheResponseInputsTranslate() {
        load(config(STATUS, LOCAL + "body: { inline_string: x }\nbody_format: { text_format: \"%LOCAL_REPLY_BODY%\" }\n"
                + "status_code: 403\nresponse_headers_to_add: [{ header: { key: a, value: b } }]\n"));
        load(config("{ \"@type\": type.googleapis.com/envoy.type.matcher.v3.HttpResponseStatusCodeClassMatchInput }",
                REDIRECT + "uri: http://h.test/p\nstatus_code: 299\n"));
        load(config(STATUS, REDIRECT + "redirect_action: { host_redirect: h, port_redirect: 8080, strip_query: true }\n"));
        load(config("{ \"@type\": type.googleapis.com/envoy.type.matcher.v3.HttpResponseHeaderMatchInput,"
                + " header_name: x }", LOCAL));
    }

    @Test
    void anInputTheResponseDoesNotCarryIsRefused() {
        var e = fail(config("{ \"@type\": type.googleapis.com/envoy.type.matcher.v3.HttpRequestHeaderMatchInput,"
                + " header_name: x }", LOCAL));
        assertEquals(MATCHER + ".matcher_tree.input.typed_config", e.path());
        assertTrue(e.reason().contains("unsupported input"), e.reason());
    }

    @Test
    void anUnknownPolicyIsRefused() {
        var e = fail(config(STATUS, "\"@type\": type.googleapis.com/google.protobuf.StringValue\nvalue: x\n"));
        assertEquals(ACTION, e.path());
        assertTrue(e.reason().contains("unsupported custom response policy"), e.reason());
    }

    @Test
    void badPolicyFieldsAreRefusedNamingThem() {
        assertEquals(ACTION + ".status_code", fail(config(STATUS, LOCAL + "status_code: 600\n")).path());
        assertEquals(ACTION + ".status_code", fail(config(STATUS, REDIRECT + "uri: http://h/\nstatus_code: 100\n")).path());
        assertEquals(ACTION + ".uri", fail(config(STATUS, REDIRECT + "uri: not-a-url\n")).path());
        assertEquals(ACTION, fail(config(STATUS, REDIRECT)).path());
        assertEquals(ACTION + ".redirect_action",
                fail(config(STATUS, REDIRECT + "redirect_action: { scheme_redirect: https }\n")).path());
        assertEquals(ACTION + ".redirect_action.prefix_rewrite",
                fail(config(STATUS, REDIRECT + "redirect_action: { host_redirect: h, prefix_rewrite: /p }\n")).path());
        assertEquals(ACTION + ".redirect_action.path_redirect",
                fail(config(STATUS, REDIRECT + "redirect_action: { path_redirect: \"/p#f\" }\n")).path());
        assertEquals(ACTION + ".modify_request_headers_action", fail(config(STATUS, REDIRECT
                + "uri: http://h/\nmodify_request_headers_action: { name: m, typed_config: { \"@type\":"
                + " type.googleapis.com/google.protobuf.StringValue } }\n")).path());
        assertEquals(ACTION + ".body_format", fail(config(STATUS, LOCAL + "body_format: { omit_empty_values: true }\n")).path());
    }
}
