package io.remora.e2e;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * oauth2 with {@code auth_type: BASIC_AUTH}, renamed cookies, a cookie domain, SameSite and
 * {@code resources}: the client's credentials go as {@code Authorization: Basic} and not in the
 * form; the cookies carry the configured names and attributes; the HMAC binds the cookie domain.
 */
class OAuth2BasicAuthE2ETest {

    @RegisterExtension
    static final E2EStack stack = new E2EStack();
    static TestUpstream app;
    static TestUpstream tokens;
    static ProxyProcess proxy;
    static final AtomicReference<String> tokenRequest = new AtomicReference<>();

    @BeforeAll
    static void start() throws Exception {
        app = stack.upstream((ctx, req, n) -> TestUpstream.send(ctx, req, 200, "auth=" + req.headers().get("authorization")));
        tokens = stack.upstream((ctx, req, n) -> {
            tokenRequest.set(req.headers().get("authorization") + "\n" + req.content().toString(StandardCharsets.UTF_8));
            TestUpstream.send(ctx, req, 200, "{\"access_token\":\"acc-b\"}");
        });
        String filter = """
                - name: envoy.filters.http.oauth2
                  typed_config:
                    "@type": type.googleapis.com/envoy.extensions.filters.http.oauth2.v3.OAuth2
                    config:
                      token_endpoint: { cluster: auth, uri: "http://idp.test/token", timeout: 5s }
                      authorization_endpoint: "https://idp.test/authorize"
                      credentials:
                        client_id: "c:1"
                        token_secret: { name: token }
                        hmac_secret: { name: hmac }
                        cookie_domain: example.test
                        cookie_names: { bearer_token: Tok, oauth_hmac: Mac, oauth_expires: Exp, oauth_nonce: Non,
                                        code_verifier: Ver }
                      cookie_configs: { oauth_hmac_cookie_config: { same_site: STRICT } }
                      redirect_uri: "https://app.example.test/cb"
                      redirect_path_matcher: { path: { prefix: /cb } }
                      signout_path: { path: { exact: /logout } }
                      auth_type: BASIC_AUTH
                      default_expires_in: 120s
                      forward_bearer_token: true
                      resources: [ "https://api.example.test/" ]
                """;
        proxy = OAuth2E2ETest.startProxy(stack, filter, "p@ss", app, tokens);
    }

    @Test
    void basicAuthAndCookieSettings() throws Exception {
        String base = "http://127.0.0.1:" + stack.port;
        Curl login = Curl.run(base + "/page");
        assertEquals(302, login.status());
        String location = login.header("location");
        assertTrue(location.endsWith("&resource=https%3A%2F%2Fapi.example.test%2F"), location);
        Map<String, String> q = OAuth2E2ETest.query(location.substring(0, location.indexOf("&resource=")));
        assertEquals("c:1", q.get("client_id"), "client_id goes as configured");
        assertEquals("user", q.get("scope"), "the default scope");
        assertEquals("https%3A%2F%2Fapp.example.test%2Fcb", q.get("redirect_uri"));
        Map<String, String> flow = OAuth2E2ETest.setCookies(login.header("set-cookie"));
        assertTrue(login.header("set-cookie").contains("Non=" + flow.get("Non")
                + ";domain=example.test;path=/;Max-Age=600;secure;HttpOnly"), login.header("set-cookie"));
        String verifier = OAuth2E2ETest.decrypt(flow.get("Ver"));

        Curl callback = Curl.run("-H", "cookie: Non=" + flow.get("Non") + "; Ver=" + flow.get("Ver"),
                base + "/cb?code=xyz&state=" + q.get("state"));
        assertEquals(302, callback.status(), callback.text());
        assertEquals("Basic " + Base64.getEncoder().encodeToString("c:1:p@ss".getBytes(StandardCharsets.UTF_8))
                + "\ngrant_type=authorization_code&code=xyz&redirect_uri=https%3A%2F%2Fapp.example.test%2Fcb"
                + "&code_verifier=" + verifier, tokenRequest.get());
        String set = callback.header("set-cookie");
        Map<String, String> session = OAuth2E2ETest.setCookies(set);
        assertTrue(set.contains("Mac=" + session.get("Mac") + ";domain=example.test;path=/;Max-Age=120;secure;HttpOnly;SameSite=Strict"),
                set);
        assertTrue(set.contains("Tok=acc-b;domain=example.test;path=/;Max-Age=120;secure;HttpOnly"), set);

        // The HMAC binds the cookie domain, not the host the request names.
        Curl in = Curl.run("-H", "cookie: Mac=" + session.get("Mac") + "; Exp=" + session.get("Exp") + "; Tok=acc-b",
                "-H", "host: other.example.test", base + "/page");
        assertEquals(200, in.status());
        assertEquals("auth=Bearer acc-b", in.text());
    }
}
