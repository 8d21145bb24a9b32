package io.remora.e2e;

import io.remora.listener.InspectorTestSupport;
import io.remora.testing.TempPaths;
import io.remora.testing.TestCerts;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * tls_inspector's {@code enable_ja3_fingerprinting} and {@code %TLS_JA3_FINGERPRINT%}: curl's
 * requests over a TLS chain log the hash of its hello (the same for the same curl), a listener
 * whose inspector does not ask logs {@code -}; a hello of a known JA3 (Envoy's curl/7.64.1 case)
 * sent raw through a tcp_proxy chain logs exactly that hash, in tcp_proxy's log and in the
 * listener's, also for a connection no filter chain took.
 */
class TlsJa3FingerprintE2ETest {

    @RegisterExtension
    static final E2EStack stack = new E2EStack();

    private static final String JA3_ON = """
            - name: envoy.filters.listener.tls_inspector
              typed_config:
                "@type": type.googleapis.com/envoy.extensions.filters.listener.tls_inspector.v3.TlsInspector
                enable_ja3_fingerprinting: true
            """;

    private static final String CURL_7_64_JA3 = InspectorTestSupport.CURL_7_64_JA3;
    private static final String CURL_7_64_HASH = InspectorTestSupport.CURL_7_64_JA3_HASH;

    @Test
    void fingerprintsAreLoggedWhenAskedFor() throws Exception {
        TestUpstream up = stack.own(TestUpstream.text("ok"));
        ServerSocket echo = stack.own(new ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress()));
        TcpEcho.serve(echo);
        Path certs = TempPaths.directory("ja3-certs");
        TestCerts.ca("ja3-ca").issue("server", "ja3.example").write(certs, "server");
        Path onLog = TempPaths.file("ja3-on", ".log");
        Path offLog = TempPaths.file("ja3-off", ".log");
        Path tcpLog = TempPaths.file("ja3-tcp", ".log");
        Path listenerLog = TempPaths.file("ja3-listener", ".log");
        String on = https("on", JA3_ON, certs, onLog);
        String off = https("off", Bootstraps.TLS_INSPECTOR, certs, offLog);
        // From 127.0.0.1 only: a connection from elsewhere finds no chain (NR) and is still logged.
        String tcp = Bootstraps.tcpListener("tcp", JA3_ON, "", "echo",
                        Bootstraps.fileAccessLog(tcpLog, "%TLS_JA3_FINGERPRINT% %REQUESTED_SERVER_NAME%"))
                .replace("  filter_chains:\n  - filters:", Bootstraps.indent(Bootstraps.fileAccessLog(listenerLog,
                        "%RESPONSE_FLAGS% %TLS_JA3_FINGERPRINT% %REQUESTED_SERVER_NAME%"), 2) + "\n  filter_chains:\n"
                        + "  - filter_chain_match: { source_prefix_ranges: [{ address_prefix: 127.0.0.1, prefix_len: 32 }] }\n"
                        + "    filters:");
        Map<String, Integer> ports = Map.of("on", ProxyProcess.freePort(), "off", ProxyProcess.freePort(),
                "tcp", ProxyProcess.freePort());
        stack.start(Bootstraps.listeners(stack.adminPort, String.join("\n", on, off, tcp),
                Bootstraps.cluster("up", false, null, up.port()) + "\n"
                        + Bootstraps.cluster("echo", false, null, echo.getLocalPort()), ports));

        assertEquals("ok", curl(ports.get("on"), "/a").text());
        assertEquals("ok", curl(ports.get("on"), "/b").text());
        List<String> lines = LogFiles.await(onLog, 2);
        String hash = lines.get(0).split(" ")[0];
        assertTrue(hash.matches("[0-9a-f]{32}"), lines::toString);
        assertEquals(List.of(hash + " /a", hash + " /b"), lines, "one client's hellos, one fingerprint");
        assertNotEquals(CURL_7_64_HASH, hash);

        assertEquals("ok", curl(ports.get("off"), "/c").text());
        assertEquals(List.of("- /c"), LogFiles.await(offLog, 1), "not asked for: none made");

        byte[] hello = InspectorTestSupport.clientHelloOfJa3(CURL_7_64_JA3);
        assertArrayEquals(hello, sendHello("127.0.0.1", ports.get("tcp"), hello), "tcp_proxy passes the hello on");
        assertEquals(List.of(CURL_7_64_HASH + " www.envoyproxy.io"), LogFiles.await(tcpLog, 1));
        assertEquals(0, sendHello("127.0.0.3", ports.get("tcp"), hello).length, "no filter chain for 127.0.0.3");
        List<String> listenerLines = LogFiles.await(listenerLog, 2);
        assertTrue(listenerLines.contains("- " + CURL_7_64_HASH + " www.envoyproxy.io"), listenerLines::toString);
        assertTrue(listenerLines.contains("NR " + CURL_7_64_HASH + " www.envoyproxy.io"), listenerLines::toString);
    }

    /** An HTTPS listener (ja3.example's certificate) with these listener filters, logging the hash and path. */
    private static String https(String name, String listenerFilters, Path certs, Path log) {
        return Bootstraps.httpListener(name, Bootstraps.downstreamTls(certs, "server"),
                        Bootstraps.fileAccessLog(log, "%TLS_JA3_FINGERPRINT% %REQ(:PATH)%"), """
                        - match: { prefix: "/" }
                          route: { cluster: up }
                        """)
                .replace("  filter_chains:\n", "  listener_filters:\n" + Bootstraps.indent(listenerFilters, 2)
                        + "\n  filter_chains:\n");
    }

    private static Curl curl(int port, String path) throws Exception {
        return Curl.run("-k", "--http1.1", "--resolve", "ja3.example:" + port + ":127.0.0.1",
                "https://ja3.example:" + port + path);
    }

    /** Sends {@code hello} from {@code source} and half-closes; what comes back until the proxy closes. */
    static byte[] sendHello(String source, int port, byte[] hello) throws Exception {
        try (Socket s = new Socket()) {
            s.bind(new InetSocketAddress(source, 0));
            s.connect(new InetSocketAddress("127.0.0.1", port));
            s.setSoTimeout(10_000);
            s.getOutputStream().write(hello);
            s.shutdownOutput();
            return s.getInputStream().readAllBytes();
        } catch (java.net.SocketException reset) {
            return new byte[0]; // closed with data unread: a reset
        }
    }
}
