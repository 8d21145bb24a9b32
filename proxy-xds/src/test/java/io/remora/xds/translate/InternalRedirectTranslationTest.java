package io.remora.xds.translate;

import io.remora.config.ForwardAction;
import io.remora.config.HttpConnectionManagerConfig;
import io.remora.config.InternalRedirectPolicy;
import io.remora.xds.bootstrap.BootstrapLoader;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code RouteAction.internal_redirect_policy} (and the deprecated HANDLE_INTERNAL_REDIRECT) into the model. */
class InternalRedirectTranslationTest {

    private static final String POLICY = "internal_redirect_policy.";
    private static final String TYPE = "\"@type\": type.googleapis.com/envoy.extensions.internal_redirect.";

    private static ForwardAction forward(String routeFields) {
        var loaded = new BootstrapLoader().loadString(HcmListenerYaml.listener("", "route: { cluster: c1, "
                + routeFields + " }") + HcmListenerYaml.CLUSTER_C1, "test.yaml");
        assertFalse(loaded.warnings().stream().anyMatch(w -> w.contains("internal redirect")),
                loaded.warnings().toString());
        var hcm = assertInstanceOf(HttpConnectionManagerConfig.class,
                loaded.model().listeners().get(0).filterChains().get(0).terminalFilter());
        return (ForwardAction) hcm.routeConfig().virtualHosts().get(0).routes().get(0).action();
    }

    private static TranslationException refused(String routeFields) {
        return assertThrows(TranslationException.class, () -> forward(routeFields));
    }

    @Test
    void anEmptyPolicyHasEnvoysDefaults() {
        InternalRedirectPolicy p = forward("internal_redirect_policy: {}").internalRedirectPolicy();
        assertEquals(InternalRedirectPolicy.builder().build(), p);
        assertEquals(Set.of(302), p.redirectResponseCodes());
        assertEquals(1, p.maxInternalRedirects());
        assertFalse(p.allowCrossSchemeRedirect());
        assertNull(forward("timeout: 1s").internalRedirectPolicy(), "no policy: redirects go to the client");
    }

    @Test
    void everyFieldIsTranslated() {
        InternalRedirectPolicy p = forward("""
                internal_redirect_policy: { max_internal_redirects: 3, redirect_response_codes: [301, 303, 307],
                  allow_cross_scheme_redirect: true, response_headers_to_copy: [X-Token, set-cookie],
                  predicates: [
                    { name: a, typed_config: { TYPEprevious_routes.v3.PreviousRoutesConfig } },
                    { name: b, typed_config: { TYPEallow_listed_routes.v3.AllowListedRoutesConfig,
                        allowed_route_names: [r1, r2] } },
                    { name: c, typed_config: { TYPEsafe_cross_scheme.v3.SafeCrossSchemeConfig } } ] }
                """.replace("TYPE", TYPE)).internalRedirectPolicy();
        assertEquals(new InternalRedirectPolicy(Set.of(301, 303, 307), 3, List.of(
                new InternalRedirectPolicy.PreviousRoutes(),
                new InternalRedirectPolicy.AllowListedRoutes(Set.of("r1", "r2")),
                new InternalRedirectPolicy.SafeCrossScheme()), true, List.of("x-token", "set-cookie")), p);
    }

    @Test
    void codesOutsideTheRedirectsAreDroppedAsEnvoyDoes() {
        assertEquals(Set.of(308), forward("internal_redirect_policy: { redirect_response_codes: [200, 308, 404] }")
                .internalRedirectPolicy().redirectResponseCodes());
        InternalRedirectPolicy none = forward("internal_redirect_policy: { redirect_response_codes: [200] }")
                .internalRedirectPolicy();
        assertEquals(Set.of(), none.redirectResponseCodes());
        assertFalse(none.followsStatus(302));
    }

    @Test
    void theDeprecatedActionMakesTheDefaultPolicy() {
        InternalRedirectPolicy p = forward("internal_redirect_action: HANDLE_INTERNAL_REDIRECT,"
                + " max_internal_redirects: 4").internalRedirectPolicy();
        assertEquals(InternalRedirectPolicy.builder().maxInternalRedirects(4).build(), p);
        assertNull(forward("internal_redirect_action: PASS_THROUGH_INTERNAL_REDIRECT").internalRedirectPolicy());
    }

    @Test
    void badValuesAreRefusedByPath() {
        var e = refused("internal_redirect_policy: { predicates: [{ name: x, typed_config: {"
                + " \"@type\": type.googleapis.com/google.protobuf.Struct } }] }");
        assertTrue(e.path().endsWith("route." + POLICY + "predicates[0].typed_config"), e.path());
        assertTrue(e.getMessage().contains("google.protobuf.Struct"), e.getMessage());

        e = refused("internal_redirect_policy: { response_headers_to_copy: [\":path\"] }");
        assertTrue(e.path().endsWith(POLICY + "response_headers_to_copy[0]"), e.path());
        e = refused("internal_redirect_policy: { response_headers_to_copy: [x-a, Host] }");
        assertTrue(e.path().endsWith(POLICY + "response_headers_to_copy[1]"), e.path());
        e = refused("internal_redirect_policy: { response_headers_to_copy: [x-a, X-A] }");
        assertTrue(e.path().endsWith(POLICY + "response_headers_to_copy[1]"), e.path());

        e = refused("internal_redirect_policy: { redirect_response_codes: [301, 302, 303, 307, 308, 302] }");
        assertTrue(e.path().endsWith(POLICY + "redirect_response_codes"), e.path());

        e = refused(("internal_redirect_policy: { predicates: [{ name: b, typed_config: {"
                + " TYPEallow_listed_routes.v3.AllowListedRoutesConfig, allowed_route_names: [r1, \"\"] } }] }")
                .replace("TYPE", TYPE));
        assertTrue(e.path().endsWith(POLICY + "predicates[0].typed_config.allowed_route_names[1]"), e.path());
    }
}
