package io.remora.e2e;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.ECGenParameterSpec;
import java.util.Arrays;
import java.util.Base64;

/**
 * Keys and signed JWTs for the jwt_authn end-to-end tests: one RSA key ({@code kid rsa-1}, RS256)
 * and one P-256 key ({@code kid ec-1}), made once per test JVM, and their JWKS.
 */
final class JwtTokens {

    static final KeyPair rsa;
    static final KeyPair ec;

    static {
        try {
            KeyPairGenerator rg = KeyPairGenerator.getInstance("RSA");
            rg.initialize(2048);
            rsa = rg.generateKeyPair();
            KeyPairGenerator eg = KeyPairGenerator.getInstance("EC");
            eg.initialize(new ECGenParameterSpec("secp256r1"));
            ec = eg.generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private JwtTokens() {
    }

    /** The public halves of both keys as a JWKS document. */
    static String jwks() {
        RSAPublicKey rp = (RSAPublicKey) rsa.getPublic();
        ECPublicKey ep = (ECPublicKey) ec.getPublic();
        return "{\"keys\":[{\"kty\":\"RSA\",\"kid\":\"rsa-1\",\"alg\":\"RS256\",\"n\":\"" + b64(rp.getModulus())
                + "\",\"e\":\"" + b64(rp.getPublicExponent()) + "\"},{\"kty\":\"EC\",\"kid\":\"ec-1\",\"crv\":\"P-256\",\"x\":\""
                + b64(ep.getW().getAffineX(), 32) + "\",\"y\":\"" + b64(ep.getW().getAffineY(), 32) + "\"}]}";
    }

    /** The RSA key as Google's x509 key set: kid rsa-1 to a self-signed certificate's PEM. */
    static String x509Jwks() {
        com.google.gson.JsonObject o = new com.google.gson.JsonObject();
        o.addProperty("rsa-1", io.remora.testing.TestCerts.pem(io.remora.testing.TestCerts.selfSigned("rsa-1", rsa)));
        return o.toString();
    }

    static String b64(BigInteger i) {
        byte[] b = i.toByteArray();
        if (b[0] == 0 && b.length > 1) {
            b = Arrays.copyOfRange(b, 1, b.length);
        }
        return Base64.getUrlEncoder().withoutPadding().encodeToString(b);
    }

    static String b64(BigInteger i, int size) {
        byte[] b = i.toByteArray();
        byte[] out = new byte[size];
        int n = Math.min(b.length, size);
        System.arraycopy(b, b.length - n, out, size - n, n);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(out);
    }

    static String b64(String s) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(s.getBytes(StandardCharsets.UTF_8));
    }

    static long now() {
        return System.currentTimeMillis() / 1000;
    }

    static String claims(String iss, String sub, long exp, String extra) {
        return "{\"iss\":\"" + iss + "\",\"sub\":\"" + sub + "\",\"exp\":" + exp + extra + "}";
    }

    static String rs256(String payload) throws Exception {
        return sign("{\"alg\":\"RS256\",\"kid\":\"rsa-1\",\"typ\":\"JWT\"}", payload, "SHA256withRSA", rsa.getPrivate());
    }

    static String es256(String payload) throws Exception {
        return sign("{\"alg\":\"ES256\",\"kid\":\"ec-1\"}", payload, "SHA256withECDSAinP1363Format", ec.getPrivate());
    }

    static String sign(String header, String payload, String alg, PrivateKey key) throws Exception {
        String input = b64(header) + "." + b64(payload);
        Signature s = Signature.getInstance(alg);
        s.initSign(key);
        s.update(input.getBytes(StandardCharsets.US_ASCII));
        return input + "." + Base64.getUrlEncoder().withoutPadding().encodeToString(s.sign());
    }
}
