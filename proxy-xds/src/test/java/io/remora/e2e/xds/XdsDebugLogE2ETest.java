package io.remora.e2e.xds;

import io.remora.e2e.TestUpstream;
import io.remora.log.Logging;
import io.remora.testing.LogCapture;
import io.remora.xds.ads.TestControlPlane;
import io.remora.xds.ads.XdsResourceType;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.logging.Level;
import java.util.logging.Logger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The "config" component's lines for xDS exchanges, as an operator reads them with
 * {@code --component-log-level config:trace}: responses received and updates accepted at debug,
 * every request sent (ACKs included) at trace, against java-control-plane's server.
 */
class XdsDebugLogE2ETest {

    @Test
    void configDebugShowsResponsesAndAcceptsTraceShowsRequests() throws Exception {
        Logger config = Logging.logger("config");
        Level before = config.getLevel();
        LogCapture capture = LogCapture.on(config);
        TestControlPlane cp = new TestControlPlane();
        try (TestUpstream a = TestUpstream.text("u-a"); TestUpstream b = TestUpstream.text("u-b")) {
            Logging.setComponent("config", Logging.parseLevel("trace"));
            cp.startTcp(0);
            Mesh mesh = new Mesh(XdsProxy.freePort(), a.port(), b.port());
            cp.set(mesh.snapshot());
            try (XdsProxy proxy = XdsProxy.start(XdsProxy.adsBootstrap(cp.port, false))) {
                assertEquals(200, proxy.awaitReply("routed", mesh.listenerPort, "/hello", r -> r.status() == 200).status());
                String lds = XdsResourceType.LISTENER.typeUrl;
                long deadline = System.nanoTime() + 10_000_000_000L;
                while (lines(capture).stream().noneMatch(l -> l.startsWith("debug gRPC config for " + lds + " accepted with "))
                        && System.nanoTime() < deadline) {
                    Thread.sleep(20);
                }
                String all = String.join("\n", lines(capture));
                assertTrue(lines(capture).stream().anyMatch(l -> l.startsWith("debug Received gRPC message for " + lds
                        + " at version 0 (nonce ")), all);
                assertTrue(lines(capture).contains("debug gRPC config for " + lds + " accepted with 1 resource(s) with version 0"), all);
                assertTrue(lines(capture).stream().anyMatch(l -> l.startsWith("trace Sending DiscoveryRequest for " + lds + ": ")
                        && l.contains("version_info: \"0\"")), "the ACK at trace: " + all);
            }
        } finally {
            cp.close();
            capture.close();
            config.setLevel(before);
        }
    }

    /** What the operator reads: each line's level and message. */
    private static List<String> lines(LogCapture capture) {
        return capture.records().stream().map(r -> Logging.levelName(r.getLevel()) + " " + r.getMessage()).toList();
    }
}
