package io.remora.e2e;

import io.remora.listener.InspectorTestSupport;
import io.remora.testing.TempPaths;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Envoy 1.39's tls_inspector version check: openssl s_client's TLS 1.0, 1.1 and 1.3 hellos are
 * taken (their SNI chooses nothing here but is logged by the tcp_proxy chain they reach), while a
 * hello whose client_version is SSLv3 or past TLS 1.3 is closed by the inspector before any
 * filter chain: tcp_proxy would otherwise pass it to the upstream (an echo here) untouched.
 */
class TlsInspectorVersionE2ETest {

    @RegisterExtension
    static final E2EStack stack = new E2EStack();

    @Test
    void helloVersionsOutsideTls10To13AreClosedBeforeAnyChain() throws Exception {
        ServerSocket echo = stack.own(new ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress()));
        TcpEcho.serve(echo);
        Path log = TempPaths.file("tls-version", ".log");
        String tcp = Bootstraps.tcpListener("tcp", Bootstraps.TLS_INSPECTOR, "", "echo",
                Bootstraps.fileAccessLog(log, "%REQUESTED_SERVER_NAME%"));
        Map<String, Integer> ports = Map.of("tcp", ProxyProcess.freePort());
        stack.start(Bootstraps.listeners(stack.adminPort, tcp,
                Bootstraps.cluster("echo", false, null, echo.getLocalPort()), ports));
        int port = ports.get("tcp");

        for (String version : List.of("tls1", "tls1_1", "tls1_3")) {
            sClient(port, "-" + version, "-servername", version + ".example");
        }
        List<String> lines = LogFiles.await(log, 3);
        assertTrue(lines.containsAll(List.of("tls1.example", "tls1_1.example", "tls1_3.example")), lines::toString);

        String rest = InspectorTestSupport.CURL_7_64_JA3.substring(InspectorTestSupport.CURL_7_64_JA3.indexOf(','));
        byte[] tls12 = InspectorTestSupport.clientHelloOfJa3("771" + rest);
        assertArrayEquals(tls12, sendHello(port, tls12), "a TLS 1.2 hello goes through to the echo");
        assertEquals(0, sendHello(port, InspectorTestSupport.clientHelloOfJa3("768" + rest)).length, "SSLv3");
        assertEquals(0, sendHello(port, InspectorTestSupport.clientHelloOfJa3("773" + rest)).length, "past TLS 1.3");
        Thread.sleep(300);
        assertEquals(4, LogFiles.await(log, 4).size(), "only the four taken connections reached tcp_proxy");
    }

    /** openssl s_client's hello with these options; the echo sends it back, so the handshake fails. */
    private static void sClient(int port, String... options) throws Exception {
        List<String> cmd = new java.util.ArrayList<>(List.of("openssl", "s_client", "-connect", "127.0.0.1:" + port,
                "-cipher", "DEFAULT@SECLEVEL=0"));
        cmd.addAll(List.of(options));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        p.getOutputStream().close();
        p.getInputStream().readAllBytes();
        if (!p.waitFor(20, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("timed out: " + cmd);
        }
    }

    private static byte[] sendHello(int port, byte[] hello) throws Exception {
        return TlsJa3FingerprintE2ETest.sendHello("127.0.0.1", port, hello);
    }
}
