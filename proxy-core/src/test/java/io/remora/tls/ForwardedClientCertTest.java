package io.remora.tls;

import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.Http2Headers;
import io.remora.config.ClientCertForwarding;
import io.remora.config.ClientCertForwarding.Detail;
import io.remora.config.ClientCertForwarding.Mode;
import io.remora.testing.TestCerts;
import org.junit.jupiter.api.Test;

import javax.net.ssl.SSLSession;
import java.lang.reflect.Proxy;
import java.security.cert.Certificate;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** x-forwarded-client-cert per forward_client_cert_details, as Envoy documents it. */
class ForwardedClientCertTest {
    private static final TestCerts.Ca CA = TestCerts.ca("ca");
    private static final TestCerts.Leaf CLIENT = CA.issue("client", "spiffe://td/ns/a/sa/client", "client.a.svc");
    private static final TestCerts.Leaf SERVER = CA.issue("server", "spiffe://td/ns/b/sa/server");

    /** The TLS state of an mTLS connection with CLIENT as the peer. */
    static TlsConnection mtls() {
        SSLSession s = (SSLSession) Proxy.newProxyInstance(SSLSession.class.getClassLoader(), new Class<?>[]{SSLSession.class},
                (p, m, a) -> switch (m.getName()) {
                    case "getProtocol" -> "TLSv1.3";
                    case "getCipherSuite" -> "TLS_AES_128_GCM_SHA256";
                    case "getId" -> new byte[]{1, 2};
                    case "getPeerCertificates" -> new Certificate[]{CLIENT.cert(), CA.cert()};
                    case "getLocalCertificates" -> new Certificate[]{SERVER.cert()};
                    default -> null;
                });
        TlsConnection t = new TlsConnection();
        t.established(s, null);
        return t;
    }

    private static Http2Headers withXfcc(String v) {
        Http2Headers h = new DefaultHttp2Headers();
        if (v != null) {
            h.set(ForwardedClientCert.XFCC, v);
        }
        return h;
    }

    private static String after(ClientCertForwarding p, TlsConnection tls, String incoming) {
        Http2Headers h = withXfcc(incoming);
        ForwardedClientCert.apply(p, tls, h);
        CharSequence v = h.get(ForwardedClientCert.XFCC);
        return v == null ? null : v.toString();
    }

    @Test
    void modes() {
        TlsConnection tls = mtls();
        String hash = tls.peerFingerprintSha256();
        String mine = "By=spiffe://td/ns/b/sa/server;Hash=" + hash;
        assertNull(after(ClientCertForwarding.SANITIZE, tls, "By=x"));
        assertEquals("By=x", after(new ClientCertForwarding(Mode.FORWARD_ONLY, Set.of()), tls, "By=x"));
        assertEquals("By=x," + mine, after(new ClientCertForwarding(Mode.APPEND_FORWARD, Set.of()), tls, "By=x"));
        assertEquals(mine, after(new ClientCertForwarding(Mode.APPEND_FORWARD, Set.of()), tls, null));
        assertEquals(mine, after(new ClientCertForwarding(Mode.SANITIZE_SET, Set.of()), tls, "By=x"));
        // Without a client certificate only ALWAYS_FORWARD_ONLY keeps the header.
        for (Mode m : new Mode[]{Mode.FORWARD_ONLY, Mode.APPEND_FORWARD, Mode.SANITIZE_SET, Mode.SANITIZE}) {
            assertNull(after(new ClientCertForwarding(m, Set.of()), null, "By=x"), m.name());
        }
        assertEquals("By=x", after(new ClientCertForwarding(Mode.ALWAYS_FORWARD_ONLY, Set.of()), null, "By=x"));
    }

    @Test
    void currentCertDetails() {
        TlsConnection tls = mtls();
        String v = after(new ClientCertForwarding(Mode.SANITIZE_SET, Set.of(Detail.SUBJECT, Detail.URI, Detail.DNS,
                Detail.CERT, Detail.CHAIN)), tls, null);
        assertTrue(v.startsWith("By=spiffe://td/ns/b/sa/server;Hash=" + tls.peerFingerprintSha256() + ";Cert=\"-----BEGIN%20CERTIFICATE-----%0A"), v);
        assertTrue(v.contains(";Subject=\"O=remora-test,CN=client\";URI=spiffe://td/ns/a/sa/client;DNS=client.a.svc"), v);
        String chain = v.substring(v.indexOf("Chain=\"") + 7, v.indexOf("\";Subject"));
        assertEquals(2, chain.split("BEGIN%20CERTIFICATE").length - 1, "the whole chain: " + chain);
    }

    /**
     * A keep-alive connection builds its element once per policy: the same string for every
     * request under one policy, the right one again when the policy differs (a listener update).
     */
    @Test
    void elementKeptPerConnectionAndPolicy() {
        TlsConnection tls = mtls();
        ClientCertForwarding uri = new ClientCertForwarding(Mode.SANITIZE_SET, Set.of(Detail.URI));
        ClientCertForwarding dns = new ClientCertForwarding(Mode.SANITIZE_SET, Set.of(Detail.DNS));
        String first = after(uri, tls, null);
        assertTrue(first.endsWith(";URI=spiffe://td/ns/a/sa/client"), first);
        assertSame(first, after(uri, tls, "By=x"), "built once for the connection");
        assertSame(first, after(new ClientCertForwarding(Mode.SANITIZE_SET, Set.of(Detail.URI)), tls, null),
                "an equal policy is the same policy");
        String other = after(dns, tls, null);
        assertTrue(other.endsWith(";DNS=client.a.svc") && !other.contains("URI="), other);
        assertEquals(first, after(uri, tls, null));
        assertEquals("By=x," + first, after(new ClientCertForwarding(Mode.APPEND_FORWARD, Set.of(Detail.URI)), tls, "By=x"));
        // Another connection's element is its own.
        assertNotSame(first, after(uri, mtls(), null));
    }

    /** The certificate's fields are read once and kept; a connection without a peer certificate has none. */
    @Test
    void certificateFieldsKept() {
        TlsConnection tls = mtls();
        assertSame(tls.peerUriSans(), tls.peerUriSans());
        assertEquals(java.util.List.of("spiffe://td/ns/a/sa/client"), tls.peerUriSans());
        assertEquals(java.util.List.of("client.a.svc"), tls.peerDnsSans());
        assertEquals(java.util.List.of("spiffe://td/ns/b/sa/server"), tls.localUriSans());
        assertSame(tls.peerSubject(), tls.peerSubject());
        assertEquals("O=remora-test,CN=client", tls.peerSubject());
        assertSame(tls.peerFingerprintSha256(), tls.peerFingerprintSha256());
        assertEquals("0102", tls.sessionId());
        TlsConnection none = new TlsConnection();
        assertEquals(java.util.List.of(), none.peerUriSans());
        assertNull(none.peerSubject());
        assertNull(none.peerFingerprintSha256());
        assertNull(none.sessionId());
    }
}
