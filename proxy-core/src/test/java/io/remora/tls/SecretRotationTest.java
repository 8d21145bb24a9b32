package io.remora.tls;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.remora.config.CertificateValidation;
import io.remora.config.SecretConfig;
import io.remora.config.TlsCertificate;
import io.remora.config.TlsParams;
import io.remora.config.TransportSocketConfig;
import io.remora.server.Transport;
import io.remora.testing.TestCerts;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * SDS rotation at the data plane: a listener whose secrets have not arrived refuses TLS
 * (never plaintext); once they arrive it serves; a new certificate and new roots apply to the
 * next handshake while a connection made before keeps working. Both providers.
 */
class SecretRotationTest {
    private static final Transport TRANSPORT = Transport.detect();

    private static TransportSocketConfig sdsDownstream() {
        return new TransportSocketConfig(List.of(), List.of("default"), null, "ROOTCA", List.of(), true, null,
                TlsParams.DEFAULT, false, false, false);
    }

    private static SecretConfig cert(String name, TestCerts.Leaf l) {
        return new SecretConfig(name, new TlsCertificate(l.certPem(), l.keyPem()), null);
    }

    private static SecretConfig roots(String name, TestCerts.Ca... cas) {
        StringBuilder pem = new StringBuilder();
        for (TestCerts.Ca ca : cas) {
            pem.append(ca.pem());
        }
        return new SecretConfig(name, null, CertificateValidation.builder().trustedCaPem(pem.toString()).build());
    }

    @ParameterizedTest
    @EnumSource(TlsProvider.class)
    void newHandshakesUseNewSecretsAndOldConnectionsStay(TlsProvider provider) throws Exception {
        TestCerts.Ca ca1 = TestCerts.ca("ca-1");
        TestCerts.Ca ca2 = TestCerts.ca("ca-2");
        TestCerts.Leaf server1 = ca1.issue("server-1", "spiffe://td/server");
        TestCerts.Leaf server2 = ca2.issue("server-2", "spiffe://td/server");
        TestCerts.Leaf client1 = ca1.issue("client", "spiffe://td/client");
        TestCerts.Leaf client2 = ca2.issue("client", "spiffe://td/client");
        SecretManager secrets = new SecretManager();
        TlsStats stats = TlsStats.none();
        DownstreamTransportSocket ts = new DownstreamTransportSocket(sdsDownstream(), secrets, provider, stats);
        EventLoopGroup group = TRANSPORT.newEventLoopGroup(1, "rotation");
        try {
            Channel server = new ServerBootstrap().group(group).channel(TRANSPORT.serverChannel())
                    .childHandler(new ChannelInitializer<Channel>() {
                        @Override
                        protected void initChannel(Channel ch) {
                            if (ts.install(ch, null) != null) {
                                ch.pipeline().addLast(new Echo());
                            }
                        }
                    }).bind("127.0.0.1", 0).sync().channel();
            int port = ((InetSocketAddress) server.localAddress()).getPort();

            // Secrets not there: the handshake fails, nothing is served in plaintext.
            assertTrue(!ts.ready());
            assertThrows(Exception.class, () -> handshake(port, client1, ca1));

            secrets.put(List.of(cert("default", server1), roots("ROOTCA", ca1)));
            assertTrue(ts.ready());
            try (SSLSocket old = handshake(port, client1, ca1)) {
                assertEquals("O=remora-test,CN=server-1", subjectOf(old));
                echo(old, "before");

                // Rotation: new certificate and roots (only ca-2 now).
                secrets.put(List.of(cert("default", server2), roots("ROOTCA", ca2)));
                try (SSLSocket fresh = handshake(port, client2, ca2)) {
                    assertEquals("O=remora-test,CN=server-2", subjectOf(fresh));
                    echo(fresh, "after");
                }
                // ca-1 is no longer trusted for new handshakes...
                assertThrows(Exception.class, () -> handshake(port, client1, ca2));
                // ...but the connection made before the rotation still works.
                echo(old, "still here");
            }
            server.close().sync();
        } finally {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
        }
    }

    @Test
    void contextIsRebuiltOnlyWhenItsOwnSecretsChange() throws Exception {
        TestCerts.Ca ca = TestCerts.ca("ca");
        SecretManager secrets = new SecretManager();
        secrets.put(List.of(cert("default", ca.issue("s", "spiffe://td/s")), roots("ROOTCA", ca)));
        TlsContextProvider p = new TlsContextProvider(sdsDownstream(), secrets, true, TlsProvider.JDK, TlsStats.none());
        var first = p.current(List.of());
        secrets.put(List.of(roots("unrelated", ca)));
        assertTrue(first == p.current(List.of()), "another secret changed: same context");
        secrets.put(List.of(cert("default", ca.issue("s2", "spiffe://td/s"))));
        assertNotSame(first, p.current(List.of()));
    }

    private static String subjectOf(SSLSocket s) throws Exception {
        return ((X509Certificate) s.getSession().getPeerCertificates()[0]).getSubjectX500Principal().getName();
    }

    private static SSLSocket handshake(int port, TestCerts.Leaf client, TestCerts.Ca trust) throws Exception {
        KeyStore ks = KeyStore.getInstance("PKCS12");
        ks.load(null, null);
        ks.setKeyEntry("c", client.keys().getPrivate(), "p".toCharArray(), new X509Certificate[]{client.cert()});
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(ks, "p".toCharArray());
        KeyStore ts = KeyStore.getInstance("PKCS12");
        ts.load(null, null);
        ts.setCertificateEntry("ca", trust.cert());
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(ts);
        SSLContext ctx = SSLContext.getInstance("TLSv1.3");
        ctx.init(kmf.getKeyManagers(), tmf.getTrustManagers(), null);
        SSLSocket s = (SSLSocket) ctx.getSocketFactory().createSocket("127.0.0.1", port);
        s.setSoTimeout(5000);
        s.startHandshake();
        echo(s, "hello"); // TLS 1.3 reports a rejected client certificate only on the first read
        return s;
    }

    private static void echo(SSLSocket s, String text) throws Exception {
        OutputStream o = s.getOutputStream();
        o.write((text + "\n").getBytes());
        o.flush();
        InputStream in = s.getInputStream();
        byte[] buf = new byte[text.length() + 1];
        int n = 0;
        while (n < buf.length) {
            int r = in.read(buf, n, buf.length - n);
            if (r < 0) {
                throw new java.io.EOFException("closed after " + n + " bytes");
            }
            n += r;
        }
        assertEquals(text + "\n", new String(buf));
    }

    /** Echoes what it reads. */
    private static final class Echo extends ChannelInboundHandlerAdapter {
        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ctx.writeAndFlush((ByteBuf) msg);
        }
    }
}
