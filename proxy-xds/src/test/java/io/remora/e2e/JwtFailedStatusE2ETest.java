package io.remora.e2e;

import io.remora.testing.TempPaths;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.List;

import static io.remora.e2e.JwtTokens.claims;
import static io.remora.e2e.JwtTokens.now;
import static io.remora.e2e.JwtTokens.rs256;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * What jwt_authn leaves in dynamic metadata, read back through the access log of a running proxy:
 * {@code failed_status_in_metadata} as Envoy's authenticator writes it (the failure's code in
 * Envoy's status numbering and its text, on a denied request and on one
 * {@code allow_missing_or_failed} lets through), and {@code normalize_payload_in_metadata}
 * splitting a claim on spaces only.
 */
class JwtFailedStatusE2ETest {

    static final String ISSUER = "https://issuer.example";
    static final String FORMAT = "%REQ(:PATH)% %RESPONSE_CODE%"
            + " failure=%DYNAMIC_METADATA(envoy.filters.http.jwt_authn:jwt_failure)%"
            + " scope=%DYNAMIC_METADATA(envoy.filters.http.jwt_authn:payload:scope)%";
    static TestUpstream backend;
    static ProxyProcess proxy;
    static Path log;
    static int port;
    static int lines;

    @BeforeAll
    static void start() throws Exception {
        backend = TestUpstream.text("ok");
        int admin = ProxyProcess.freePort();
        port = ProxyProcess.freePort();
        log = TempPaths.file("jwt-failed-status", ".log");
        String filter = """
                - name: envoy.filters.http.jwt_authn
                  typed_config:
                    "@type": type.googleapis.com/envoy.extensions.filters.http.jwt_authn.v3.JwtAuthentication
                    providers:
                      only:
                        issuer: "%s"
                        local_jwks: { inline_string: '%s' }
                        payload_in_metadata: payload
                        failed_status_in_metadata: jwt_failure
                        normalize_payload_in_metadata: { space_delimited_claims: [scope] }
                    rules:
                    - match: { prefix: /soft }
                      requires: { allow_missing_or_failed: {} }
                    - match: { prefix: / }
                      requires: { provider_name: only }
                """.formatted(ISSUER, JwtTokens.jwks());
        String yaml = Bootstraps.logFormat(Bootstraps.http(admin, port, log.toString(),
                "- match: { prefix: \"/\" }\n  route: { cluster: up }",
                Bootstraps.cluster("up", false, "", backend.port()), "", filter), log, FORMAT);
        proxy = ProxyProcess.start(yaml, admin);
    }

    @AfterAll
    static void stop() throws Exception {
        proxy.close();
        backend.close();
    }

    static String send(String path, String token) throws Exception {
        Curl c = token == null ? Curl.get(port, path) : Curl.get(port, path, "authorization: Bearer " + token);
        List<String> all = LogFiles.await(log, ++lines);
        return c.status() + " " + all.get(lines - 1);
    }

    @Test
    void failuresAreLeftUnderTheProvidersKeyWithEnvoysCodeAndText() throws Exception {
        assertEquals("401 /expired 401 failure={\"code\":3,\"message\":\"Jwt is expired\"} scope=-",
                send("/expired", rs256(claims(ISSUER, "bob", now() - 600, ""))));
        assertEquals("401 /missing 401 failure={\"code\":1,\"message\":\"Jwt is missing\"} scope=-",
                send("/missing", null));
        String good = rs256(claims(ISSUER, "bob", now() + 600, ""));
        String forged = good.substring(0, good.indexOf('.') + 1) + JwtTokens.b64(claims(ISSUER, "eve", now() + 600, ""))
                + good.substring(good.lastIndexOf('.'));
        assertEquals("200 /soft 200 failure={\"code\":26,\"message\":\"Jwt verification fails\"} scope=-",
                send("/soft", forged));
        assertEquals("401 /bad 401 failure={\"code\":4,\"message\":\"Jwt is not in the form of"
                + " Header.Payload.Signature with two dots and 3 sections\"} scope=-", send("/bad", "a..b"));
        assertEquals("200 /good 200 failure=- scope=-", send("/good", good));
    }

    @Test
    void spaceDelimitedClaimsSplitOnSpacesOnly() throws Exception {
        assertEquals("200 /scoped 200 failure=- scope=[\"read\",\"write\\tall\"]",
                send("/scoped", rs256(claims(ISSUER, "bob", now() + 600, ",\"scope\":\" read  write\\tall \""))));
        assertEquals("200 /blank 200 failure=- scope=  ",
                send("/blank", rs256(claims(ISSUER, "bob", now() + 600, ",\"scope\":\"  \""))));
    }
}
