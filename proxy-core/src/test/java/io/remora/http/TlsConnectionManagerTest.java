package io.remora.http;

import io.remora.http.testing.LeakCheck;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.ssl.ApplicationProtocolConfig;
import io.netty.handler.ssl.ApplicationProtocolNames;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;
import java.io.FileInputStream;
import java.io.OutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** TLS in front of the HCM: ALPN h2 and http/1.1 both land on the right codec (AUTO sniffs). */
@ExtendWith(LeakCheck.class)
class TlsConnectionManagerTest {

    private Path cert;
    private Path key;

    @BeforeEach
    void selfSigned(@TempDir Path dir) throws Exception {
        cert = dir.resolve("c.pem");
        key = dir.resolve("k.pem");
        Process p = new ProcessBuilder("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout",
                key.toString(), "-out", cert.toString(), "-days", "1", "-subj", "/CN=localhost",
                "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1").redirectErrorStream(true).start();
        p.getInputStream().readAllBytes();
        assertTrue(p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0, "openssl failed");
    }

    private SslContext server() throws Exception {
        return SslContextBuilder.forServer(cert.toFile(), key.toFile())
                .applicationProtocolConfig(new ApplicationProtocolConfig(ApplicationProtocolConfig.Protocol.ALPN,
                        ApplicationProtocolConfig.SelectorFailureBehavior.NO_ADVERTISE,
                        ApplicationProtocolConfig.SelectedListenerFailureBehavior.ACCEPT,
                        ApplicationProtocolNames.HTTP_2, ApplicationProtocolNames.HTTP_1_1)).build();
    }

    private SSLContext client() throws Exception {
        KeyStore trust = KeyStore.getInstance(KeyStore.getDefaultType());
        trust.load(null, null);
        try (FileInputStream in = new FileInputStream(cert.toFile())) {
            trust.setCertificateEntry("proxy", CertificateFactory.getInstance("X.509").generateCertificate(in));
        }
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trust);
        SSLContext client = SSLContext.getInstance("TLS");
        client.init(null, tmf.getTrustManagers(), null);
        return client;
    }

    @Test
    void alpnH2AndHttp11OverTls() throws Exception {
        SslContext server = server();
        SSLContext client = client();
        TestFilter.REQUESTS.clear();
        try (HcmServer s = new HcmServer(HcmServer.config(b -> b.useRemoteAddress(true)), server)) {
            for (HttpClient.Version v : new HttpClient.Version[]{HttpClient.Version.HTTP_2, HttpClient.Version.HTTP_1_1}) {
                HttpClient c = HttpClient.newBuilder().version(v).sslContext(client).build();
                HttpResponse<String> r = c.send(HttpRequest.newBuilder(
                        URI.create("https://127.0.0.1:" + s.port + "/tls")).build(), HttpResponse.BodyHandlers.ofString());
                assertEquals(200, r.statusCode());
                assertEquals(v, r.version());
                assertEquals("ok", r.body());
                Http2Headers seen = TestFilter.REQUESTS.poll(5, TimeUnit.SECONDS);
                assertEquals("https", seen.get("x-forwarded-proto").toString());
            }
            assertEquals(1.0, s.hcm.stats.downstreamCxHttp2Total.count());
            assertEquals(1.0, s.hcm.stats.downstreamCxHttp1Total.count());
        }
    }

    /**
     * A 431 while the request is still arriving, over TLS: the response, then close_notify and a
     * FIN, and what the client still sends is read and dropped for {@code delayed_close_timeout}
     * (DelayedClose) instead of being answered with a reset, which could cost the client the
     * response.
     */
    @Test
    void a431OverTlsEndsWithCloseNotifyAndKeepsReading() throws Exception {
        try (HcmServer s = new HcmServer(HcmServer.config(b -> b.maxHeadersKb(1).delayedClose(Duration.ofSeconds(30))),
                server());
             SSLSocket c = (SSLSocket) client().getSocketFactory().createSocket("127.0.0.1", s.port)) {
            c.setSoTimeout(10_000);
            c.setEnabledProtocols(new String[]{"TLSv1.3"});
            OutputStream out = c.getOutputStream();
            out.write(("GET / HTTP/1.1\r\nHost: a\r\nx-big: " + "y".repeat(2048) + "\r\nx-more: "
                    + "z".repeat(200_000)).getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            byte[] all = c.getInputStream().readAllBytes(); // to close_notify, not an exception
            String response = new String(all, StandardCharsets.ISO_8859_1);
            assertTrue(response.startsWith("HTTP/1.1 431 "), response);
            for (int i = 0; i < 10; i++) {
                out.write("z".repeat(1000).getBytes(StandardCharsets.ISO_8859_1)); // a closed socket resets
                out.flush();
                Thread.sleep(50);
            }
        }
    }
}
