package io.remora.e2e;

import io.remora.testing.TempPaths;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

/**
 * Matchers around HTTP filters through a real proxy: an {@code ExtensionWithMatcher} whose
 * {@code SkipFilter} turns a deny-everything-under-/secure RBAC filter off for one request header
 * value; the composite filter running header_mutation or a fault abort as the request's
 * {@code x-action} header picks (one action sampled at 0%); a composite whose match needs the
 * response headers, which is too late for a filter that decodes (a delegation error); a
 * response-header matcher skipping header_mutation's response mutation; and a route's
 * {@code ExtensionWithMatcherPerRoute} replacing the RBAC filter's matcher.
 */
class CompositeE2ETest {

    @RegisterExtension
    static final E2EStack stack = E2EStack.checkingLeaks();
    static TestUpstream upstream;
    static ProxyProcess proxy;

    private static final String WITH_MATCHER = "type.googleapis.com/envoy.extensions.common.matching.v3.ExtensionWithMatcher";
    private static final String EXECUTE = "type.googleapis.com/envoy.extensions.filters.http.composite.v3.ExecuteFilterAction";
    private static final String MUTATION = "type.googleapis.com/envoy.extensions.filters.http.header_mutation.v3.HeaderMutation";

    private static final String SKIP = "type.googleapis.com/envoy.extensions.filters.common.matcher.action.v3.SkipFilter";

    /** An {@code http_filters} entry: an ExtensionWithMatcher around {@code extensionConfig}. */
    private static String withMatcher(String name, String extensionConfig, String xdsMatcher) {
        return "- name: " + name + "\n  typed_config:\n    \"@type\": " + WITH_MATCHER + "\n    extension_config:\n"
                + extensionConfig.indent(6) + "    xds_matcher:\n" + xdsMatcher.indent(6);
    }

    /** A matcher_tree on one header input (type, name) with this exact_match_map {@code map}. */
    private static String headerTree(String inputType, String header, String map) {
        return "matcher_tree:\n  input:\n    name: " + header + "\n    typed_config:\n"
                + "      \"@type\": type.googleapis.com/envoy.type.matcher.v3." + inputType + "\n"
                + "      header_name: " + header + "\n  exact_match_map:\n    map:\n" + map.indent(6);
    }

    @BeforeAll
    static void start() throws Exception {
        upstream = stack.upstream((ctx, req, n) -> {
            // The upstream answers with the response headers the response-side matchers look for.
            Map<String, String> extra = new java.util.HashMap<>();
            if (req.headers().contains("x-ask-skip")) {
                extra.put("x-upstream-skip", "yes");
            }
            if (req.headers().contains("x-ask-late")) {
                extra.put("x-late", "yes");
            }
            TestUpstream.send(ctx, req, 200, "upstream saw " + req.uri(), extra);
        });
        String composite = """
                name: composite
                typed_config: { "@type": type.googleapis.com/envoy.extensions.filters.http.composite.v3.Composite }
                """;
        String filters = withMatcher("rbac-unless-skipped", """
                name: envoy.filters.http.rbac
                typed_config:
                  "@type": type.googleapis.com/envoy.extensions.filters.http.rbac.v3.RBAC
                  rules:
                    action: DENY
                    policies:
                      secure:
                        permissions: [{ url_path: { path: { prefix: /secure } } }]
                        principals: [{ any: true }]
                """, """
                matcher_list:
                  matchers:
                  - predicate:
                      single_predicate:
                        input:
                          name: skip-header
                          typed_config:
                            "@type": type.googleapis.com/envoy.type.matcher.v3.HttpRequestHeaderMatchInput
                            header_name: x-skip-rbac
                        value_match: { exact: "yes" }
                    on_match: { action: { name: skip, typed_config: { "@type": %s } } }
                """.formatted(SKIP))
                + withMatcher("composite", composite, headerTree("HttpRequestHeaderMatchInput", "x-action", """
                stamp:
                  action:
                    name: stamp
                    typed_config:
                      "@type": %1$s
                      typed_config:
                        name: stamp
                        typed_config:
                          "@type": %2$s
                          mutations: { response_mutations: [{ append: { header: { key: x-composite, value: stamped } } }] }
                abort:
                  action:
                    name: abort
                    typed_config:
                      "@type": %1$s
                      typed_config:
                        name: envoy.filters.http.fault
                        typed_config:
                          "@type": type.googleapis.com/envoy.extensions.filters.http.fault.v3.HTTPFault
                          abort: { http_status: 418, percentage: { numerator: 100 } }
                never:
                  action:
                    name: never
                    typed_config:
                      "@type": %1$s
                      sample_percent: { default_value: { numerator: 0 } }
                      typed_config:
                        name: envoy.filters.http.fault
                        typed_config:
                          "@type": type.googleapis.com/envoy.extensions.filters.http.fault.v3.HTTPFault
                          abort: { http_status: 503, percentage: { numerator: 100 } }
                """.formatted(EXECUTE, MUTATION)))
                + withMatcher("composite-late", composite, headerTree("HttpResponseHeaderMatchInput", "x-late", """
                "yes":
                  action:
                    name: too-late
                    typed_config:
                      "@type": %1$s
                      typed_config:
                        name: late-stamp
                        typed_config:
                          "@type": %2$s
                          mutations: { response_mutations: [{ append: { header: { key: x-late-stamp, value: "on" } } }] }
                """.formatted(EXECUTE, MUTATION)))
                + withMatcher("response-mutation", """
                name: always
                typed_config:
                  "@type": %s
                  mutations: { response_mutations: [{ append: { header: { key: x-always, value: "on" } } }] }
                """.formatted(MUTATION), headerTree("HttpResponseHeaderMatchInput", "x-upstream-skip", """
                "yes": { action: { name: skip, typed_config: { "@type": %s } } }
                """.formatted(SKIP)));
        String routes = """
                - match: { prefix: "/secure/strict" }
                  route: { cluster: app }
                  typed_per_filter_config:
                    rbac-unless-skipped:
                      "@type": type.googleapis.com/envoy.extensions.common.matching.v3.ExtensionWithMatcherPerRoute
                      xds_matcher:
                        matcher_tree:
                          input:
                            name: skip-header
                            typed_config:
                              "@type": type.googleapis.com/envoy.type.matcher.v3.HttpRequestHeaderMatchInput
                              header_name: x-skip-rbac
                          exact_match_map:
                            map:
                              strict-pass:
                                action:
                                  name: skip
                                  typed_config: { "@type": %s }
                - match: { prefix: "/" }
                  route: { cluster: app }
                """.formatted(SKIP);
        proxy = stack.start(stack.http(TempPaths.file("composite-access", ".log").toString(), routes,
                Bootstraps.cluster("app", false, null, upstream.port()), "", filters));
    }

    static Curl get(String path, String... headers) throws Exception {
        return Curl.get(stack.port, path, headers);
    }

    static double stat(String name) throws Exception {
        return proxy.metric("envoy_http_composite_" + name + "{envoy_http_conn_manager_prefix=\"ingress\"}");
    }

    @Test
    void skipFilterTurnsTheWrappedRbacOffOnlyWhenTheHeaderMatches() throws Exception {
        assertEquals(403, get("/secure/x").status(), "no match: the RBAC filter runs");
        assertEquals(403, get("/secure/x", "x-skip-rbac: no").status(), "another value: still runs");
        Curl skipped = get("/secure/x", "x-skip-rbac: yes");
        assertEquals(200, skipped.status());
        assertEquals("upstream saw /secure/x", skipped.text());
        assertEquals(200, get("/open").status(), "the policy only denies /secure");
    }

    @Test
    void aRoutesMatcherReplacesTheFilters() throws Exception {
        assertEquals(403, get("/secure/strict", "x-skip-rbac: yes").status(), "the filter's matcher does not apply");
        assertEquals(200, get("/secure/strict", "x-skip-rbac: strict-pass").status());
        assertEquals(403, get("/secure/other", "x-skip-rbac: strict-pass").status(), "only on that route");
    }

    @Test
    void theCompositeRunsTheFilterTheRequestHeaderPicks() throws Exception {
        double success = stat("filter_delegation_success");
        Curl stamped = get("/a", "x-action: stamp");
        assertEquals(200, stamped.status());
        assertEquals("stamped", stamped.header("x-composite"));
        Curl aborted = get("/a", "x-action: abort");
        assertEquals(418, aborted.status());
        assertEquals(success + 2, stat("filter_delegation_success"));

        Curl plain = get("/a");
        assertEquals(200, plain.status());
        assertNull(plain.header("x-composite"), "no match: the composite does nothing");
        Curl unsampled = get("/a", "x-action: never");
        assertEquals(200, unsampled.status(), "a 0% sample_percent never runs its filter");
        assertEquals(success + 2, stat("filter_delegation_success"));
    }

    @Test
    void aFilterPickedOnResponseHeadersIsTooLateToDecode() throws Exception {
        double errors = stat("filter_delegation_error");
        Curl r = get("/late", "x-ask-late: 1");
        assertEquals(200, r.status());
        assertEquals("yes", r.header("x-late"));
        assertNull(r.header("x-late-stamp"), "header_mutation decodes too, and the request had passed");
        assertEquals(errors + 1, stat("filter_delegation_error"));
    }

    @Test
    void aResponseHeaderMatchSkipsTheWrappedFilterFromThere() throws Exception {
        assertEquals("on", get("/r").header("x-always"));
        Curl skipped = get("/r", "x-ask-skip: 1");
        assertEquals("yes", skipped.header("x-upstream-skip"));
        assertNull(skipped.header("x-always"));
    }
}
