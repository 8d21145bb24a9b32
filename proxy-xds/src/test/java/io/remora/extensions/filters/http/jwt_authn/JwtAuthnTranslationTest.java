package io.remora.extensions.filters.http.jwt_authn;

import io.remora.config.HttpConnectionManagerConfig;
import io.remora.xds.bootstrap.BootstrapLoader;
import io.remora.xds.translate.HcmListenerYaml;
import io.remora.xds.translate.TranslationException;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
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

    @Test
    void remoteJwksIsRefused() {
        var e = fail("""
                providers:
                  p: { remote_jwks: { http_uri: { uri: "https://x/jwks", cluster: c1, timeout: 1s } } }
                """);
        assertEquals(HTTP + ".providers[\"p\"].remote_jwks", e.path());
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
}
