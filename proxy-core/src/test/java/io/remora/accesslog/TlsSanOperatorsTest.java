package io.remora.accesslog;

import io.remora.network.ConnectionInfo;
import io.remora.testing.TestCerts;
import io.remora.tls.TlsConnection;
import org.bouncycastle.asn1.ASN1Boolean;
import org.bouncycastle.asn1.ASN1Encodable;
import org.bouncycastle.asn1.ASN1Integer;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.DERSequence;
import org.bouncycastle.asn1.DERTaggedObject;
import org.bouncycastle.asn1.DERUTF8String;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import javax.net.ssl.SSLSession;
import java.lang.reflect.Proxy;
import java.math.BigInteger;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.Date;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Envoy's IP, email and otherName SAN operators, as its generalNameAsString prints each kind, and
 * its SHA-1 and per-chain fingerprint and serial operators.
 */
class TlsSanOperatorsTest {

    private static ASN1Encodable otherName(String oid, ASN1Encodable value) {
        return new DERSequence(new ASN1Encodable[] {new ASN1ObjectIdentifier(oid), new DERTaggedObject(true, 0, value)});
    }

    private static X509Certificate cert(GeneralName... sans) throws Exception {
        KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
        g.initialize(256);
        KeyPair kp = g.generateKeyPair();
        JcaX509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(new X500Name("CN=test"), BigInteger.ONE,
                Date.from(Instant.now().minusSeconds(60)), Date.from(Instant.now().plusSeconds(3600)),
                new X500Name("CN=peer"), kp.getPublic());
        b.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(sans));
        return new JcaX509CertificateConverter().getCertificate(
                b.build(new JcaContentSignerBuilder("SHA256withECDSA").build(kp.getPrivate())));
    }

    private static TlsConnection tls(X509Certificate peer, X509Certificate local) {
        return tls(new Certificate[] {peer}, local);
    }

    private static TlsConnection tls(Certificate[] peerChain, X509Certificate local) {
        SSLSession s = (SSLSession) Proxy.newProxyInstance(SSLSession.class.getClassLoader(),
                new Class<?>[] {SSLSession.class}, (p, m, a) -> switch (m.getName()) {
                    case "getProtocol" -> "TLSv1.3";
                    case "getCipherSuite" -> "TLS_AES_128_GCM_SHA256";
                    case "getPeerCertificates" -> peerChain;
                    case "getLocalCertificates" -> new Certificate[] {local};
                    default -> null;
                });
        return TlsConnection.of(s);
    }

    @Test
    void ipEmailAndOtherNameSansOfBothSides() throws Exception {
        X509Certificate peer = cert(new GeneralName(GeneralName.iPAddress, "10.1.2.3"),
                new GeneralName(GeneralName.iPAddress, "2001:db8:0:0:0:0:0:1"),
                new GeneralName(GeneralName.rfc822Name, "alice@example.test"),
                new GeneralName(GeneralName.dNSName, "peer.test"),
                new GeneralName(GeneralName.otherName, otherName("1.3.6.1.4.1.311.20.2.3", new DERUTF8String("alice@corp"))),
                new GeneralName(GeneralName.otherName, otherName("1.2.3.4", ASN1Boolean.TRUE)),
                new GeneralName(GeneralName.otherName, otherName("1.2.3.5", new ASN1Integer(-42))),
                new GeneralName(GeneralName.otherName, otherName("1.2.3.6", new ASN1ObjectIdentifier("1.3.6.1.5.5.7"))));
        X509Certificate local = cert(new GeneralName(GeneralName.iPAddress, "::1"),
                new GeneralName(GeneralName.rfc822Name, "proxy@example.test"),
                new GeneralName(GeneralName.otherName, otherName("1.2.3.4", new DERUTF8String("mine"))));
        StreamInfo i = new StreamInfo();
        i.fromConnection(new ConnectionInfo("l", null, null, null, null, null, List.of(), tls(peer, local)), null);
        i.upstreamTls = tls(peer, local);
        assertEquals("10.1.2.3,2001:db8::1 alice@example.test alice@corp,true,-42,1.3.6.1.5.5.7 ::1 proxy@example.test mine",
                AccessLogFormatter.text("%DOWNSTREAM_PEER_IP_SAN% %DOWNSTREAM_PEER_EMAIL_SAN% "
                        + "%DOWNSTREAM_PEER_OTHERNAME_SAN% %DOWNSTREAM_LOCAL_IP_SAN% %DOWNSTREAM_LOCAL_EMAIL_SAN% "
                        + "%DOWNSTREAM_LOCAL_OTHERNAME_SAN%").format(i));
        assertEquals("10.1.2.3,2001:db8::1 ::1",
                AccessLogFormatter.text("%UPSTREAM_PEER_IP_SAN% %UPSTREAM_LOCAL_IP_SAN%").format(i));
    }

    private static String hex(X509Certificate c, String algorithm) throws Exception {
        return java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance(algorithm).digest(c.getEncoded()));
    }

    @Test
    void fingerprintsAndSerialsOfTheLeafAndOfEachCertificateOfTheChain() throws Exception {
        TestCerts.Ca root = TestCerts.ca("root");
        TestCerts.Ca mid = root.intermediate("mid");
        TestCerts.Leaf leaf = mid.issue("client", "client.test");
        StreamInfo i = new StreamInfo();
        i.fromConnection(new ConnectionInfo("l", null, null, null, null, null, List.of(),
                tls(new Certificate[] {leaf.cert(), mid.cert()}, leaf.cert())), null);
        assertEquals(hex(leaf.cert(), "SHA-1") + " " + hex(leaf.cert(), "SHA-256") + "," + hex(mid.cert(), "SHA-256")
                        + " " + hex(leaf.cert(), "SHA-1") + "," + hex(mid.cert(), "SHA-1") + " "
                        + leaf.cert().getSerialNumber().toString(16) + "," + mid.cert().getSerialNumber().toString(16),
                AccessLogFormatter.text("%DOWNSTREAM_PEER_FINGERPRINT_1% %DOWNSTREAM_PEER_CHAIN_FINGERPRINTS_256% "
                        + "%DOWNSTREAM_PEER_CHAIN_FINGERPRINTS_1% %DOWNSTREAM_PEER_CHAIN_SERIALS%").format(i));
        assertEquals("- - - -", AccessLogFormatter.text("%DOWNSTREAM_PEER_FINGERPRINT_1% "
                + "%DOWNSTREAM_PEER_CHAIN_FINGERPRINTS_256% %DOWNSTREAM_PEER_CHAIN_FINGERPRINTS_1% "
                + "%DOWNSTREAM_PEER_CHAIN_SERIALS%").format(new StreamInfo()));
        for (String upstream : List.of("UPSTREAM_PEER_FINGERPRINT_1", "UPSTREAM_PEER_CHAIN_SERIALS")) {
            assertThrows(IllegalArgumentException.class, () -> AccessLogFormatter.text("%" + upstream + "%"));
        }
    }

    /**
     * Envoy's formatter knows no upstream local subject, serial, SHA-256 fingerprint or chain, nor a
     * downstream chain in PEM: such a format is Envoy's "Not supported field in StreamInfo".
     */
    @Test
    void operatorsEnvoyDoesNotHaveAreRefusedAsItRefusesThem() {
        for (String name : List.of("UPSTREAM_LOCAL_SUBJECT", "UPSTREAM_PEER_SERIAL", "UPSTREAM_PEER_FINGERPRINT_256",
                "UPSTREAM_PEER_CHAIN", "DOWNSTREAM_PEER_CHAIN", "UPSTREAM_LOCAL_EMAIL_SAN")) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> AccessLogFormatter.text("%" + name + "%"));
            assertTrue(e.getMessage().endsWith("Not supported field in StreamInfo: " + name), e.getMessage());
        }
        assertEquals("- - - - - - -", AccessLogFormatter.text("%UPSTREAM_PEER_CERT% %UPSTREAM_LOCAL_IP_SAN% "
                + "%UPSTREAM_PEER_CERT_V_START(%Y)% %UPSTREAM_TLS_SESSION_ID% %DOWNSTREAM_LOCAL_SUBJECT% "
                + "%DOWNSTREAM_PEER_SERIAL% %DOWNSTREAM_LOCAL_OTHERNAME_SAN%").format(new StreamInfo()));
    }

    @Test
    void plaintextAndCertificatesWithoutSuchSansPrintADash() throws Exception {
        String f = "%DOWNSTREAM_PEER_IP_SAN% %DOWNSTREAM_PEER_EMAIL_SAN% %DOWNSTREAM_PEER_OTHERNAME_SAN% "
                + "%UPSTREAM_PEER_IP_SAN%";
        assertEquals("- - - -", AccessLogFormatter.text(f).format(new StreamInfo()));
        TestCerts.Leaf dnsOnly = TestCerts.ca("ca").issue("peer", "peer.test");
        StreamInfo i = new StreamInfo();
        i.upstreamTls = tls(dnsOnly.cert(), dnsOnly.cert());
        i.fromConnection(new ConnectionInfo("l", null, null, null, null, null, List.of(), i.upstreamTls), null);
        assertEquals("- - - -", AccessLogFormatter.text(f).format(i));
    }

    /** Envoy has the email and otherName operators for the downstream connection only. */
    @ParameterizedTest
    @ValueSource(strings = {"UPSTREAM_PEER_EMAIL_SAN", "UPSTREAM_PEER_OTHERNAME_SAN", "UPSTREAM_LOCAL_EMAIL_SAN"})
    void upstreamEmailAndOtherNameAreNotEnvoyOperators(String name) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> AccessLogFormatter.text("%" + name + "%"));
        assertTrue(e.getMessage().contains("Not supported field in StreamInfo: " + name), e.getMessage());
    }
}
