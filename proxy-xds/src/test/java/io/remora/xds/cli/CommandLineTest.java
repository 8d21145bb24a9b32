package io.remora.xds.cli;

import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CommandLineTest {

    @Test
    void envoyFlagsAsPilotAgentPassesThem() throws Exception {
        // The argument list pilot-agent starts Envoy with (plus the node overrides).
        Options o = CommandLine.parse("-c", "etc/istio/proxy/envoy-rev.json", "--drain-time-s", "45",
                "--drain-strategy", "immediate", "--local-address-ip-version", "v4", "--file-flush-interval-msec", "1000",
                "--disable-hot-restart", "--allow-unknown-static-fields", "--log-format", "%Y-%m-%dT%T.%fZ\t%l\tenvoy %n\t%v",
                "-l", "warning", "--component-log-level", "misc:error,upstream:debug", "--concurrency", "2",
                "--service-cluster", "istio-proxy", "--service-node=sidecar~10.0.0.1~pod.ns~ns.svc.cluster.local",
                "--parent-shutdown-time-s=60", "--skip-deprecated-logs");
        assertEquals(Path.of("etc/istio/proxy/envoy-rev.json"), o.configPath());
        assertEquals(Duration.ofSeconds(45), o.drainTime());
        assertEquals(Duration.ofSeconds(60), o.parentShutdownTime());
        assertEquals("v4", o.localAddressIpVersion());
        assertEquals(Duration.ofMillis(1000), o.fileFlushInterval());
        assertEquals("%Y-%m-%dT%T.%fZ\t%l\tenvoy %n\t%v", o.logFormat());
        assertEquals("warning", o.logLevel());
        assertEquals(Map.of("misc", "error", "upstream", "debug"), o.componentLogLevels());
        assertEquals(2, o.concurrency());
        assertEquals("istio-proxy", o.serviceCluster());
        assertEquals("sidecar~10.0.0.1~pod.ns~ns.svc.cluster.local", o.serviceNode());
        assertEquals(Options.Mode.SERVE, o.mode());
        assertFalse(o.demo());
        assertEquals(io.remora.server.DrainStrategy.IMMEDIATE, o.drainStrategy());
        assertTrue(o.allowUnknownStaticFields());
        // only hot restart and deprecation logging mean nothing here
        assertEquals(2, o.warnings().size(), o.warnings().toString());
        assertTrue(o.warnings().get(0).contains("--disable-hot-restart"));
    }

    @Test
    void nodeOverridesAndDrainStrategy() throws Exception {
        Options o = CommandLine.parse("--service-zone", "us-east1-b", "--service-node", "", "--drain-strategy=gradual");
        assertEquals("us-east1-b", o.serviceZone());
        assertNull(o.serviceNode(), "an empty --service-node keeps the bootstrap's node.id, as in Envoy");
        assertEquals(io.remora.server.DrainStrategy.GRADUAL, o.drainStrategy());
        assertTrue(o.warnings().isEmpty(), o.warnings().toString());
        assertEquals(io.remora.server.DrainStrategy.GRADUAL, CommandLine.parse().drainStrategy(), "Envoy's default");
        assertFalse(o.allowUnknownStaticFields());
        assertThrows(UsageException.class, () -> CommandLine.parse("--drain-strategy", "slowly"));
        assertThrows(UsageException.class, () -> CommandLine.parse("--service-zone"));
    }

    @Test
    void defaults() throws Exception {
        Options o = CommandLine.parse("--config-yaml", "admin: {}");
        assertNull(o.configPath());
        assertEquals("admin: {}", o.configYaml());
        assertEquals(Runtime.getRuntime().availableProcessors(), o.concurrency());
        assertEquals("info", o.logLevel());
        assertEquals(Duration.ofSeconds(600), o.drainTime());
        assertEquals(Duration.ofSeconds(900), o.parentShutdownTime());
        assertEquals(Options.Mode.SERVE, o.mode());
        assertTrue(o.warnings().isEmpty());
    }

    @Test
    void modeValidateAndDemo() throws Exception {
        assertEquals(Options.Mode.VALIDATE, CommandLine.parse("--mode", "validate", "-c", "x.yaml").mode());
        assertEquals(Options.Mode.INIT_ONLY, CommandLine.parse("--mode=init_only").mode());
        assertTrue(CommandLine.parse("--demo").demo());
        assertEquals("warning", CommandLine.parse("-l", "warn").logLevel());
    }

    @Test
    void ignoredFlagsConsumeTheirValue() throws Exception {
        Options o = CommandLine.parse("--base-id", "7", "--restart-epoch", "0", "--use-dynamic-base-id",
                "--hot-restart-version", "--cpuset-threads", "--enable-mutex-tracing",
                "--reject-unknown-dynamic-fields", "--ignore-unknown-dynamic-fields",
                "--disable-extensions", "envoy.filters.http.lua", "-c", "b.yaml");
        assertEquals(Path.of("b.yaml"), o.configPath());
        assertEquals(9, o.warnings().size());
        assertEquals(Path.of("/tmp/l"), CommandLine.parse("--log-path", "/tmp/l").logPath());
    }

    @Test
    void badFlags() {
        assertThrows(UsageException.class, () -> CommandLine.parse("--frobnicate"));
        assertThrows(UsageException.class, () -> CommandLine.parse("-c"));
        assertThrows(UsageException.class, () -> CommandLine.parse("--concurrency", "many"));
        assertThrows(UsageException.class, () -> CommandLine.parse("--mode", "fast"));
        assertThrows(UsageException.class, () -> CommandLine.parse("-l", "loud"));
        assertThrows(UsageException.class, () -> CommandLine.parse("--component-log-level", "upstream"));
        assertThrows(UsageException.class, () -> CommandLine.parse("--local-address-ip-version", "v5"));
        assertThrows(UsageException.class, () -> CommandLine.parse("--demo=maybe"));
        var e = assertThrows(UsageException.class, () -> CommandLine.parse("-c", "x", "--nope=1"));
        assertEquals("unknown option '--nope=1'", e.getMessage());
    }
}
