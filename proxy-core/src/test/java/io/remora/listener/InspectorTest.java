package io.remora.listener;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.io.InputStream;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.Test;

class InspectorTest {

    static byte[] clientHello(String sni, String... alpn) throws Exception {
        return InspectorTestSupport.clientHello(sni, alpn);
    }

    @Test
    void tlsInspectorReadsSniAndAlpnOfARealClientHello() throws Exception {
        byte[] hello = clientHello("api.example.com", "h2", "http/1.1");
        ByteBuf buf = Unpooled.wrappedBuffer(hello);
        TlsInspector.Result r = TlsInspector.inspect(buf);
        assertEquals(TlsInspector.Status.TLS, r.status());
        assertEquals("api.example.com", r.serverName());
        assertEquals(List.of("h2", "http/1.1"), r.alpn());
        assertEquals(0, buf.readerIndex()); // nothing consumed
        // Any strict prefix asks for more.
        assertEquals(TlsInspector.Status.NEED_MORE,
                TlsInspector.inspect(Unpooled.wrappedBuffer(hello, 0, hello.length - 1)).status());
        assertEquals(TlsInspector.Status.NEED_MORE, TlsInspector.inspect(Unpooled.wrappedBuffer(hello, 0, 3)).status());
    }

    @Test
    void tlsInspectorTakesTls10To13HellosOnly() {
        // Envoy 1.39: client_version below TLS 1.0 (SSLv3: 768) or above TLS 1.3 (772) is refused.
        String rest = InspectorTestSupport.CURL_7_64_JA3.substring(InspectorTestSupport.CURL_7_64_JA3.indexOf(','));
        for (int version : new int[] {769, 770, 771, 772}) {
            assertEquals(TlsInspector.Status.TLS, TlsInspector.inspect(Unpooled.wrappedBuffer(
                    InspectorTestSupport.clientHelloOfJa3(version + rest))).status(), "version " + version);
        }
        for (int version : new int[] {768, 773, 0}) {
            assertEquals(TlsInspector.Status.WRONG_VERSION, TlsInspector.inspect(Unpooled.wrappedBuffer(
                    InspectorTestSupport.clientHelloOfJa3(version + rest))).status(), "version " + version);
        }
    }

    /**
     * Envoy's client_hello_too_large: a hello still not whole once 64 KiB were read (here one
     * handshake byte per record) is TOO_LARGE, not plaintext; a whole one reports the bytes of its records.
     */
    @Test
    void tlsInspectorSaysTooLargeForAHelloNotWholeWithin64KiB() throws Exception {
        byte[] handshake = new byte[4 + 12000];
        handshake[0] = 1;
        handshake[2] = (byte) (12000 >> 8);
        handshake[3] = (byte) 12000;
        java.io.ByteArrayOutputStream wire = new java.io.ByteArrayOutputStream();
        for (byte b : handshake) {
            wire.writeBytes(new byte[] {0x16, 3, 1, 0, 1, b});
        }
        byte[] bytes = wire.toByteArray();
        assertEquals(TlsInspector.Status.NEED_MORE,
                TlsInspector.inspect(Unpooled.wrappedBuffer(bytes, 0, 60_000)).status());
        assertEquals(TlsInspector.Status.TOO_LARGE, TlsInspector.inspect(Unpooled.wrappedBuffer(bytes)).status());

        byte[] hello = clientHello("bytes.example");
        assertEquals(hello.length, TlsInspector.inspect(Unpooled.wrappedBuffer(hello)).helloBytes());
    }

    @Test
    void tlsInspectorSaysNotTlsForPlaintext() {
        assertEquals(TlsInspector.Status.NOT_TLS,
                TlsInspector.inspect(Unpooled.copiedBuffer("GET / HTTP/1.1\r\n", StandardCharsets.US_ASCII)).status());
    }

    @Test
    void httpInspector() {
        assertEquals("h2c", HttpInspector.inspect(buf("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n")));
        assertEquals(HttpInspector.NEED_MORE, HttpInspector.inspect(buf("PRI * HTTP/2")));
        assertEquals("http/1.1", HttpInspector.inspect(buf("GET /index.html HTTP/1.1\r\nHost: x\r\n")));
        assertEquals("http/1.0", HttpInspector.inspect(buf("POST / HTTP/1.0\r\n")));
        assertEquals(HttpInspector.NEED_MORE, HttpInspector.inspect(buf("GET /some/long/pa")));
        assertNull(HttpInspector.inspect(buf("\u0016\u0003\u0001")));
        assertNull(HttpInspector.inspect(buf("hello world\r\n")));
        assertNull(HttpInspector.inspect(buf("SSH-2.0-OpenSSH_9.6\r\n")));
    }

    private static ByteBuf buf(String s) {
        return Unpooled.copiedBuffer(s, StandardCharsets.ISO_8859_1);
    }
}
