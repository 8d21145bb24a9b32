package io.remora.e2e;

import io.netty.buffer.Unpooled;
import io.remora.listener.InspectorTestSupport;
import io.remora.listener.TlsInspector;
import io.remora.testing.TempPaths;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.ByteArrayOutputStream;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Envoy's tls_inspector stats ({@code tls_inspector.*}, the root scope) and its dynamic metadata:
 * a hello with SNI and ALPN, one with SNI only, plaintext (tls_not_found, failure_reason
 * ClientHelloNotDetected, passed on) and a hello still not whole after 64 KiB of 1-byte records
 * (client_hello_too_large, closed before any chain); bytes_processed records what each read.
 */
class TlsInspectorStatsE2ETest {

    @RegisterExtension
    static final E2EStack stack = new E2EStack();

    @Test
    void countsWhatItFoundAndTagsWhatWasNotTls() throws Exception {
        ServerSocket echo = stack.own(new ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress()));
        TcpEcho.serve(echo);
        Path log = TempPaths.file("tls-inspector-stats", ".log");
        String tcp = Bootstraps.tcpListener("tcp", Bootstraps.TLS_INSPECTOR, "", "echo", Bootstraps.fileAccessLog(log,
                "%REQUESTED_SERVER_NAME% %DYNAMIC_METADATA(envoy.filters.listener.tls_inspector:failure_reason)%"));
        Map<String, Integer> ports = Map.of("tcp", ProxyProcess.freePort());
        ProxyProcess proxy = stack.start(Bootstraps.listeners(stack.adminPort, tcp,
                Bootstraps.cluster("echo", false, null, echo.getLocalPort()), ports));
        int port = ports.get("tcp");
        for (String stat : List.of("tls_found", "tls_not_found", "alpn_found", "alpn_not_found", "sni_found",
                "sni_not_found", "client_hello_too_large")) {
            assertEquals(0, proxy.stat("tls_inspector." + stat), "made with the listener: " + stat);
        }

        byte[] withAlpn = InspectorTestSupport.clientHello("alpn.example", "h2");
        byte[] sniOnly = InspectorTestSupport.clientHello("plain.example");
        assertArrayEquals(withAlpn, send(port, withAlpn));
        assertArrayEquals(sniOnly, send(port, sniOnly));
        byte[] text = "hello, not TLS\n".getBytes(StandardCharsets.US_ASCII);
        assertArrayEquals(text, send(port, text));
        assertEquals(0, send(port, fragmentedHello()).length, "closed by the inspector");

        List<String> lines = LogFiles.await(log, 3);
        assertEquals(List.of("alpn.example -", "plain.example -", "- ClientHelloNotDetected"), lines);
        assertEquals(2, proxy.stat("tls_inspector.tls_found"));
        assertEquals(1, proxy.stat("tls_inspector.tls_not_found"));
        assertEquals(1, proxy.stat("tls_inspector.alpn_found"));
        assertEquals(1, proxy.stat("tls_inspector.alpn_not_found"));
        assertEquals(2, proxy.stat("tls_inspector.sni_found"));
        assertEquals(0, proxy.stat("tls_inspector.sni_not_found"));
        assertEquals(1, proxy.stat("tls_inspector.client_hello_too_large"));
        assertEquals(4, proxy.metric("envoy_tls_inspector_bytes_processed_count"));
        assertEquals(helloBytes(withAlpn) + helloBytes(sniOnly) + 5 + 65536,
                proxy.metric("envoy_tls_inspector_bytes_processed_sum"));
    }

    private static int helloBytes(byte[] hello) {
        return TlsInspector.inspect(Unpooled.wrappedBuffer(hello)).helloBytes();
    }

    /** A ClientHello header announcing 12000 bytes, sent one byte per record: 72 KiB on the wire. */
    private static byte[] fragmentedHello() {
        byte[] handshake = new byte[4 + 12000];
        handshake[0] = 1;
        handshake[2] = (byte) (12000 >> 8);
        handshake[3] = (byte) 12000;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte b : handshake) {
            out.writeBytes(new byte[] {0x16, 3, 1, 0, 1, b});
        }
        return out.toByteArray();
    }

    private static byte[] send(int port, byte[] bytes) throws Exception {
        return TlsJa3FingerprintE2ETest.sendHello("127.0.0.1", port, bytes);
    }
}
