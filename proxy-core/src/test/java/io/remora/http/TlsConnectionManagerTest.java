package io.remora.http;

import io.remora.http.testing.LeakCheck;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.ssl.ApplicationProtocolConfig;
import io.netty.handler.ssl.ApplicationProtocolNames;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import java.io.FileInputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** TLS in front of the HCM: ALPN h2 and http/1.1 both land on the right codec (AUTO sniffs). */
@ExtendWith(LeakCheck.class)
class TlsConnectionManagerTest {

    @Test
    void alpnH2AndHttp11OverTls(@TempDir Path dir) throws Exception {
        Path cert = dir.resolve("c.pem");
        Path key = dir.resolve("k.pem");
        Process p = new ProcessBuilder("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout",
                key.toString(), "-out", cert.toString(), "-days", "1", "-subj", "/CN=localhost",
                "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1").redirectErrorStream(true).start();
        p.getInputStream().readAllBytes();
        assertTrue(p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0, "openssl failed");

        SslContext server = SslContextBuilder.forServer(cert.toFile(), key.toFile())
                .applicationProtocolConfig(new ApplicationProtocolConfig(ApplicationProtocolConfig.Protocol.ALPN,
                        ApplicationProtocolConfig.SelectorFailureBehavior.NO_ADVERTISE,
                        ApplicationProtocolConfig.SelectedListenerFailureBehavior.ACCEPT,
                        ApplicationProtocolNames.HTTP_2, ApplicationProtocolNames.HTTP_1_1)).build();
        KeyStore trust = KeyStore.getInstance(KeyStore.getDefaultType());
        trust.load(null, null);
        try (FileInputStream in = new FileInputStream(cert.toFile())) {
            trust.setCertificateEntry("proxy", CertificateFactory.getInstance("X.509").generateCertificate(in));
        }
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trust);
        SSLContext client = SSLContext.getInstance("TLS");
        client.init(null, tmf.getTrustManagers(), null);

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
}
