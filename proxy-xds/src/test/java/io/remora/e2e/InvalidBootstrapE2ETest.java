package io.remora.e2e;

import io.remora.testing.TempPaths;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** An invalid bootstrap stops the proxy at start with a non-zero exit and the field named. */
class InvalidBootstrapE2ETest {

    static Result run(String yaml, String... args) throws Exception {
        Path f = TempPaths.file("bad", ".yaml");
        Files.writeString(f, yaml);
        List<String> command = new java.util.ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java")
                .toString(), "-cp", System.getProperty("java.class.path"), "io.remora.xds.Main", "-c", f.toString()));
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        assertTrue(p.waitFor(30, TimeUnit.SECONDS), "exits by itself");
        return new Result(p.exitValue(), new String(p.getInputStream().readAllBytes()));
    }

    record Result(int exit, String output) {
    }

    @Test
    void routeToAMissingClusterNamesTheField() throws Exception {
        String yaml = Bootstraps.http(ProxyProcess.freePort(), ProxyProcess.freePort(), "/dev/null", """
                - match: { prefix: "/" }
                  route: { cluster: nowhere }
                """, Bootstraps.cluster("somewhere", false, null, 1));
        Result r = run(yaml);
        assertNotEquals(0, r.exit());
        assertTrue(r.output().contains("route_config.virtual_hosts[0].routes[0].route.cluster"), r.output());
        assertTrue(r.output().contains("nowhere"), r.output());
    }

    @Test
    void invalidRegexNamesTheField() throws Exception {
        String yaml = Bootstraps.http(ProxyProcess.freePort(), ProxyProcess.freePort(), "/dev/null", """
                - match: { safe_regex: { regex: "(unclosed" } }
                  route: { cluster: somewhere }
                """, Bootstraps.cluster("somewhere", false, null, 1));
        Result r = run(yaml);
        assertNotEquals(0, r.exit());
        assertTrue(r.output().contains("routes[0].match.safe_regex.regex"), r.output());
    }

    @Test
    void brokenYamlIsRejected() throws Exception {
        Result r = run("static_resources: [\n  - : :");
        assertNotEquals(0, r.exit());
        assertTrue(r.output().toLowerCase().contains("yaml"), r.output());
    }

    @Test
    void unknownRequiredExtensionIsRejected() throws Exception {
        String yaml = Bootstraps.http(ProxyProcess.freePort(), ProxyProcess.freePort(), "/dev/null", """
                - match: { prefix: "/" }
                  route: { cluster: somewhere }
                """, Bootstraps.cluster("somewhere", false, null, 1))
                .replace("type.googleapis.com/envoy.extensions.filters.http.router.v3.Router",
                        "type.googleapis.com/example.DoesNotExist");
        Result r = run(yaml);
        assertNotEquals(0, r.exit());
        assertTrue(r.output().contains("example.DoesNotExist"), r.output());
        assertTrue(r.output().contains("http_filters[0]"), r.output());
    }

    /** An SDS file holding another secret than the one named: Envoy's SdsApi rejects it, and so the config. */
    @Test
    void sdsFileWithoutTheNamedSecretNamesTheField() throws Exception {
        Path dir = TempPaths.directory("sds-missing");
        Path file = Files.writeString(dir.resolve("secret.yaml"), """
                resources:
                - "@type": type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.Secret
                  name: other
                  generic_secret: { secret: { inline_string: x } }
                """);
        Result r = run(SdsFileE2ETest.bootstrap(ProxyProcess.freePort(), ProxyProcess.freePort(), file, dir));
        assertNotEquals(0, r.exit());
        assertTrue(r.output().contains("common_tls_context.tls_certificate_sds_secret_configs[0].name"), r.output());
        assertTrue(r.output().contains("Unexpected SDS secret (expecting server): other"), r.output());

        Result validate = run(SdsFileE2ETest.bootstrap(ProxyProcess.freePort(), ProxyProcess.freePort(),
                dir.resolve("absent.yaml"), dir), "--mode", "validate");
        assertNotEquals(0, validate.exit(), "--mode validate reads the file too");
        assertTrue(validate.output().contains("tls_certificate_sds_secret_configs[0].sds_config"), validate.output());
        assertTrue(validate.output().contains("absent.yaml"), validate.output());
    }
}
