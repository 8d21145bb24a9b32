package io.remora.e2e;

import io.remora.testing.TestCerts;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Health checks connect through the cluster's transport socket as Envoy's do: a TLS cluster's
 * host passes its HTTP check over TLS; {@code tls_options.alpn_protocols} is what the check's
 * ClientHello offers (openssl s_server's trace shows it); {@code transport_socket_match_criteria}
 * picks the TLS entry of {@code transport_socket_matches} for checks of a host whose own metadata
 * selects plaintext.
 */
class HealthCheckTlsE2ETest {

    @TempDir
    Path dir;

    private static String healthCheck(String extra) {
        return Bootstraps.fastHealthCheck("http_health_check: { path: /healthz }" + (extra.isEmpty() ? "" : "\n" + extra));
    }

    private static final String TLS = """
              transport_socket:
                name: envoy.transport_sockets.tls
                typed_config:
                  "@type": type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext
                  common_tls_context: { alpn_protocols: [ "h2" ] }
            """;

    @Test
    void checksSpeakTheClustersTls() throws Exception {
        TestCerts.Leaf leaf = TestCerts.ca("hc-ca").issue("upstream", "upstream.example");
        leaf.write(dir, "upstream");
        int sServerPort = ProxyProcess.freePort();
        Path trace = dir.resolve("s_server.trace");
        Process sServer = new ProcessBuilder("openssl", "s_server", "-accept", "127.0.0.1:" + sServerPort,
                "-cert", dir.resolve("upstream-cert.pem").toString(), "-key", dir.resolve("upstream-key.pem").toString(),
                "-www", "-trace").redirectErrorStream(true).redirectOutput(trace.toFile()).start();
        try (TestUpstream tls = TestUpstream.startTls(leaf, (ctx, req, n) -> TestUpstream.send(ctx, req, 200, "ok"))) {
            int admin = ProxyProcess.freePort();
            String matches = """
                      transport_socket_matches:
                      - name: hc-tls
                        match: { hc: tls }
                        transport_socket:
                          name: envoy.transport_sockets.tls
                          typed_config:
                            "@type": type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext
                    """;
            String clusters = String.join("\n",
                    Bootstraps.cluster("tls", false, TLS + healthCheck(""), tls.port()),
                    Bootstraps.cluster("alpn", false, TLS + healthCheck("tls_options: { alpn_protocols: [ hc-proto ] }"),
                            sServerPort),
                    Bootstraps.cluster("criteria", false, matches
                            + healthCheck("transport_socket_match_criteria: { hc: tls }"), tls.port()),
                    Bootstraps.cluster("plain", false, healthCheck(""), tls.port()));
            String yaml = Bootstraps.listeners(admin,
                    Bootstraps.httpListener("web", "", "", "- match: { prefix: / }\n  route: { cluster: tls }"),
                    clusters, Map.of("web", ProxyProcess.freePort()));
            try (ProxyProcess proxy = ProxyProcess.start(yaml, admin)) {
                await(proxy, "tls", tls.port(), "a TLS cluster's check passes over TLS");
                await(proxy, "criteria", tls.port(), "transport_socket_match_criteria selects TLS for the check");
                await(proxy, "alpn", sServerPort, "openssl's -www page answers the check");
                String hello = Files.readString(trace);
                int alpn = hello.indexOf("application_layer_protocol_negotiation");
                assertTrue(alpn > 0, hello);
                String offered = hello.substring(alpn, Math.min(hello.length(), alpn + 200));
                assertTrue(offered.contains("hc-proto") && !offered.contains("h2\n"), offered);
                assertTrue(ResilienceE2ETest.healthFlags(proxy, "plain", tls.port()).contains("failed_active_hc"),
                        "plaintext to a TLS port fails");
            }
        } finally {
            sServer.destroyForcibly();
        }
    }

    private static void await(ProxyProcess proxy, String cluster, int port, String what) throws Exception {
        long deadline = System.nanoTime() + 20_000_000_000L;
        String flags;
        while ((flags = ResilienceE2ETest.healthFlags(proxy, cluster, port)).contains("failed_active_hc")
                || flags.equals("(absent)")) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("not within 20 s: " + what + " (" + flags + ")");
            }
            Thread.sleep(50);
        }
        assertFalse(flags.contains("failed"), flags);
    }
}
