package io.remora.e2e;

import io.remora.testing.TempPaths;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

/**
 * Envoy's URI templates on real traffic: routes matched by {@code path_match_policy} and rewritten
 * by {@code path_rewrite_policy} to an upstream that echoes the path it got, and RBAC
 * {@code uri_template} permissions (as Istio makes them of {@code {*}} / {@code {**}} paths)
 * allowing or denying with 403.
 */
class UriTemplateE2ETest {

    @RegisterExtension
    static final E2EStack stack = new E2EStack();
    private static final String MATCH = """
            path_match_policy:
              name: envoy.path.match.uri_template.uri_template_matcher
              typed_config:
                "@type": type.googleapis.com/envoy.extensions.path.match.uri_template.v3.UriTemplateMatchConfig
                path_template: "%s"
            """;
    private static final String REWRITE = """
              path_rewrite_policy:
                name: envoy.path.rewrite.uri_template.uri_template_rewriter
                typed_config:
                  "@type": type.googleapis.com/envoy.extensions.path.rewrite.uri_template.v3.UriTemplateRewriteConfig
                  path_template_rewrite: "%s"
            """;

    private static String template(String template) {
        return "- match:\n" + MATCH.formatted(template).indent(4);
    }

    static final String ROUTES = template("/api/{version}/{rest=**}") + """
              route:
                cluster: backend
            """ + REWRITE.formatted("/{rest}/{version}").indent(2) + template("/videos/{id}/{file}.m4s") + """
              route:
                cluster: backend
            """ + REWRITE.formatted("/media/{id}-{file}").indent(2) + template("/static/*") + """
              route: { cluster: backend }
            - match: { prefix: /guarded/ }
              route: { cluster: backend }
              typed_per_filter_config:
                envoy.filters.http.rbac:
                  "@type": type.googleapis.com/envoy.extensions.filters.http.rbac.v3.RBACPerRoute
                  rbac:
                    rules:
                      action: ALLOW
                      policies:
                        profiles:
                          permissions:
                          - uri_template: { name: uri-template, typed_config: { "@type": "%1$s", path_template: "/guarded/*/profile" } }
                          - uri_template: { name: uri-template, typed_config: { "@type": "%1$s", path_template: "/guarded/public/**" } }
                          principals: [{ any: true }]
            - match: { prefix: / }
              direct_response: { status: 404, body: { inline_string: fallback } }
            """.formatted("type.googleapis.com/envoy.extensions.path.match.uri_template.v3.UriTemplateMatchConfig");

    /** Filter-level rules: everything but the admin secrets (Istio's "/admin/{*}/secrets/{**}"). */
    static final String HTTP_RBAC = """
            - name: envoy.filters.http.rbac
              typed_config:
                "@type": type.googleapis.com/envoy.extensions.filters.http.rbac.v3.RBAC
                rules:
                  action: DENY
                  policies:
                    secrets:
                      permissions:
                      - uri_template:
                          name: uri-template
                          typed_config:
                            "@type": type.googleapis.com/envoy.extensions.path.match.uri_template.v3.UriTemplateMatchConfig
                            path_template: /admin/*/secrets/**
                      principals: [{ any: true }]
            """;

    static TestUpstream backend;
    static ProxyProcess proxy;
    static final HttpClient CLIENT = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @BeforeAll
    static void start() throws Exception {
        backend = stack.upstream((ctx, req, n) -> TestUpstream.send(ctx, req, 200, "upstream got " + req.uri()));
        String yaml = stack.http(TempPaths.file("uri-template-access", ".log").toString(), ROUTES,
                Bootstraps.cluster("backend", false, null, backend.port()), "", HTTP_RBAC);
        proxy = stack.start(yaml);
    }

    static HttpResponse<String> get(String path) throws Exception {
        return CLIENT.send(HttpRequest.newBuilder(URI.create(stack.url(path)))
                .timeout(Duration.ofSeconds(10)).GET().build(), HttpResponse.BodyHandlers.ofString());
    }

    static String body(String path) throws Exception {
        HttpResponse<String> r = get(path);
        return r.statusCode() + " " + r.body();
    }

    @Test
    void theRewriteUsesTheCapturesAndKeepsTheQuery() throws Exception {
        assertEquals("200 upstream got /a/b/c/v2?x=1&y=/z", body("/api/v2/a/b/c?x=1&y=/z"));
        assertEquals("/api/v2/a/b/c?x=1&y=/z", backend.lastHeaders.get("x-envoy-original-path"));
        // ** captures zero segments too.
        assertEquals("200 upstream got //v1", body("/api/v1/"));
        // A suffix after a variable.
        assertEquals("200 upstream got /media/7-seg.001", body("/videos/7/seg.001.m4s"));
        // Envoy 1.35's operators take a '*' of the path (uri_template_match_on_asterisk).
        assertEquals("200 upstream got /a*/*b/v*", body("/api/v*/a*/*b"));
    }

    @Test
    void aTemplateWithoutRewriteLeavesThePath() throws Exception {
        assertEquals("200 upstream got /static/app.js?v=3", body("/static/app.js?v=3"));
        assertNull(backend.lastHeaders.get("x-envoy-original-path"));
    }

    @Test
    void pathsTheTemplatesDoNotMatchFallThrough() throws Exception {
        // {version} then '/' is required; * is one segment; the match is case-sensitive; the query
        // is not part of the match.
        for (String p : new String[] {"/api/v1", "/static/a/b", "/API/v1/x", "/videos/7/a/seg.m4s",
                "/videos/7/seg.m4s.bak", "/static?x=/static/a"}) {
            assertEquals("404 fallback", body(p), p);
        }
    }

    @Test
    void rbacUriTemplatePermissionsAllowAndDeny() throws Exception {
        String denied = "envoy_http_rbac_denied{envoy_http_conn_manager_prefix=\"ingress\"}";
        double before = proxy.metric(denied);
        // The filter's DENY policy.
        HttpResponse<String> secret = get("/admin/eu/secrets/db/password");
        assertEquals(403, secret.statusCode());
        assertEquals("RBAC: access denied", secret.body());
        assertEquals(403, get("/admin/eu/secrets/").statusCode());
        assertEquals("404 fallback", body("/admin/eu/secretsx/db"));
        assertEquals("404 fallback", body("/admin/eu/west/secrets/db"));
        // The route's ALLOW policy: only what its templates match passes.
        assertEquals("200 upstream got /guarded/alice/profile?tab=2", body("/guarded/alice/profile?tab=2"));
        assertEquals("200 upstream got /guarded/public/a/b", body("/guarded/public/a/b"));
        assertEquals(403, get("/guarded/alice/settings").statusCode());
        assertEquals(403, get("/guarded/a/b/profile").statusCode());
        assertEquals(403, get("/guarded/publicity").statusCode());
        assertEquals(before + 5, proxy.metric(denied));
    }
}
