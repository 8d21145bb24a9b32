package io.remora.tls;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.cert.CertificateFactory;
import java.security.cert.X509CRL;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * PEM as Envoy accepts it: certificate chains, CRLs and private keys in PKCS#8, PKCS#1 (RSA)
 * or SEC1 (EC) form, the last two being what Istio's CA and openssl's defaults often write.
 */
public final class Pem {
    private static final Pattern BLOCK = Pattern.compile(
            "-----BEGIN ([A-Z0-9 ]+)-----\\s*([A-Za-z0-9+/=\\s]+?)\\s*-----END \\1-----");

    private Pem() {
    }

    /** Certificates as PEM blocks, in order. */
    public static String encode(List<X509Certificate> certs) throws java.security.cert.CertificateEncodingException {
        StringBuilder pem = new StringBuilder();
        for (X509Certificate c : certs) {
            pem.append("-----BEGIN CERTIFICATE-----\n")
                    .append(java.util.Base64.getMimeEncoder(64, "\n".getBytes()).encodeToString(c.getEncoded()))
                    .append("\n-----END CERTIFICATE-----\n");
        }
        return pem.toString();
    }

    /** Each PEM block of {@code text} as (type, DER). */
    static List<Object[]> blocks(String text) {
        List<Object[]> out = new ArrayList<>();
        Matcher m = BLOCK.matcher(text);
        while (m.find()) {
            out.add(new Object[]{m.group(1), Base64.getMimeDecoder().decode(m.group(2))});
        }
        return out;
    }

    public static List<X509Certificate> certificates(String pem) throws GeneralSecurityException {
        CertificateFactory cf = CertificateFactory.getInstance("X.509");
        List<X509Certificate> out = new ArrayList<>();
        for (Object[] b : blocks(pem)) {
            if ("CERTIFICATE".equals(b[0]) || "TRUSTED CERTIFICATE".equals(b[0])) {
                out.add((X509Certificate) cf.generateCertificate(new ByteArrayInputStream((byte[]) b[1])));
            }
        }
        return out;
    }

    static List<X509CRL> crls(String pem) throws GeneralSecurityException {
        CertificateFactory cf = CertificateFactory.getInstance("X.509");
        List<X509CRL> out = new ArrayList<>();
        for (Object[] b : blocks(pem)) {
            if ("X509 CRL".equals(b[0])) {
                out.add((X509CRL) cf.generateCRL(new ByteArrayInputStream((byte[]) b[1])));
            }
        }
        if (out.isEmpty()) {
            throw new java.security.cert.CRLException("no X509 CRL block");
        }
        return out;
    }

    /** The first private key of {@code pem}. */
    public static PrivateKey privateKey(String pem) throws GeneralSecurityException {
        for (Object[] b : blocks(pem)) {
            byte[] der = (byte[]) b[1];
            switch ((String) b[0]) {
                case "PRIVATE KEY" -> {
                    return pkcs8(der);
                }
                case "RSA PRIVATE KEY" -> {
                    // PrivateKeyInfo { version 0, AlgorithmIdentifier rsaEncryption NULL, OCTET STRING pkcs1 }
                    byte[] alg = seq(cat(oid(new byte[]{0x2a, (byte) 0x86, 0x48, (byte) 0x86, (byte) 0xf7, 0x0d, 1, 1, 1}),
                            new byte[]{0x05, 0x00}));
                    return KeyFactory.getInstance("RSA").generatePrivate(new PKCS8EncodedKeySpec(
                            seq(cat(new byte[]{0x02, 0x01, 0x00}, alg, tlv(0x04, der)))));
                }
                case "EC PRIVATE KEY" -> {
                    byte[] curve = sec1CurveOid(der);
                    if (curve == null) {
                        throw new java.security.spec.InvalidKeySpecException("EC PRIVATE KEY without curve parameters");
                    }
                    byte[] alg = seq(cat(oid(new byte[]{0x2a, (byte) 0x86, 0x48, (byte) 0xce, 0x3d, 2, 1}), curve));
                    return KeyFactory.getInstance("EC").generatePrivate(new PKCS8EncodedKeySpec(
                            seq(cat(new byte[]{0x02, 0x01, 0x00}, alg, tlv(0x04, der)))));
                }
                case "ENCRYPTED PRIVATE KEY" -> throw new java.security.spec.InvalidKeySpecException(
                        "the private key is encrypted: its password is needed");
                default -> {
                }
            }
        }
        throw new java.security.spec.InvalidKeySpecException("no private key in PEM");
    }

    private static PrivateKey pkcs8(byte[] der) throws GeneralSecurityException {
        PKCS8EncodedKeySpec spec = new PKCS8EncodedKeySpec(der);
        GeneralSecurityException last = null;
        for (String alg : new String[]{"RSA", "EC", "Ed25519", "RSASSA-PSS"}) {
            try {
                return KeyFactory.getInstance(alg).generatePrivate(spec);
            } catch (GeneralSecurityException e) {
                last = e;
            }
        }
        throw last;
    }

    /** The curve OID (full TLV) in the [0] parameters of a SEC1 ECPrivateKey, or null. */
    private static byte[] sec1CurveOid(byte[] der) {
        int[] p = {0};
        header(der, p); // SEQUENCE
        int end = der.length;
        while (p[0] < end) {
            int tag = der[p[0]] & 0xff;
            int start = p[0];
            int len = header(der, p);
            if (tag == 0xa0) {
                int q = p[0];
                int[] qq = {q};
                int l = header(der, qq);
                byte[] out = new byte[qq[0] - q + l];
                System.arraycopy(der, q, out, 0, out.length);
                return out;
            }
            p[0] += len;
            if (p[0] <= start) {
                return null;
            }
        }
        return null;
    }

    /** Reads a tag+length at p[0]; leaves p[0] at the content; returns the content length. */
    static int header(byte[] der, int[] p) {
        p[0]++; // tag
        int b = der[p[0]++] & 0xff;
        if (b < 0x80) {
            return b;
        }
        int n = b & 0x7f;
        int len = 0;
        for (int i = 0; i < n; i++) {
            len = (len << 8) | (der[p[0]++] & 0xff);
        }
        return len;
    }

    private static byte[] oid(byte[] body) {
        return tlv(0x06, body);
    }

    private static byte[] seq(byte[] body) {
        return tlv(0x30, body);
    }

    private static byte[] tlv(int tag, byte[] body) {
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        o.write(tag);
        int n = body.length;
        if (n < 0x80) {
            o.write(n);
        } else if (n < 0x100) {
            o.write(0x81);
            o.write(n);
        } else if (n < 0x10000) {
            o.write(0x82);
            o.write(n >> 8);
            o.write(n);
        } else {
            o.write(0x83);
            o.write(n >> 16);
            o.write(n >> 8);
            o.write(n);
        }
        o.writeBytes(body);
        return o.toByteArray();
    }

    private static byte[] cat(byte[]... parts) {
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            o.writeBytes(p);
        }
        return o.toByteArray();
    }

    static String ascii(byte[] b) {
        return new String(b, StandardCharsets.US_ASCII);
    }
}
