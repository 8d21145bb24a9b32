package io.remora.xds.translate;

import io.remora.xds.bootstrap.BootstrapLoader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** oauth2 refuses configs missing what Envoy requires, and what it cannot honour, naming the field. */
class OAuth2TranslationTest {

    private static final String FILTER = "static_resources.listeners[0].filter_chains[0].filters[0].typed_config"
            + ".http_filters[0].typed_config";
    private static final String VALID = """
            config:
              token_endpoint: { cluster: c1, uri: "http://idp/token", timeout: 3s }
              authorization_endpoint: "https://idp/authorize"
              credentials: { client_id: app, token_secret: { name: t }, hmac_secret: { name: h } }
              redirect_uri: "https://%REQ(:authority)%/callback"
              redirect_path_matcher: { path: { exact: /callback } }
              signout_path: { path: { exact: /signout } }
            """;

    private static String yaml(String body) {
        return HcmListenerYaml.listener("", HcmListenerYaml.filter("envoy.filters.http.oauth2",
                "type.googleapis.com/envoy.extensions.filters.http.oauth2.v3.OAuth2", body), "")
                + HcmListenerYaml.CLUSTER_C1;
    }

    @Test
    void validConfigLoads() {
        new BootstrapLoader().loadString(yaml(VALID), "oauth2.yaml");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "no token endpoint  | '  token_endpoint: { cluster: c1, uri: \"http://idp/token\", timeout: 3s }\n' | '' | .config.token_endpoint",
            "no timeout         | ', timeout: 3s' | '' | .config.token_endpoint.timeout",
            "unknown cluster    | 'cluster: c1' | 'cluster: nope' | .config.token_endpoint.cluster",
            "no client id       | 'client_id: app, ' | '' | .config.credentials.client_id",
            "no hmac secret     | ', hmac_secret: { name: h }' | '' | .config.credentials.hmac_secret",
            "no token secret    | 'token_secret: { name: t }, ' | '' | .config.credentials.token_secret",
            "secret over REST   | 'token_secret: { name: t }' | 'token_secret: { name: t, sds_config: { api_config_source: { api_type: REST } } }' | .config.credentials.token_secret.sds_config",
            "no redirect path   | '  redirect_path_matcher: { path: { exact: /callback } }\n' | '' | .config.redirect_path_matcher",
            "no signout path    | '  signout_path: { path: { exact: /signout } }\n' | '' | .config.signout_path",
            "bad redirect uri   | '%REQ(:authority)%' | '%NOPE%' | .config.redirect_uri",
            "relative endpoint  | 'https://idp/authorize' | '/authorize' | .config.authorization_endpoint",
            "bearer + preserve  | '  signout_path' | '  forward_bearer_token: true\n  preserve_authorization_header: true\n  signout_path' | .config.preserve_authorization_header"})
    void refused(String name, String from, String to, String field) {
        String body = VALID.replace(from.replace("\\n", "\n"), to.replace("\\n", "\n"));
        assertTrue(!body.equals(VALID), "the case changes the config");
        TranslationException e = assertThrows(TranslationException.class,
                () -> new BootstrapLoader().loadString(yaml(body), "oauth2.yaml"));
        assertEquals(FILTER + field, e.path(), e.getMessage());
    }

    @Test
    void missingConfigIsRefused() {
        TranslationException e = assertThrows(TranslationException.class,
                () -> new BootstrapLoader().loadString(yaml(""), "oauth2.yaml"));
        assertEquals(FILTER + ".config", e.path(), e.getMessage());
        assertTrue(e.reason().contains("config must be present"), e.reason());
    }

    @Test
    void genericSecretMapIsRefused() {
        String y = yaml(VALID) + """
                  secrets:
                  - name: h
                    generic_secret: { secrets: { a: { inline_string: x } } }
                """;
        TranslationException e = assertThrows(TranslationException.class,
                () -> new BootstrapLoader().loadString(y, "oauth2.yaml"));
        // Refused where used, as Envoy loads a static secret only for its user.
        assertEquals(FILTER + ".config.credentials.hmac_secret", e.path(), e.getMessage());
        assertTrue(e.reason().contains("static_resources.secrets[0].generic_secret.secrets"), e.reason());
    }
}
