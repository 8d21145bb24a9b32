package io.remora.e2e;

import io.remora.testing.TempPaths;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * oauth2 with its token and HMAC secrets in SDS files, as Envoy's single-page-app sandbox gives them (the token
 * through the legacy sds_config.path, the HMAC through path_config_source): the PKCE verifier cookie is sealed
 * with the file's HMAC secret, and the code exchange sends the file's client secret. The static secrets the
 * shared bootstrap also carries hold other values, so reading them instead would fail.
 */
class OAuth2SdsFileE2ETest {

    @RegisterExtension
    static final E2EStack stack = new E2EStack();
    static final AtomicReference<String> tokenRequest = new AtomicReference<>();
    static String bootstrap;

    @BeforeAll
    static void start() throws Exception {
        TestUpstream app = stack.upstream((ctx, req, n) -> TestUpstream.send(ctx, req, 200, "app"));
        TestUpstream tokens = stack.upstream((ctx, req, n) -> {
            tokenRequest.set(req.content().toString(StandardCharsets.UTF_8));
            TestUpstream.send(ctx, req, 200, "{\"access_token\":\"acc-1\",\"expires_in\":3600}");
        });
        Path dir = TempPaths.directory("oauth2-sds");
        Path token = secretFile(dir, "token-secret.yaml", "file-token", "from-the-file");
        Path hmac = secretFile(dir, "hmac-secret.yaml", "file-hmac", OAuth2E2ETest.HMAC_SECRET);
        String filter = OAuth2E2ETest.FILTER
                .replace("token_secret: { name: token }",
                        "token_secret: { name: file-token, sds_config: { path: \"" + token + "\" } }")
                .replace("hmac_secret: { name: hmac }", "hmac_secret: { name: file-hmac, sds_config: {"
                        + " path_config_source: { path: \"" + hmac + "\" } } }");
        bootstrap = OAuth2E2ETest.bootstrap(stack, filter, "the-static-one", app, tokens);
        stack.start(bootstrap, java.util.List.of());
    }

    static Path secretFile(Path dir, String file, String name, String value) throws Exception {
        return Files.writeString(dir.resolve(file), """
                resources:
                - "@type": type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.Secret
                  name: NAME
                  generic_secret: { secret: { inline_string: "VALUE" } }
                """.replace("NAME", name).replace("VALUE", value));
    }

    @Test
    void theFilterUsesTheFilesSecrets() throws Exception {
        String base = "http://127.0.0.1:" + stack.port;
        Curl login = Curl.run(base + "/app");
        assertEquals(302, login.status());
        Map<String, String> q = OAuth2E2ETest.query(login.header("location"));
        Map<String, String> set = OAuth2E2ETest.setCookies(login.header("set-cookie"));
        String verifier = OAuth2E2ETest.decrypt(set.get("OauthCodeVerifier"));
        assertEquals(q.get("code_challenge"), Base64.getUrlEncoder().withoutPadding().encodeToString(
                MessageDigest.getInstance("SHA-256").digest(verifier.getBytes(StandardCharsets.US_ASCII))),
                "the verifier is sealed with the file's HMAC secret");

        Curl callback = Curl.run("-H", "cookie: OauthNonce=" + set.get("OauthNonce") + "; OauthCodeVerifier="
                + set.get("OauthCodeVerifier"), base + "/callback?code=abc&state=" + q.get("state"));
        assertEquals(302, callback.status(), callback.text());
        assertTrue(tokenRequest.get().contains("&client_secret=from-the-file&"), tokenRequest.get());
    }

    @Test
    void validateModeAcceptsItAndRefusesAMissingFile() throws Exception {
        InvalidBootstrapE2ETest.Result ok = InvalidBootstrapE2ETest.run(bootstrap, "--mode", "validate");
        assertEquals(0, ok.exit(), ok.output());
        InvalidBootstrapE2ETest.Result missing = InvalidBootstrapE2ETest.run(
                bootstrap.replace("token-secret.yaml", "nowhere.yaml"), "--mode", "validate");
        assertEquals(1, missing.exit(), missing.output());
        assertTrue(missing.output().contains("credentials.token_secret.sds_config"), missing.output());
    }
}
