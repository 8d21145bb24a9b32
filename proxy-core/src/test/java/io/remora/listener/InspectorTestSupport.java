package io.remora.listener;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.io.ByteArrayOutputStream;
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

    /**
     * Envoy's ConnectionJA3Hash case (curl/7.64.1 to ja3er.com), and the MD5 of that text worked
     * out by hand with {@code printf %s '<JA3 text>' | md5sum}.
     */
    public static final String CURL_7_64_JA3 = "771,49200-49196-49192-49188-49172-49162-159-107-57-52393-52392-"
            + "52394-65413-196-136-129-157-61-53-192-132-49199-49195-49191-49187-49171-49161-158-103-51-190-69-156-"
            + "60-47-186-65-49169-49159-5-4-49170-49160-22-10-255,0-11-10-13-16,29-23-24,0";
    public static final String CURL_7_64_JA3_HASH = "3faa4ad39f690c4ef1c3160caa375465";

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

    /**
     * A ClientHello record whose JA3 text is {@code ja3}, as Envoy's test utility makes it:
     * supported_groups, ec_point_formats, server_name (www.envoyproxy.io) and signature_algorithms
     * carry their data, any other listed extension is empty; no extensions block when none are listed.
     */
    public static byte[] clientHelloOfJa3(String ja3) {
        String[] f = ja3.split(",", -1);
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        u16(body, Integer.parseInt(f[0]));
        body.writeBytes(new byte[32]); // random
        body.write(0); // session id
        String[] ciphers = f[1].split("-");
        u16(body, ciphers.length * 2);
        for (String c : ciphers) {
            u16(body, Integer.parseInt(c));
        }
        body.write(1); // compression methods: null
        body.write(0);
        if (!f[2].isEmpty()) {
            ByteArrayOutputStream ext = new ByteArrayOutputStream();
            for (String e : f[2].split("-")) {
                int type = Integer.parseInt(e);
                byte[] data = switch (type) {
                    case 10 -> list16(f[3]);
                    case 11 -> list8(f[4]);
                    case 0 -> serverName("www.envoyproxy.io");
                    case 13 -> new byte[] {0, 2, 4, 3};
                    default -> new byte[0];
                };
                u16(ext, type);
                u16(ext, data.length);
                ext.writeBytes(data);
            }
            u16(body, ext.size());
            body.writeBytes(ext.toByteArray());
        }
        ByteArrayOutputStream record = new ByteArrayOutputStream();
        record.writeBytes(new byte[] {0x16, 3, 1});
        u16(record, body.size() + 4);
        record.write(1); // ClientHello
        record.write(0);
        u16(record, body.size());
        record.writeBytes(body.toByteArray());
        return record.toByteArray();
    }

    private static byte[] list16(String values) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        String[] v = values.isEmpty() ? new String[0] : values.split("-");
        u16(out, v.length * 2);
        for (String s : v) {
            u16(out, Integer.parseInt(s));
        }
        return out.toByteArray();
    }

    private static byte[] list8(String values) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        String[] v = values.isEmpty() ? new String[0] : values.split("-");
        out.write(v.length);
        for (String s : v) {
            out.write(Integer.parseInt(s));
        }
        return out.toByteArray();
    }

    private static byte[] serverName(String host) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        u16(out, host.length() + 3);
        out.write(0);
        u16(out, host.length());
        out.writeBytes(host.getBytes(StandardCharsets.US_ASCII));
        return out.toByteArray();
    }

    private static void u16(ByteArrayOutputStream out, int v) {
        out.write(v >> 8);
        out.write(v);
    }
}
