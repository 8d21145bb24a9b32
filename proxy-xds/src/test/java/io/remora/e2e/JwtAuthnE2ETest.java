package io.remora.e2e;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

import static io.remora.e2e.JwtTokens.b64;
import static io.remora.e2e.JwtTokens.claims;
import static io.remora.e2e.JwtTokens.es256;
import static io.remora.e2e.JwtTokens.now;
import static io.remora.e2e.JwtTokens.rs256;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * jwt_authn on real traffic, in the shape Istio's RequestAuthentication generates (one provider,
 * inline JWKS, {@code requires_any: [provider, allow_missing]}, payload in metadata under
 * {@code payload}), followed by RBAC matching the request principal ({@code iss} and {@code sub}
 * of that payload) as Istio's AuthorizationPolicy does. Keys and tokens come from {@link JwtTokens}.
 */
class JwtAuthnE2ETest {

    @RegisterExtension
    static final E2EStack stack = new E2EStack();
    static final String ISSUER = "https://issuer.example";
    static TestUpstream backend;
    static ProxyProcess proxy;
    static final HttpClient CLIENT = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    static final String RBAC = """
            - name: envoy.filters.http.rbac
              typed_config:
                "@type": type.googleapis.com/envoy.extensions.filters.http.rbac.v3.RBAC
                rules:
                  action: ALLOW
                  policies:
                    open:
                      permissions: [{ not_rule: { url_path: { path: { prefix: /rbac } } } }]
                      principals: [{ any: true }]
                    ns[foo]-policy[alice]-rule[0]:
                      permissions: [{ url_path: { path: { prefix: /rbac } } }]
                      principals:
                      - and_ids:
                          ids:
                          - metadata:
                              filter: envoy.filters.http.jwt_authn
                              path: [{ key: payload }, { key: iss }]
                              value: { string_match: { exact: "%s" } }
                          - metadata:
                              filter: envoy.filters.http.jwt_authn
                              path: [{ key: payload }, { key: sub }]
                              value: { string_match: { exact: alice } }
                    ns[foo]-policy[scoped]-rule[0]:
                      permissions: [{ url_path: { path: { prefix: /rbac-scoped } } }]
                      principals:
                      - metadata:
                          filter: envoy.filters.http.jwt_authn
                          path: [{ key: payload }, { key: scope }]
                          value:
                            or_match:
                              value_matchers:
                              - list_match: { one_of: { string_match: { exact: write } } }
                              - string_match: { exact: write }
            """.formatted(ISSUER);

    static String jwtFilter(String jwks) {
        return """
                - name: envoy.filters.http.jwt_authn
                  typed_config:
                    "@type": type.googleapis.com/envoy.extensions.filters.http.jwt_authn.v3.JwtAuthentication
                    providers:
                      origins-0:
                        issuer: "%1$s"
                        local_jwks: { inline_string: '%2$s' }
                        payload_in_metadata: payload
                        normalize_payload_in_metadata: { space_delimited_claims: [scope] }
                      claims:
                        issuer: "%1$s"
                        local_jwks: { inline_string: '%2$s' }
                        claim_to_headers:
                        - { header_name: x-claim-roles, claim_name: roles }
                        - { header_name: x-claim-org, claim_name: org }
                        - { header_name: x-claim-level, claim_name: org.level }
                        jwt_cache_config: { jwt_cache_size: 2 }
                      x509:
                        issuer: "%1$s"
                        local_jwks: { inline_string: '%3$s' }
                    rules:
                    - match: { prefix: /x509 }
                      requires: { provider_name: x509 }
                    - match: { prefix: /strict, query_parameters: [{ name: strict, present_match: true }] }
                      requires: { provider_name: origins-0 }
                    - match: { prefix: /claims }
                      requires: { provider_name: claims }
                    - match: { prefix: /aud }
                      requires:
                        provider_and_audiences: { provider_name: origins-0, audiences: [api.example] }
                    - match:
                        path_match_policy:
                          name: envoy.path.match.uri_template.uri_template_matcher
                          typed_config:
                            "@type": type.googleapis.com/envoy.extensions.path.match.uri_template.v3.UriTemplateMatchConfig
                            path_template: "/orders/{id}/secret"
                      requires: { provider_name: origins-0 }
                    - match: { prefix: / }
                      requires:
                        requires_any:
                          requirements:
                          - provider_name: origins-0
                          - allow_missing: {}
                    bypass_cors_preflight: true
                """.formatted(ISSUER, jwks, JwtTokens.x509Jwks()) + RBAC;
    }

    @BeforeAll
    static void start() throws Exception {
        String jwks = JwtTokens.jwks();
        backend = stack.upstream((ctx, req, n) -> TestUpstream.send(ctx, req, 200,
                "authorization=" + req.headers().get("authorization")
                        + claimHeaders(req.headers(), "x-claim-roles", "x-claim-org", "x-claim-level")));
        String yaml = stack.http("/dev/null", "- match: { prefix: / }\n  route: { cluster: backend }",
                Bootstraps.cluster("backend", false, null, backend.port()), "", jwtFilter(jwks));
        proxy = stack.start(yaml, java.util.List.of("-Xmx256m", "-XX:TieredStopAtLevel=1"));
    }

    static String claimHeaders(io.netty.handler.codec.http.HttpHeaders h, String... names) {
        StringBuilder out = new StringBuilder();
        for (String name : names) {
            if (h.contains(name)) {
                out.append(' ').append(name).append('=').append(String.join(",", h.getAll(name)));
            }
        }
        return out.toString();
    }

    static HttpResponse<String> get(String path, String token) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(stack.url(path)))
                .timeout(Duration.ofSeconds(10));
        if (token != null) {
            b.header("authorization", "Bearer " + token);
        }
        return CLIENT.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    static double metric(String name) throws Exception {
        return proxy.metric(name + "{envoy_http_conn_manager_prefix=\"ingress\"}");
    }

    // ------------------------------------------------------------------ cases

    @Test
    void validTokensPassAndTheTokenIsNotForwarded() throws Exception {
        double allowed = metric("envoy_http_jwt_authn_allowed");
        HttpResponse<String> r = get("/page", rs256(claims(ISSUER, "bob", now() + 600, "")));
        assertEquals(200, r.statusCode(), r.body());
        assertEquals("authorization=null", r.body());
        assertEquals(200, get("/page", es256(claims(ISSUER, "bob", now() + 600, ""))).statusCode());
        assertEquals(allowed + 2, metric("envoy_http_jwt_authn_allowed"));
    }

    @Test
    void objectAndListClaimsReachHeadersAsBase64OfTheirJson() throws Exception {
        String token = rs256(claims(ISSUER, "bob", now() + 600,
                ",\"roles\":[\"admin\",\"dev\"],\"org\":{\"level\":3}"));
        HttpResponse<String> r = get("/claims", token);
        assertEquals(200, r.statusCode(), r.body());
        java.util.Base64.Encoder b64 = java.util.Base64.getEncoder();
        assertEquals("authorization=null"
                + " x-claim-roles=" + b64.encodeToString("[\"admin\",\"dev\"]".getBytes())
                + " x-claim-org=" + b64.encodeToString("{\"level\":3}".getBytes())
                + " x-claim-level=3", r.body());
    }

    @Test
    void aCachedTokenIsAHitAndAProviderWithoutCacheCountsMisses() throws Exception {
        double hits = metric("envoy_http_jwt_authn_jwt_cache_hit");
        double misses = metric("envoy_http_jwt_authn_jwt_cache_miss");
        String token = rs256(claims(ISSUER, "carol", now() + 600, ",\"roles\":[\"ops\"]"));
        HttpResponse<String> first = get("/claims", token);
        assertEquals(200, first.statusCode(), first.body());
        HttpResponse<String> second = get("/claims", token);
        assertEquals(first.body(), second.body(), "a hit still sets the claim headers");
        assertEquals(hits + 1, metric("envoy_http_jwt_authn_jwt_cache_hit"));
        assertEquals(misses + 1, metric("envoy_http_jwt_authn_jwt_cache_miss"));

        // origins-0 has no jwt_cache_config: Envoy looks every token up, and misses.
        assertEquals(200, get("/page", token).statusCode());
        assertEquals(200, get("/page", token).statusCode());
        assertEquals(hits + 1, metric("envoy_http_jwt_authn_jwt_cache_hit"));
        assertEquals(misses + 3, metric("envoy_http_jwt_authn_jwt_cache_miss"));
    }

    @Test
    void aUriTemplateRuleRequiresItsToken() throws Exception {
        assertEquals(401, get("/orders/7/secret?x=1", null).statusCode());
        assertEquals(200, get("/orders/7/secret", rs256(claims(ISSUER, "bob", now() + 600, ""))).statusCode());
        assertEquals(200, get("/orders/7/public", null).statusCode(), "another path: the catch-all rule");
    }

    @Test
    void missingTokenPassesUnderAllowMissing() throws Exception {
        HttpResponse<String> r = get("/page", null);
        assertEquals(200, r.statusCode());
        assertEquals("authorization=null", r.body());
    }

    @Test
    void badSignatureIsRejected() throws Exception {
        double denied = metric("envoy_http_jwt_authn_denied");
        String good = rs256(claims(ISSUER, "bob", now() + 600, ""));
        String other = es256(claims(ISSUER, "bob", now() + 600, ""));
        // A signature of another key, under the RSA header.
        String forged = good.substring(0, good.lastIndexOf('.')) + other.substring(other.lastIndexOf('.'));
        String tampered = good.substring(0, good.indexOf('.') + 1) + b64(claims(ISSUER, "alice", now() + 600, ""))
                + good.substring(good.lastIndexOf('.'));
        for (String t : new String[] {forged, tampered}) {
            HttpResponse<String> r = get("/page?x=1", t);
            assertEquals(401, r.statusCode());
            assertEquals("Jwt verification fails", r.body());
            assertEquals("Bearer realm=\"http://127.0.0.1:" + stack.port + "/page?x=1\", error=\"invalid_token\"",
                    r.headers().firstValue("www-authenticate").orElse(null));
        }
        assertEquals(denied + 2, metric("envoy_http_jwt_authn_denied"));
    }

    @Test
    void expiredAndNotYetValidTokensAreRejected() throws Exception {
        HttpResponse<String> r = get("/page", rs256(claims(ISSUER, "bob", now() - 120, "")));
        assertEquals(401, r.statusCode());
        assertEquals("Jwt is expired", r.body());
        // Within the default 60 s clock skew.
        assertEquals(200, get("/page", rs256(claims(ISSUER, "bob", now() - 10, ""))).statusCode());
        r = get("/page", rs256(claims(ISSUER, "bob", now() + 600, ",\"nbf\":" + (now() + 300))));
        assertEquals(401, r.statusCode());
        assertEquals("Jwt not yet valid", r.body());
    }

    @Test
    void wrongIssuerIsRejected() throws Exception {
        HttpResponse<String> r = get("/page", rs256(claims("https://other.example", "bob", now() + 600, "")));
        assertEquals(401, r.statusCode());
        assertEquals("Jwt issuer is not configured", r.body());
    }

    @Test
    void audiencesAreCheckedWith403() throws Exception {
        HttpResponse<String> r = get("/aud", rs256(claims(ISSUER, "bob", now() + 600, ",\"aud\":[\"other\"]")));
        assertEquals(403, r.statusCode());
        assertEquals("Audiences in Jwt are not allowed", r.body());
        assertEquals(200, get("/aud", rs256(claims(ISSUER, "bob", now() + 600,
                ",\"aud\":[\"other\",\"https://api.example/\"]"))).statusCode());
        r = get("/aud", null);
        assertEquals(401, r.statusCode());
        assertEquals("Jwt is missing", r.body());
        assertEquals("Bearer realm=\"http://127.0.0.1:" + stack.port + "/aud\"",
                r.headers().firstValue("www-authenticate").orElse(null));
    }

    @Test
    void rbacMatchesTheRequestPrincipalFromThePayload() throws Exception {
        assertEquals(200, get("/rbac/x", rs256(claims(ISSUER, "alice", now() + 600, ""))).statusCode());
        HttpResponse<String> r = get("/rbac/x", rs256(claims(ISSUER, "bob", now() + 600, "")));
        assertEquals(403, r.statusCode());
        assertEquals("RBAC: access denied", r.body());
        // No token: allowed by jwt_authn, but no principal for RBAC.
        assertEquals(403, get("/rbac/x", null).statusCode());
    }

    /**
     * request.auth.claims[scope] as istiod writes it (MetadataListValueMatcher, extended JWT: a list
     * holding the value, or the value itself) over the payload normalize_payload_in_metadata split.
     */
    @Test
    void rbacMatchesAClaimOfTheNormalizedPayload() throws Exception {
        assertEquals(200, get("/rbac-scoped", rs256(claims(ISSUER, "bob", now() + 600,
                ",\"scope\":\"read write\""))).statusCode());
        assertEquals(200, get("/rbac-scoped", rs256(claims(ISSUER, "bob", now() + 600,
                ",\"scope\":\"write\""))).statusCode());
        assertEquals(403, get("/rbac-scoped", rs256(claims(ISSUER, "bob", now() + 600,
                ",\"scope\":\"read writer\""))).statusCode());
        assertEquals(403, get("/rbac-scoped", rs256(claims(ISSUER, "bob", now() + 600, ""))).statusCode());
    }

    @Test
    void malformedTokenIsRejected() throws Exception {
        HttpResponse<String> r = get("/page", "not-a-jwt");
        assertEquals(401, r.statusCode());
        assertEquals("Jwt is not in the form of Header.Payload.Signature with two dots and 3 sections", r.body());
    }

    /** A provider whose keys are certificates by kid (Google's x509 format), as Envoy reads them. */
    @Test
    void x509KeySetVerifiesTokensOfItsKeys() throws Exception {
        HttpResponse<String> r = get("/x509", rs256(claims(ISSUER, "bob", now() + 600, "")));
        assertEquals(200, r.statusCode(), r.body());
        r = get("/x509", es256(claims(ISSUER, "bob", now() + 600, "")));
        assertEquals(401, r.statusCode());
        assertEquals("Jwks doesn't have key to match kid or alg from Jwt", r.body());
    }

    /** A rule's query_parameters take part in its match: only ?strict needs the token. */
    @Test
    void aRuleMatchesOnQueryParameters() throws Exception {
        HttpResponse<String> r = get("/strict/x?strict", null);
        assertEquals(401, r.statusCode());
        assertEquals("Jwt is missing", r.body());
        assertEquals(200, get("/strict/x?strict", rs256(claims(ISSUER, "bob", now() + 600, ""))).statusCode());
        assertEquals(200, get("/strict/x?lenient", null).statusCode(), "no match: the catch-all rule");
    }
}
