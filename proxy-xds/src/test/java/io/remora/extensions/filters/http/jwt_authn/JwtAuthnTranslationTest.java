package io.remora.extensions.filters.http.jwt_authn;

import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.remora.config.HttpConnectionManagerConfig;
import io.remora.xds.bootstrap.BootstrapLoader;
import io.remora.xds.translate.HcmListenerYaml;
import io.remora.xds.translate.TranslationException;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** jwt_authn configs in a bootstrap: good ones become the model, unsupported ones fail naming the field. */
class JwtAuthnTranslationTest {

    static final String HTTP = "static_resources.listeners[0].filter_chains[0].filters[0].typed_config"
            + ".http_filters[0].typed_config";

    static String yaml(String body) {
        return HcmListenerYaml.networkListener(HcmListenerYaml.connectionManager("",
                HcmListenerYaml.filter("envoy.filters.http.jwt_authn",
                        "type.googleapis.com/envoy.extensions.filters.http.jwt_authn.v3.JwtAuthentication", body),
                "- name: v\n  domains: ['*']\n  routes:\n  - match: { prefix: / }\n    route: { cluster: c1 }\n"))
                + HcmListenerYaml.CLUSTER_C1;
    }

    static TranslationException fail(String body) {
        return assertThrows(TranslationException.class, () -> new BootstrapLoader().loadString(yaml(body), "jwt.yaml"));
    }

    @Test
    void fieldsTranslate() {
        var model = new BootstrapLoader().loadString(yaml("""
                providers:
                  p:
                    issuer: iss
                    audiences: [a]
                    local_jwks: { inline_string: '{"keys":[{"kty":"oct","k":"AAAA"}]}' }
                    from_headers: [{ name: X-Jwt, value_prefix: "Token " }]
                    from_cookies: [session]
                    payload_in_metadata: payload
                    clock_skew_seconds: 5
                    claim_to_headers: [{ header_name: X-Sub, claim_name: sub }]
                rules:
                - match: { path: /x, headers: [{ name: x-a, present_match: true }] }
                  requirement_name: r
                requirement_map:
                  r: { requires_any: { requirements: [{ provider_name: p }, { allow_missing: {} }] } }
                stat_prefix: s.
                """), "jwt.yaml").model();
        var hcm = (HttpConnectionManagerConfig) model.listeners().get(0).filterChains().get(0).filters().get(0);
        JwtAuthnConfig c = (JwtAuthnConfig) hcm.httpFilters().get(0).config();
        JwtProviderConfig p = c.providers().get(0);
        assertEquals("iss", p.issuer());
        assertEquals(List.of("a"), p.audiences());
        assertEquals(List.of(new JwtProviderConfig.HeaderLocation("x-jwt", "Token ")), p.headers());
        assertEquals(List.of(), p.params());
        assertEquals(5, p.clockSkewSeconds());
        assertEquals(1, p.keys().keys().size());
        assertEquals("x-sub", p.claimToHeaders().get(0).headerName());
        JwtRequirement.Any any = (JwtRequirement.Any) c.rules().get(0).requirement();
        assertTrue(any.allowMissing());
        assertEquals(1, any.children().size());
        assertEquals(JwtRouteMatch.Kind.PATH, c.rules().get(0).match().kind());
    }

    @Test
    void defaultLocations() {
        var model = new BootstrapLoader().loadString(yaml("""
                providers: { p: { local_jwks: { inline_string: '{"keys":[]}' } } }
                """), "jwt.yaml").model();
        var hcm = (HttpConnectionManagerConfig) model.listeners().get(0).filterChains().get(0).filters().get(0);
        JwtProviderConfig p = ((JwtAuthnConfig) hcm.httpFilters().get(0).config()).providers().get(0);
        assertEquals(List.of(new JwtProviderConfig.HeaderLocation("authorization", "Bearer ")), p.headers());
        assertEquals(List.of("access_token"), p.params());
        assertEquals(60, p.clockSkewSeconds());
    }

    static JwtProviderConfig provider(String body) {
        var model = new BootstrapLoader().loadString(yaml(body), "jwt.yaml").model();
        var hcm = (HttpConnectionManagerConfig) model.listeners().get(0).filterChains().get(0).filters().get(0);
        return ((JwtAuthnConfig) hcm.httpFilters().get(0).config()).providers().get(0);
    }

    @Test
    void remoteJwksFieldsTranslate() {
        RemoteJwksConfig r = provider("""
                providers:
                  p:
                    remote_jwks:
                      http_uri: { uri: "https://keys.example:8443/a/jwks?v=2", cluster: c1, timeout: 1.5s }
                      cache_duration: 30s
                      async_fetch: { fast_listener: true, failed_refetch_duration: 2s }
                      retry_policy: { num_retries: 3, retry_back_off: { base_interval: 0.2s, max_interval: 1s } }
                """).remote();
        assertEquals("keys.example:8443", r.authority());
        assertEquals("/a/jwks?v=2", r.path());
        assertEquals("c1", r.cluster());
        assertEquals(Duration.ofMillis(1500), r.timeout());
        assertEquals(Duration.ofSeconds(30), r.cacheDuration());
        assertEquals(Duration.ofSeconds(25), r.goodRefetch());
        assertEquals(new RemoteJwksConfig.AsyncFetch(true, Duration.ofSeconds(2)), r.asyncFetch());
        assertEquals(new RemoteJwksConfig.Retry(3, Duration.ofMillis(200), Duration.ofSeconds(1)), r.retry());
    }

    @Test
    void cacheDurationKeepsWholeSecondsAsEnvoy() {
        // Envoy reads cache_duration with durationToSeconds: 10.9 s is trusted 10 s, refetched after 5 s.
        RemoteJwksConfig r = provider("""
                providers:
                  p:
                    remote_jwks:
                      http_uri: { uri: "http://keys.example", cluster: c1, timeout: 1s }
                      cache_duration: 10.9s
                      async_fetch: { failed_refetch_duration: 0.25s }
                """).remote();
        assertEquals(Duration.ofSeconds(10), r.cacheDuration());
        assertEquals(Duration.ofSeconds(5), r.goodRefetch());
        assertEquals(Duration.ofMillis(250), r.asyncFetch().failedRefetch());
    }

    @Test
    void remoteJwksDefaults() {
        JwtProviderConfig p = provider("""
                providers:
                  p:
                    remote_jwks:
                      http_uri: { uri: "http://keys.example", cluster: c1, timeout: 1s }
                      async_fetch: {}
                      retry_policy: {}
                """);
        RemoteJwksConfig r = p.remote();
        assertEquals("/", r.path());
        assertEquals(Duration.ofSeconds(600), r.cacheDuration());
        assertEquals(new RemoteJwksConfig.AsyncFetch(false, Duration.ofSeconds(1)), r.asyncFetch());
        assertEquals(new RemoteJwksConfig.Retry(1, Duration.ofSeconds(1), Duration.ofSeconds(10)), r.retry());
        assertEquals(0, p.keys().keys().size());
        assertEquals(null, provider("""
                providers: { p: { remote_jwks: { http_uri: { uri: "http://k/j", cluster: c1, timeout: 1s } } } }
                """).remote().asyncFetch());
    }

    @Test
    void remoteJwksRefusalsNameTheField() {
        String at = HTTP + ".providers[\"p\"].remote_jwks";
        assertEquals(at + ".http_uri.cluster", fail("""
                providers: { p: { remote_jwks: { http_uri: { uri: "http://k/j", timeout: 1s } } } }
                """).path());
        var unknown = fail("""
                providers: { p: { remote_jwks: { http_uri: { uri: "http://k/j", cluster: nope, timeout: 1s } } } }
                """);
        assertEquals(at + ".http_uri.cluster", unknown.path());
        assertTrue(unknown.getMessage().contains("unknown cluster 'nope'"), unknown.getMessage());
        assertEquals(at + ".http_uri.timeout", fail("""
                providers: { p: { remote_jwks: { http_uri: { uri: "http://k/j", cluster: c1 } } } }
                """).path());
        assertEquals(at + ".http_uri.uri", fail("""
                providers: { p: { remote_jwks: { http_uri: { uri: "/jwks", cluster: c1, timeout: 1s } } } }
                """).path());
        assertEquals(at + ".http_uri", fail("""
                providers: { p: { remote_jwks: { cache_duration: 5s } } }
                """).path());
        assertEquals(at + ".retry_policy.retry_back_off.max_interval", fail("""
                providers:
                  p:
                    remote_jwks:
                      http_uri: { uri: "http://k/j", cluster: c1, timeout: 1s }
                      retry_policy: { retry_back_off: { base_interval: 2s, max_interval: 1s } }
                """).path());
    }

    @Test
    void unknownProviderIsRefused() {
        var e = fail("""
                providers: { p: { local_jwks: { inline_string: '{"keys":[]}' } } }
                rules:
                - match: { prefix: / }
                  requires: { requires_all: { requirements: [{ provider_name: p }, { provider_name: q }] } }
                """);
        assertEquals(HTTP + ".rules[0].requires.requires_all.requirements[1].provider_name", e.path());
    }

    @Test
    void unknownRequirementNameIsRefused() {
        var e = fail("""
                providers: { p: { local_jwks: { inline_string: '{"keys":[]}' } } }
                rules: [{ match: { prefix: / }, requirement_name: nope }]
                """);
        assertEquals(HTTP + ".rules[0].requirement_name", e.path());
    }

    /** As Envoy's jwt_authn Matcher: a rule's query_parameters must match too, on the query as sent. */
    @Test
    void ruleQueryParametersMatchAsSent() {
        var model = new BootstrapLoader().loadString(yaml("""
                providers: { p: { local_jwks: { inline_string: '{"keys":[]}' } } }
                rules:
                - match:
                    prefix: /api
                    query_parameters:
                    - { name: debug, present_match: true }
                    - { name: v, string_match: { exact: "a%20b" } }
                  requires: { provider_name: p }
                """), "jwt.yaml").model();
        var hcm = (HttpConnectionManagerConfig) model.listeners().get(0).filterChains().get(0).filters().get(0);
        JwtRouteMatch m = ((JwtAuthnConfig) hcm.httpFilters().get(0).config()).rules().get(0).match();
        assertTrue(m.matches(new DefaultHttp2Headers().path("/api/x?debug&v=a%20b")));
        assertFalse(m.matches(new DefaultHttp2Headers().path("/api/x?v=a%20b")), "debug absent");
        assertFalse(m.matches(new DefaultHttp2Headers().path("/api/x?debug=1&v=a+b")), "v compared as sent");
        assertFalse(m.matches(new DefaultHttp2Headers().path("/other?debug&v=a%20b")));
    }

    @Test
    void ruleMatchersJwtAuthnCannotEvaluateAreRefusedByName() {
        var e = fail("""
                providers: { p: { local_jwks: { inline_string: '{"keys":[]}' } } }
                rules: [{ match: { prefix: /, grpc: {} }, requires: { provider_name: p } }]
                """);
        assertEquals(HTTP + ".rules[0].match.grpc", e.path());
        e = fail("""
                providers: { p: { local_jwks: { inline_string: '{"keys":[]}' } } }
                rules: [{ match: { prefix: /, query_parameters: [{ string_match: { exact: x } }] } }]
                """);
        assertEquals(HTTP + ".rules[0].match.query_parameters[0].name", e.path());
    }

    /** Envoy's PathMatcher drops the query and fragment before a prefix is compared. */
    @Test
    void prefixIsComparedWithThePathWithoutItsQuery() {
        var model = new BootstrapLoader().loadString(yaml("""
                providers: { p: { local_jwks: { inline_string: '{"keys":[]}' } } }
                rules:
                - match: { prefix: "/login?next=" }
                  requires: { provider_name: p }
                - match: { prefix: /API, case_sensitive: false }
                  requires: { provider_name: p }
                """), "jwt.yaml").model();
        var hcm = (HttpConnectionManagerConfig) model.listeners().get(0).filterChains().get(0).filters().get(0);
        List<JwtAuthnConfig.Rule> rules = ((JwtAuthnConfig) hcm.httpFilters().get(0).config()).rules();
        assertFalse(rules.get(0).match().matches(new DefaultHttp2Headers().path("/login?next=/home")));
        assertTrue(rules.get(1).match().matches(new DefaultHttp2Headers().path("/api/x?q=1")));
        assertFalse(rules.get(1).match().matches(new DefaultHttp2Headers().path("/ap?i")));
    }

    /** connect_matcher: a rule for CONNECT requests (Envoy's ConnectMatcherImpl), with its header matchers. */
    @Test
    void connectMatcherTakesConnectRequests() {
        var model = new BootstrapLoader().loadString(yaml("""
                providers: { p: { local_jwks: { inline_string: '{"keys":[]}' } } }
                rules:
                - match: { connect_matcher: {}, headers: [{ name: x-tunnel, present_match: true }] }
                  requires: { provider_name: p }
                - match: { safe_regex: { regex: ".*" } }
                  requires: { provider_name: p }
                """), "jwt.yaml").model();
        var hcm = (HttpConnectionManagerConfig) model.listeners().get(0).filterChains().get(0).filters().get(0);
        JwtRouteMatch m = ((JwtAuthnConfig) hcm.httpFilters().get(0).config()).rules().get(0).match();
        assertTrue(m.matches(new DefaultHttp2Headers().method("CONNECT").authority("h:443").add("x-tunnel", "1")));
        assertFalse(m.matches(new DefaultHttp2Headers().method("CONNECT").authority("h:443")), "header matcher");
        assertFalse(m.matches(new DefaultHttp2Headers().method("GET").path("/").add("x-tunnel", "1")));
        JwtRouteMatch anyPath = ((JwtAuthnConfig) hcm.httpFilters().get(0).config()).rules().get(1).match();
        assertFalse(anyPath.matches(new DefaultHttp2Headers().method("CONNECT").authority("h:443")), "no path at all");
        assertTrue(anyPath.matches(new DefaultHttp2Headers().method("GET").path("/")));
    }
}
