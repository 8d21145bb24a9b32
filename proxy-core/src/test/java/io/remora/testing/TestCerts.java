package io.remora.testing;

import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.CRLReason;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509CRLHolder;
import org.bouncycastle.cert.X509v2CRLBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.operator.ContentSigner;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

import java.io.IOException;
import java.io.StringWriter;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Certificates made by the tests, never committed: a CA, leaf certificates with DNS/URI
 * (SPIFFE) SANs, expired ones, CRLs. EC P-256 keys (fast to make); PEM as Envoy reads it.
 */
public final class TestCerts {
    private static final AtomicLong SERIAL = new AtomicLong(System.currentTimeMillis());

    private TestCerts() {
    }

    /** A CA: its certificate, key and PEM. */
    public record Ca(String name, X509Certificate cert, KeyPair keys) {
        public String pem() {
            return TestCerts.pem(cert);
        }

        /** A leaf valid from an hour ago for a day, with these SANs ("spiffe://..." are URIs, others DNS). */
        public Leaf issue(String cn, String... sans) {
            return issue(cn, Instant.now().minus(Duration.ofHours(1)), Instant.now().plus(Duration.ofDays(1)), sans);
        }

        public Leaf issue(String cn, Instant notBefore, Instant notAfter, String... sans) {
            try {
                KeyPair kp = keyPair();
                JcaX509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(new X500Name("CN=" + name),
                        BigInteger.valueOf(SERIAL.incrementAndGet()), Date.from(notBefore), Date.from(notAfter),
                        new X500Name("CN=" + cn + ",O=remora-test"), kp.getPublic());
                if (sans.length > 0) {
                    List<GeneralName> names = new ArrayList<>();
                    for (String s : sans) {
                        names.add(s.contains("://") ? new GeneralName(GeneralName.uniformResourceIdentifier, s)
                                : s.matches("[0-9.]+") ? new GeneralName(GeneralName.iPAddress, s)
                                : new GeneralName(GeneralName.dNSName, s));
                    }
                    b.addExtension(Extension.subjectAlternativeName, false,
                            new GeneralNames(names.toArray(new GeneralName[0])));
                }
                b.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
                b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature | KeyUsage.keyEncipherment));
                X509Certificate c = new JcaX509CertificateConverter().getCertificate(b.build(signer(keys)));
                return new Leaf(c, kp, this);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }

        /** An intermediate CA that this one signs (a chain of depth two and more). */
        public Ca intermediate(String name) {
            return intermediate(name, Instant.now().minus(Duration.ofHours(1)), Instant.now().plus(Duration.ofDays(1)));
        }

        public Ca intermediate(String name, Instant notBefore, Instant notAfter) {
            try {
                KeyPair kp = keyPair();
                JcaX509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(new X500Name("CN=" + this.name),
                        BigInteger.valueOf(SERIAL.incrementAndGet()), Date.from(notBefore),
                        Date.from(notAfter), new X500Name("CN=" + name), kp.getPublic());
                b.addExtension(Extension.basicConstraints, true, new BasicConstraints(true));
                b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
                return new Ca(name, new JcaX509CertificateConverter().getCertificate(b.build(signer(keys))), kp);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }

        /** A CRL of this CA revoking the given certificates (empty: revokes nothing). */
        public String crl(X509Certificate... revoked) {
            try {
                X509v2CRLBuilder b = new X509v2CRLBuilder(new X500Name("CN=" + name), new Date());
                b.setNextUpdate(Date.from(Instant.now().plus(Duration.ofDays(1))));
                for (X509Certificate r : revoked) {
                    b.addCRLEntry(r.getSerialNumber(), new Date(), CRLReason.keyCompromise);
                }
                X509CRLHolder h = b.build(signer(keys));
                return pemObject(new org.bouncycastle.util.io.pem.PemObject("X509 CRL", h.getEncoded()));
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }
    }

    /** A leaf certificate and its key. */
    public record Leaf(X509Certificate cert, KeyPair keys, Ca issuer) {
        public String certPem() {
            return pem(cert);
        }

        public String keyPem() {
            return pemObject(new org.bouncycastle.util.io.pem.PemObject("PRIVATE KEY", keys.getPrivate().getEncoded()));
        }

        /** Writes cert.pem, key.pem and ca.pem into dir; returns dir. */
        public Path write(Path dir, String prefix) throws IOException {
            Files.createDirectories(dir);
            Files.writeString(dir.resolve(prefix + "-cert.pem"), certPem());
            Files.writeString(dir.resolve(prefix + "-key.pem"), keyPem());
            Files.writeString(dir.resolve(prefix + "-ca.pem"), issuer.pem());
            return dir;
        }
    }

    /** A self-signed CA valid for a day. */
    public static Ca ca(String name) {
        return ca(name, Instant.now().minus(Duration.ofHours(1)), Instant.now().plus(Duration.ofDays(1)));
    }

    /** A self-signed CA valid from notBefore to notAfter (a lapsed or future trust anchor). */
    public static Ca ca(String name, Instant notBefore, Instant notAfter) {
        try {
            KeyPair kp = keyPair();
            JcaX509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(new X500Name("CN=" + name),
                    BigInteger.valueOf(SERIAL.incrementAndGet()), Date.from(notBefore),
                    Date.from(notAfter), new X500Name("CN=" + name), kp.getPublic());
            b.addExtension(Extension.basicConstraints, true, new BasicConstraints(true));
            b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
            return new Ca(name, new JcaX509CertificateConverter().getCertificate(b.build(signer(kp))), kp);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * A certificate of someone else's key, self-signed with it, valid for a day: for consumers that
     * want the key in a certificate (an RSA key signs with SHA256withRSA).
     */
    public static X509Certificate selfSigned(String cn, KeyPair kp) {
        try {
            JcaX509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(new X500Name("CN=" + cn),
                    BigInteger.valueOf(SERIAL.incrementAndGet()), Date.from(Instant.now().minus(Duration.ofHours(1))),
                    Date.from(Instant.now().plus(Duration.ofDays(1))), new X500Name("CN=" + cn), kp.getPublic());
            String alg = kp.getPrivate().getAlgorithm().equals("RSA") ? "SHA256withRSA" : "SHA256withECDSA";
            return new JcaX509CertificateConverter().getCertificate(
                    b.build(new JcaContentSignerBuilder(alg).build(kp.getPrivate())));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static KeyPair keyPair() throws Exception {
        KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
        g.initialize(new ECGenParameterSpec("secp256r1"));
        return g.generateKeyPair();
    }

    private static ContentSigner signer(KeyPair kp) throws Exception {
        return new JcaContentSignerBuilder("SHA256withECDSA").build(kp.getPrivate());
    }

    public static String pem(X509Certificate c) {
        try {
            return pemObject(new org.bouncycastle.util.io.pem.PemObject("CERTIFICATE", c.getEncoded()));
        } catch (java.security.cert.CertificateEncodingException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String pemObject(org.bouncycastle.util.io.pem.PemObject o) {
        StringWriter w = new StringWriter();
        try (JcaPEMWriter pw = new JcaPEMWriter(w)) {
            pw.writeObject(o);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        return w.toString();
    }
}
