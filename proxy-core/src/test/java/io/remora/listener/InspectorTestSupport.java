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

public final class InspectorTestSupport {

    /** The bytes of a real JDK ClientHello with this SNI and ALPN. */
    public static byte[] clientHello(String sni, String... alpn) throws Exception {
        try (ServerSocket ss = new ServerSocket(0)) {
            Thread client = new Thread(() -> {
                try (SSLSocket s = (SSLSocket) SSLContext.getDefault().getSocketFactory()
                        .createSocket("127.0.0.1", ss.getLocalPort())) {
                    SSLParameters p = s.getSSLParameters();
                    p.setServerNames(List.of(new SNIHostName(sni)));
                    p.setApplicationProtocols(alpn);
                    s.setSSLParameters(p);
                    s.setSoTimeout(5000);
                    s.startHandshake();
                } catch (Exception expected) {
                    // the peer never answers
                }
            });
            client.start();
            try (Socket peer = ss.accept()) {
                peer.setSoTimeout(5000);
                InputStream in = peer.getInputStream();
                ByteBuf buf = Unpooled.buffer();
                try {
                    byte[] chunk = new byte[4096];
                    while (TlsInspector.inspect(buf).status() == TlsInspector.Status.NEED_MORE) {
                        int n = in.read(chunk);
                        if (n < 0) {
                            break;
                        }
                        buf.writeBytes(chunk, 0, n);
                    }
                    byte[] out = new byte[buf.readableBytes()];
                    buf.getBytes(0, out);
                    return out;
                } finally {
                    buf.release();
                }
            } finally {
                client.join(10_000);
            }
        }
    }

}
