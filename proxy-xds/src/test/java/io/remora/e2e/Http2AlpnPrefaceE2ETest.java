package io.remora.e2e;

import io.remora.testing.TempPaths;
import io.remora.testing.TestCerts;
import io.remora.testing.RawH2;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import java.io.InputStream;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * TLS with ALPN h2 (codec_type AUTO): Envoy's connection manager makes its codec at the client's
 * first bytes (determineNextProtocol takes ALPN's h2 then), so its SETTINGS follow the client's
 * preface, nothing is written to a client that sends nothing, and bytes that are no preface close
 * the connection with nothing written (BadMagic).
 */
class Http2AlpnPrefaceE2ETest {

    private static ProxyProcess proxy;
    private static int port;
    private static javax.net.ssl.SSLContext client;

    @BeforeAll
    static void start() throws Exception {
        Path certs = TempPaths.directory("alpn-certs");
        TestCerts.Ca ca = TestCerts.ca("alpn-ca");
        ca.issue("proxy", "127.0.0.1", "localhost").write(certs, "server");
        client = RbacMtlsE2ETest.client(null, ca);
        String tls = Bootstraps.downstreamTls(certs, "server").replace("      tls_certificates:",
                "      alpn_protocols: [h2, http/1.1]\n      tls_certificates:");
        String listeners = Bootstraps.httpListener("https", tls, "", Bootstraps.routeElseOk("/never", "cluster: none"));
        String clusters = Bootstraps.cluster("none", false, null, ProxyProcess.freePort());
        port = ProxyProcess.freePort();
        int admin = ProxyProcess.freePort();
        proxy = ProxyProcess.start(Bootstraps.listeners(admin, listeners, clusters, Map.of("https", port)), admin);
    }

    @AfterAll
    static void stop() throws Exception {
        if (proxy != null) {
            proxy.close();
        }
    }

    private static SSLSocket h2() throws Exception {
        SSLSocket s = (SSLSocket) client.getSocketFactory().createSocket("127.0.0.1", port);
        SSLParameters p = s.getSSLParameters();
        p.setApplicationProtocols(new String[]{"h2"});
        s.setSSLParameters(p);
        s.startHandshake();
        assertEquals("h2", s.getApplicationProtocol());
        return s;
    }

    @Test
    void settingsFollowTheClientsPreface() throws Exception {
        try (SSLSocket s = h2()) {
            s.setSoTimeout(1000);
            InputStream in = s.getInputStream();
            assertThrows(SocketTimeoutException.class, in::read, "the proxy spoke before the client's preface");
            s.setSoTimeout(10_000);
            s.getOutputStream().write(RawH2.preface());
            s.getOutputStream().flush();
            byte[] head = in.readNBytes(9);
            assertEquals(9, head.length);
            assertEquals(RawH2.SETTINGS, head[3], "the proxy's SETTINGS after the preface");
        }
    }

    @Test
    void bytesThatAreNoPrefaceCloseWithNothingWritten() throws Exception {
        try (SSLSocket s = h2()) {
            s.setSoTimeout(10_000);
            s.getOutputStream().write("GET / HTTP/1.1\r\nHost: a\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            s.getOutputStream().flush();
            int written = 0;
            try {
                InputStream in = s.getInputStream();
                for (int n = in.read(new byte[256]); n >= 0; n = in.read(new byte[256])) {
                    written += n;
                }
            } catch (SocketTimeoutException open) {
                throw new AssertionError("the connection stayed open", open);
            } catch (java.io.IOException reset) {
                // a reset after what was read: the count stands
            }
            assertEquals(0, written, "bytes written before the close");
        }
    }
}
