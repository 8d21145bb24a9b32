package io.remora.xds;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Main's exit codes and messages, without System.exit. */
class MainTest {

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    @org.junit.jupiter.api.AfterEach
    void restoreLogging() {
        io.remora.log.Logging.uninstall();
    }

    private int run(String... args) {
        return new Main(new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8)).run(args);
    }

    private String err() {
        return err.toString(StandardCharsets.UTF_8);
    }

    @Test
    void validateGoodConfig() {
        assertEquals(0, run("--mode", "validate", "-c", TestResources.path("istio/bootstrap-all.json").toString()), err());
        assertTrue(out.toString(StandardCharsets.UTF_8).contains("OK"));
    }

    @Test
    void validateTheBundledDemo() {
        assertEquals(0, run("--mode", "validate", "--demo"), err());
    }

    @Test
    void validateBadConfigPrintsPathAndExits1(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("bad.yaml");
        Files.writeString(f, """
                static_resources:
                  clusters:
                  - name: c
                    connect_timeout: 1s
                  - name: c
                """);
        assertEquals(1, run("--mode", "validate", "-c", f.toString()));
        assertEquals("error: static_resources.clusters[1].name: duplicate cluster name 'c'", err().strip());
    }

    @Test
    void configYamlMergesOverTheFile(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("b.yaml");
        Files.writeString(f, "static_resources:\n  clusters:\n  - name: a\n");
        // The merged list holds both clusters: the override adds a duplicate, which is refused.
        assertEquals(0, run("--mode", "validate", "-c", f.toString(), "--config-yaml",
                "static_resources: { clusters: [{ name: b }] }"), err());
        assertEquals(1, run("--mode", "validate", "-c", f.toString(), "--config-yaml",
                "static_resources: { clusters: [{ name: a }] }"));
    }

    @Test
    void configYamlAloneInFlowStyle() {
        assertEquals(0, run("--mode", "validate", "--config-yaml",
                "{static_resources: {clusters: [{name: a, connect_timeout: 1s}]}}"), err());
    }

    @Test
    void missingFileExits1(@TempDir Path dir) {
        assertEquals(1, run("--mode", "validate", "-c", dir.resolve("nope.yaml").toString()));
        assertTrue(err().startsWith("error: cannot read "), err());
    }

    @Test
    void usageErrorsExit2() {
        assertEquals(2, run("--bogus"));
        assertTrue(err().contains("unknown option '--bogus'") && err().contains("Usage: remora"), err());
    }

    @Test
    void unknownStaticFieldsAreRefusedUnlessAllowed(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("b.yaml");
        Files.writeString(f, "admin: { address: { socket_address: { address: 127.0.0.1, port_value: 0 } } }\n"
                + "static_resources: { listeners: [], field_from_a_newer_envoy: true }\n");
        assertEquals(1, run("--mode", "validate", "-c", f.toString()));
        assertTrue(err().contains("static_resources.field_from_a_newer_envoy"), err());
        assertEquals(0, run("--mode", "validate", "-c", f.toString(), "--allow-unknown-static-fields"), err());
    }

    @Test
    void pilotAgentFlagsValidateIstiosBootstrap() {
        // pilot-agent's argv (pkg/envoy/proxy.go), checked rather than served
        assertEquals(0, run("-c", TestResources.path("istio/bootstrap-authsds.json").toString(), "--drain-time-s", "45",
                "--drain-strategy", "immediate", "--local-address-ip-version", "v4", "--file-flush-interval-msec", "1000",
                "--disable-hot-restart", "--allow-unknown-static-fields", "-l", "warning", "--component-log-level",
                "misc:error", "--concurrency", "2", "--mode", "validate"), err());
    }

    @Test
    void helpAndVersionExit0() {
        assertEquals(0, run("--help"));
        assertTrue(out.toString(StandardCharsets.UTF_8).contains("--config-path"));
        assertEquals(0, run("--version"));
    }
}
