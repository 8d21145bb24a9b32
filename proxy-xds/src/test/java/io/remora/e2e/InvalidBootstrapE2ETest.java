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

    private static Result run(String yaml) throws Exception {
        Path f = TempPaths.file("bad", ".yaml");
        Files.writeString(f, yaml);
        Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), "io.remora.xds.Main", "-c", f.toString())
                .redirectErrorStream(true).start();
        assertTrue(p.waitFor(30, TimeUnit.SECONDS), "exits by itself");
        return new Result(p.exitValue(), new String(p.getInputStream().readAllBytes()));
    }

    private record Result(int exit, String output) {
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
}
