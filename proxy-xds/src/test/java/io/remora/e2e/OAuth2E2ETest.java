package io.remora.e2e;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.remora.testing.TempPaths;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import javax.crypto.Cipher;
import javax.crypto.spec.IvParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code envoy.filters.http.oauth2} with curl as the browser and a TestUpstream as the token
 * endpoint: the redirect to the authorization server (its sorted query, the state, the CSRF nonce
 * and PKCE cookies), the callback's code exchange (the form the token endpoint receives), the
 * session cookies, a follow-up request carrying them with the bearer token forwarded, a tampered
 * cookie sent back to log in, sign-out, the pass-through and deny-redirect matchers, the counters.
 */
class OAuth2E2ETest {

    static final String HMAC_SECRET = "hmac-secret-value";

    /** The filter both oauth2 E2E tests run; the SDS-file one swaps its credentials. */
    static final String FILTER = """
            - name: envoy.filters.http.oauth2
              typed_config:
                "@type": type.googleapis.com/envoy.extensions.filters.http.oauth2.v3.OAuth2
                config:
                  token_endpoint: { cluster: auth, uri: "http://auth.example.com/oauth/token", timeout: 5s }
                  authorization_endpoint: "https://auth.example.com/oauth/authorize?prompt=login"
                  credentials:
                    client_id: my-client
                    token_secret: { name: token }
                    hmac_secret: { name: hmac }
                  redirect_uri: "http://%REQ(:authority)%/callback"
                  redirect_path_matcher: { path: { exact: /callback } }
                  signout_path: { path: { exact: /signout } }
                  forward_bearer_token: true
                  auth_scopes: [ openid, email ]
                  pass_through_matcher: [ { name: x-pass, string_match: { exact: "yes" } } ]
                  deny_redirect_matcher: [ { name: x-requested-with, string_match: { exact: XMLHttpRequest } } ]
            """;

    @RegisterExtension
    static final E2EStack stack = new E2EStack();
    static TestUpstream app;
    static TestUpstream tokens;
    static ProxyProcess proxy;
    static final AtomicReference<String> tokenRequest = new AtomicReference<>();

    @BeforeAll
    static void start() throws Exception {
        app = stack.upstream((ctx, req, n) -> TestUpstream.send(ctx, req, 200,
                "auth=" + req.headers().get("authorization") + " cookie=" + req.headers().get("cookie")));
        tokens = stack.upstream((ctx, req, n) -> {
            tokenRequest.set(req.method() + " " + req.uri() + " host=" + req.headers().get("host") + " type="
                    + req.headers().get("content-type") + " accept=" + req.headers().get("accept") + "\n"
                    + req.content().toString(StandardCharsets.UTF_8));
            String body = req.content().toString(StandardCharsets.UTF_8);
            if (body.contains("refresh_token=expired")) {
                TestUpstream.send(ctx, req, 400, "{\"error\":\"invalid_grant\"}");
            } else if (body.startsWith("grant_type=refresh_token")) {
                TestUpstream.send(ctx, req, 200, "{\"access_token\":\"acc-2\",\"expires_in\":60}");
            } else {
                TestUpstream.send(ctx, req, 200, "{\"access_token\":\"acc-1\",\"id_token\":\"idt-1\","
                        + "\"refresh_token\":\"ref-1\",\"expires_in\":3600,\"token_type\":\"Bearer\"}");
            }
        });
        proxy = startProxy(stack, FILTER, "s3cr=t", app, tokens);
    }

    /**
     * The bootstrap both oauth2 tests run: {@code filter} before the router, every path to cluster
     * web ({@code app}), cluster auth ({@code tokens}), generic secrets token and hmac.
     */
    static ProxyProcess startProxy(E2EStack stack, String filter, String clientSecret, TestUpstream app,
                                   TestUpstream tokens) throws Exception {
        return stack.start(bootstrap(stack, filter, clientSecret, app, tokens), List.of());
    }

    static String bootstrap(E2EStack stack, String filter, String clientSecret, TestUpstream app, TestUpstream tokens)
            throws java.io.IOException {
        String secrets = """
                  secrets:
                  - name: token
                    generic_secret: { secret: { inline_string: "%s" } }
                  - name: hmac
                    generic_secret: { secret: { inline_string: "%s" } }
                """.formatted(clientSecret, HMAC_SECRET);
        return stack.http(TempPaths.file("access", ".log").toString(),
                "- match: { prefix: \"/\" }\n  route: { cluster: web }\n",
                Bootstraps.cluster("web", false, null, app.port()) + Bootstraps.cluster("auth", false, null, tokens.port()),
                "", filter) + secrets;
    }

    @Test
    void loginSessionSignOutAndMatchers() throws Exception {
        String base = "http://127.0.0.1:" + stack.port;

        Curl login = Curl.run(base + "/app?x=1");
        assertEquals(302, login.status());
        String location = login.header("location");
        assertTrue(location.startsWith("https://auth.example.com/oauth/authorize?"), location);
        Map<String, String> q = query(location);
        assertEquals(List.of("client_id", "code_challenge", "code_challenge_method", "prompt", "redirect_uri",
                "response_type", "scope", "state"), new ArrayList<>(q.keySet()), "Envoy's sorted parameters");
        assertEquals("my-client", q.get("client_id"));
        assertEquals("code", q.get("response_type"));
        assertEquals("openid%20email", q.get("scope"));
        assertEquals("login", q.get("prompt"));
        assertEquals("S256", q.get("code_challenge_method"));
        assertEquals("http%3A%2F%2F127.0.0.1%3A" + stack.port + "%2Fcallback", q.get("redirect_uri"));
        Map<String, String> set = setCookies(login.header("set-cookie"));
        String nonce = set.get("OauthNonce");
        String sealedVerifier = set.get("OauthCodeVerifier");
        assertTrue(login.header("set-cookie").contains("OauthNonce=" + nonce + ";path=/;Max-Age=600;secure;HttpOnly"),
                login.header("set-cookie"));
        JsonObject state = JsonParser.parseString(new String(Base64.getUrlDecoder().decode(q.get("state")),
                StandardCharsets.UTF_8)).getAsJsonObject();
        assertEquals(base + "/app?x=1", state.get("url").getAsString());
        assertEquals(nonce, state.get("csrf_token").getAsString());
        String verifier = decrypt(sealedVerifier);
        assertEquals(q.get("code_challenge"), Base64.getUrlEncoder().withoutPadding().encodeToString(
                MessageDigest.getInstance("SHA-256").digest(verifier.getBytes(StandardCharsets.US_ASCII))));

        String flowCookies = "OauthNonce=" + nonce + "; OauthCodeVerifier=" + sealedVerifier;
        assertEquals(401, Curl.run("-H", "cookie: OauthNonce=forged.x; OauthCodeVerifier=" + sealedVerifier,
                base + "/callback?code=abc&state=" + q.get("state")).status(), "the state's CSRF token must be the cookie's");
        assertEquals(null, tokenRequest.get(), "no exchange for a forged callback");

        Curl callback = Curl.run("-H", "cookie: " + flowCookies, base + "/callback?code=abc123&state=" + q.get("state"));
        assertEquals(302, callback.status(), callback.text());
        assertEquals(base + "/app?x=1", callback.header("location"));
        assertEquals("POST /oauth/token host=auth.example.com type=application/x-www-form-urlencoded"
                + " accept=application/json\ngrant_type=authorization_code&code=abc123&client_id=my-client"
                + "&client_secret=s3cr%3Dt&redirect_uri=http%3A%2F%2F127.0.0.1%3A" + stack.port + "%2Fcallback"
                + "&code_verifier=" + verifier, tokenRequest.get());
        Map<String, String> session = setCookies(callback.header("set-cookie"));
        assertEquals("acc-1", session.get("BearerToken"));
        assertEquals("idt-1", session.get("IdToken"));
        assertEquals("ref-1", session.get("RefreshToken"));
        assertTrue(callback.header("set-cookie").contains("RefreshToken=ref-1;path=/;Max-Age=604800;"),
                "a refresh token that is no JWT lives default_refresh_token_expires_in");
        long expires = Long.parseLong(session.get("OauthExpires"));
        assertTrue(Math.abs(expires - System.currentTimeMillis() / 1000 - 3600) < 60, "expires_in from the answer");
        assertTrue(callback.header("set-cookie").contains("BearerToken=acc-1;path=/;Max-Age=3600;secure;HttpOnly"),
                callback.header("set-cookie"));

        String jar = "OauthHMAC=" + session.get("OauthHMAC") + "; OauthExpires=" + expires
                + "; BearerToken=acc-1; IdToken=idt-1; RefreshToken=ref-1";
        Curl in = Curl.run("-H", "cookie: " + jar, "-H", "authorization: Bearer forged", base + "/app");
        assertEquals(200, in.status());
        assertTrue(in.text().startsWith("auth=Bearer acc-1 "), in.text());

        Curl tampered = Curl.run("-H", "cookie: " + jar.replace("BearerToken=acc-1", "BearerToken=acc-2")
                .replace("; RefreshToken=ref-1", ""), base + "/app");
        assertEquals(302, tampered.status(), "a cookie the HMAC does not cover starts a new login");
        assertTrue(tampered.header("location").startsWith("https://auth.example.com/"));

        Curl out = Curl.run("-H", "cookie: " + jar, base + "/signout");
        assertEquals(302, out.status());
        assertEquals(base + "/", out.header("location"));
        assertTrue(out.header("set-cookie").contains("OauthHMAC=deleted; path=/; expires=Thu, 01 Jan 1970 00:00:00 GMT"),
                out.header("set-cookie"));
        assertTrue(out.header("set-cookie").contains("BearerToken=deleted;"), out.header("set-cookie"));
        assertTrue(out.header("set-cookie").contains("OauthExpires=deleted;"), "Envoy 1.38: " + out.header("set-cookie"));

        Curl pass = Curl.run("-H", "x-pass: yes", "-H", "authorization: Basic abc", base + "/app");
        assertEquals(200, pass.status());
        assertTrue(pass.text().startsWith("auth=Basic abc "), "pass-through requests keep their authorization");
        Curl ajax = Curl.run("-H", "x-requested-with: XMLHttpRequest", base + "/app");
        assertEquals(401, ajax.status());
        assertEquals("OAuth flow failed.", ajax.text());

        // An expired session with a refresh token: refreshed on the way, the new cookies on the response.
        Curl refreshed = Curl.run("-H", "cookie: OauthExpires=1; BearerToken=acc-1; RefreshToken=ref-1", base + "/app");
        assertEquals(200, refreshed.status());
        assertTrue(refreshed.text().startsWith("auth=Bearer acc-2 "), refreshed.text());
        assertTrue(tokenRequest.get().endsWith("\ngrant_type=refresh_token&refresh_token=ref-1&client_id=my-client"
                + "&client_secret=s3cr%3Dt"), tokenRequest.get());
        Map<String, String> renewed = setCookies(refreshed.header("set-cookie"));
        assertEquals("acc-2", renewed.get("BearerToken"));
        assertEquals("ref-1", renewed.get("RefreshToken"), "the refresh token is kept when none comes back");
        Curl again = Curl.run("-H", "cookie: OauthHMAC=" + renewed.get("OauthHMAC") + "; OauthExpires="
                + renewed.get("OauthExpires") + "; BearerToken=acc-2; RefreshToken=ref-1", base + "/app");
        assertEquals(200, again.status(), "the renewed cookies make a session");
        Curl refused = Curl.run("-H", "cookie: RefreshToken=expired", base + "/app");
        assertEquals(302, refused.status(), "a refused refresh starts a login");

        String tag = "{envoy_http_conn_manager_prefix=\"ingress\"}";
        assertEquals(3.0, proxy.metric("envoy_http_oauth_unauthorized_rq" + tag),
                "the login, the tampered request, the refused refresh");
        assertEquals(4.0, proxy.metric("envoy_http_oauth_success" + tag), "the exchange, two sessions, the refresh");
        assertEquals(1.0, proxy.metric("envoy_http_oauth_refreshtoken_success" + tag));
        assertEquals(1.0, proxy.metric("envoy_http_oauth_refreshtoken_failure" + tag));
        assertEquals(2.0, proxy.metric("envoy_http_oauth_failure" + tag), "the forged callback and the denied redirect");
        assertEquals(1.0, proxy.metric("envoy_http_oauth_passthrough" + tag));
    }

    /** A URL's query parameters in their order, values as sent. */
    static Map<String, String> query(String url) {
        Map<String, String> out = new LinkedHashMap<>();
        for (String pair : url.substring(url.indexOf('?') + 1).split("&")) {
            int eq = pair.indexOf('=');
            out.put(pair.substring(0, eq), pair.substring(eq + 1));
        }
        return out;
    }

    /** Name → value of curl's joined Set-Cookie headers. */
    static Map<String, String> setCookies(String joined) {
        assertNotNull(joined);
        Map<String, String> out = new LinkedHashMap<>();
        for (String part : joined.split(";")) {
            String p = part.trim();
            // curl joined the headers with ", ": what follows the last one starts the next cookie.
            int comma = p.lastIndexOf(", ");
            if (comma >= 0) {
                p = p.substring(comma + 2);
            } else if (comma < 0 && out.size() > 0) {
                continue;
            }
            int eq = p.indexOf('=');
            if (eq > 0) {
                out.put(p.substring(0, eq), p.substring(eq + 1));
            }
        }
        return out;
    }

    /** The PKCE verifier out of its cookie: base64url(iv ‖ AES-256-CBC(SHA-256(hmac secret))). */
    static String decrypt(String sealed) throws Exception {
        byte[] in = Base64.getUrlDecoder().decode(sealed);
        Cipher c = Cipher.getInstance("AES/CBC/PKCS5Padding");
        c.init(Cipher.DECRYPT_MODE, new SecretKeySpec(MessageDigest.getInstance("SHA-256")
                .digest(HMAC_SECRET.getBytes(StandardCharsets.UTF_8)), "AES"), new IvParameterSpec(in, 0, 16));
        return new String(c.doFinal(in, 16, in.length - 16), StandardCharsets.UTF_8);
    }
}
