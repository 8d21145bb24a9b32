package io.remora.e2e;

import io.remora.testing.TempPaths;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The credential injector through a real proxy: the generic credential comes from an SDS file, the
 * upstream sees it in Authorization, a request's own credential is kept (overwrite off), and when
 * the secret file is rewritten with nothing but a newline the request gets Envoy's 401.
 */
class CredentialInjectorE2ETest {

    @RegisterExtension
    static final E2EStack stack = E2EStack.checkingLeaks();
    static TestUpstream upstream;
    static ProxyProcess proxy;
    static Path secrets;

    @BeforeAll
    static void start() throws Exception {
        secrets = TempPaths.directory("credential-injector");
        writeSecret("Bearer token-1\\n");
        upstream = stack.upstream((ctx, req, n) -> TestUpstream.send(ctx, req, 200,
                "authorization=" + req.headers().get("authorization")));
        String filters = """
                - name: envoy.filters.http.credential_injector
                  typed_config:
                    "@type": type.googleapis.com/envoy.extensions.filters.http.credential_injector.v3.CredentialInjector
                    credential:
                      name: generic
                      typed_config:
                        "@type": type.googleapis.com/envoy.extensions.http.injected_credentials.generic.v3.Generic
                        credential:
                          name: upstream-token
                          sds_config: { path_config_source: { path: FILE } }
                """.replace("FILE", secrets.resolve("token.yaml").toString());
        proxy = stack.start(stack.http(TempPaths.file("credential-access", ".log").toString(), """
                - match: { prefix: "/" }
                  route: { cluster: app }
                """, Bootstraps.cluster("app", false, null, upstream.port()), "", filters));
    }

    /** Rewrites the SDS file (moved into place, as Envoy's docs say) with the secret's value. */
    static void writeSecret(String value) throws Exception {
        Path tmp = secrets.resolve("token.tmp");
        Files.writeString(tmp, """
                resources:
                - "@type": type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.Secret
                  name: upstream-token
                  generic_secret: { secret: { inline_string: "VALUE" } }
                """.replace("VALUE", value));
        Files.move(tmp, secrets.resolve("token.yaml"), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    static double stat(String name) throws Exception {
        return proxy.metric("envoy_http_credential_injector_" + name + "{envoy_http_conn_manager_prefix=\"ingress\"}");
    }

    @Test
    void injectsKeepsAnOwnCredentialAndRefusesWhenTheSecretIsEmpty() throws Exception {
        double injected = stat("injected");
        // The file's trailing newline is not part of the header.
        assertEquals("authorization=Bearer token-1", Curl.run(stack.url("/")).text());
        assertEquals(injected + 1, stat("injected"));

        double exists = stat("already_exists");
        assertEquals("authorization=Basic mine", Curl.run("-H", "Authorization: Basic mine", stack.url("/")).text());
        assertEquals(exists + 1, stat("already_exists"));

        double failed = stat("failed");
        writeSecret("\\n"); // a secret of a newline alone: nothing to inject
        long deadline = System.nanoTime() + 20_000_000_000L;
        Curl r = Curl.run(stack.url("/"));
        while (r.status() == 200 && System.nanoTime() < deadline) {
            Thread.sleep(200);
            r = Curl.run(stack.url("/"));
        }
        assertEquals(401, r.status(), r.text());
        assertEquals("Failed to inject credential.", r.text());
        assertEquals(failed + 1, stat("failed"));

        writeSecret("Bearer token-2");
        deadline = System.nanoTime() + 20_000_000_000L;
        r = Curl.run(stack.url("/"));
        while (r.status() != 200 && System.nanoTime() < deadline) {
            Thread.sleep(200);
            r = Curl.run(stack.url("/"));
        }
        assertEquals("authorization=Bearer token-2", r.text());
    }
}
