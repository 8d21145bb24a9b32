package io.remora.e2e;

import io.remora.testing.TempPaths;
import io.remora.testing.TestCerts;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Starting the proxy builds none of protobuf's field-accessor tables for Envoy's generated classes:
 * each is a {@code Method} per accessor, held for the process's life (about 7,000 of them, 0.9 MB of
 * live heap, and the class-data archive 3 MB larger, when the walk for file-sourced secrets used
 * {@code getAllFields()}). The config has a TLS listener whose certificate comes from an SDS file,
 * so that walk finds something. Run in a JVM of its own: in the test JVM other tests build them.
 */
class AccessorTableE2ETest {

    @Test
    void startingBuildsNoFieldAccessorTable() throws Exception {
        Path certs = TempPaths.directory("accessor-certs");
        TestCerts.ca("accessor").issue("first", "first.test").write(certs, "first");
        Path secret = Files.writeString(certs.resolve("server.yaml"), SdsFileE2ETest.secretFile(certs, "first"));
        String yaml = Bootstraps.listeners(ProxyProcess.freePort(), SdsFileE2ETest.listener(secret, certs), "",
                Map.of("tls", ProxyProcess.freePort()));
        Path config = Files.writeString(TempPaths.file("accessor-probe", ".yaml"), yaml);

        Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx256m",
                "-cp", System.getProperty("java.class.path"), AccessorTableProbe.class.getName(), config.toString())
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), out);
        assertEquals(0, p.exitValue(), out);

        List<String> lines = out.lines().filter(l -> l.matches("\\w+ (true|false)")).toList();
        assertEquals(AccessorTableProbe.TYPES.size(), lines.size(), out);
        assertEquals(List.of(), lines.stream().filter(l -> l.endsWith(" true")).toList(), out);
    }
}
