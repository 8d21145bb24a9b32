package io.remora.extensions.filters.http.jwt_authn;

import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.Http2Headers;
import io.remora.testing.TestCerts;
import org.junit.jupiter.api.Test;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.MGF1ParameterSpec;
import java.security.spec.PSSParameterSpec;
import java.util.Base64;
import java.util.List;
import java.util.Map;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

/** Every algorithm against its JWK, kid selection, and Envoy's any/all/allow_missing semantics. */
class JwtAuthnVerificationTest {

    static final Base64.Encoder B64 = Base64.getUrlEncoder().withoutPadding();
    static final long NOW = System.currentTimeMillis() / 1000;

    static String b64(byte[] b) {
        return B64.encodeToString(b);
    }

    static String b64(BigInteger i, int size) {
        byte[] b = i.toByteArray();
        byte[] out = new byte[size];
        int n = Math.min(b.length, size);
        System.arraycopy(b, b.length - n, out, size - n, n);
        return b64(out);
    }

    static String token(String header, String payload, SignFn fn) throws Exception {
        String input = b64(header.getBytes(StandardCharsets.UTF_8)) + "." + b64(payload.getBytes(StandardCharsets.UTF_8));
        return input + "." + b64(fn.sign(input.getBytes(StandardCharsets.US_ASCII)));
    }

    interface SignFn {
        byte[] sign(byte[] input) throws Exception;
    }

    static SignFn jca(String alg, PrivateKey k, java.security.spec.AlgorithmParameterSpec spec) {
        return in -> {
            Signature s = Signature.getInstance(alg);
            if (spec != null) {
                s.setParameter(spec);
            }
            s.initSign(k);
            s.update(in);
            return s.sign();
        };
    }

    static JwtStatus check(String jwks, String jwt) {
        JwtToken.Parsed p = JwtToken.parse(jwt);
        if (p.status() != JwtStatus.OK) {
            return p.status();
        }
        return JwtVerifier.signature(p.token(), JwksKeys.parse(jwks));
    }

    static final String PAYLOAD = "{\"iss\":\"i\",\"sub\":\"s\",\"exp\":" + (NOW + 100) + "}";

    @Test
    void rsaAndPss() throws Exception {
        KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
        g.initialize(2048);
        KeyPair kp = g.generateKeyPair();
        RSAPublicKey pub = (RSAPublicKey) kp.getPublic();
        String jwks = "{\"keys\":[{\"kty\":\"RSA\",\"n\":\"" + b64(pub.getModulus(), 256) + "\",\"e\":\"AQAB\"}]}";
        for (String bits : new String[] {"256", "384", "512"}) {
            assertEquals(JwtStatus.OK, check(jwks, token("{\"alg\":\"RS" + bits + "\"}", PAYLOAD,
                    jca("SHA" + bits + "withRSA", kp.getPrivate(), null))));
            String d = "SHA-" + bits;
            PSSParameterSpec pss = new PSSParameterSpec(d, "MGF1", new MGF1ParameterSpec(d), Integer.parseInt(bits) / 8, 1);
            assertEquals(JwtStatus.OK, check(jwks, token("{\"alg\":\"PS" + bits + "\"}", PAYLOAD,
                    jca("RSASSA-PSS", kp.getPrivate(), pss))));
        }
        // jwt_verify_lib takes exponents 3 and 65537 only: a key with another one is no key.
        KeyPairGenerator g17 = KeyPairGenerator.getInstance("RSA");
        g17.initialize(new java.security.spec.RSAKeyGenParameterSpec(2048, BigInteger.valueOf(17)));
        KeyPair kp17 = g17.generateKeyPair();
        String jwks17 = "{\"keys\":[{\"kty\":\"RSA\",\"n\":\"" + b64(((RSAPublicKey) kp17.getPublic()).getModulus(), 256)
                + "\",\"e\":\"EQ\"}]}";
        assertEquals(JwtStatus.JWKS_NO_VALID_KEYS, check(jwks17, token("{\"alg\":\"RS256\"}", PAYLOAD,
                jca("SHA256withRSA", kp17.getPrivate(), null))));
        // Signed as RS256, presented as RS384: the signature does not verify.
        String t = token("{\"alg\":\"RS384\"}", PAYLOAD, jca("SHA256withRSA", kp.getPrivate(), null));
        assertEquals(JwtStatus.VERIFICATION_FAILS, check(jwks, t));
    }

    @Test
    void ecCurves() throws Exception {
        String[][] cases = {{"secp256r1", "P-256", "256", "32"}, {"secp384r1", "P-384", "384", "48"},
                {"secp521r1", "P-521", "512", "66"}};
        for (String[] c : cases) {
            KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
            g.initialize(new ECGenParameterSpec(c[0]));
            KeyPair kp = g.generateKeyPair();
            ECPublicKey pub = (ECPublicKey) kp.getPublic();
            int size = Integer.parseInt(c[3]);
            String jwks = "{\"keys\":[{\"kty\":\"EC\",\"crv\":\"" + c[1] + "\",\"x\":\"" + b64(pub.getW().getAffineX(), size)
                    + "\",\"y\":\"" + b64(pub.getW().getAffineY(), size) + "\"}]}";
            assertEquals(JwtStatus.OK, check(jwks, token("{\"alg\":\"ES" + c[2] + "\"}", PAYLOAD,
                    jca("SHA" + c[2] + "withECDSAinP1363Format", kp.getPrivate(), null))), c[1]);
        }
    }

    @Test
    void hmacAndEd25519() throws Exception {
        byte[] secret = "a-very-secret-key-of-32-bytes!!!".getBytes(StandardCharsets.US_ASCII);
        String jwks = "{\"keys\":[{\"kty\":\"oct\",\"k\":\"" + b64(secret) + "\"}]}";
        for (String bits : new String[] {"256", "384", "512"}) {
            SignFn hs = in -> {
                Mac m = Mac.getInstance("HmacSHA" + bits);
                m.init(new SecretKeySpec(secret, "HmacSHA" + bits));
                return m.doFinal(in);
            };
            assertEquals(JwtStatus.OK, check(jwks, token("{\"alg\":\"HS" + bits + "\"}", PAYLOAD, hs)));
        }
        String hs1 = "{\"keys\":[{\"kty\":\"oct\",\"alg\":\"HS1\",\"k\":\"" + b64(secret) + "\"}]}";
        assertEquals(JwtStatus.JWKS_NO_VALID_KEYS, check(hs1, token("{\"alg\":\"HS256\"}", PAYLOAD, in -> new byte[32])),
                "an HMAC key of another alg is no key");
        KeyPair kp = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
        byte[] der = kp.getPublic().getEncoded();
        byte[] x = java.util.Arrays.copyOfRange(der, der.length - 32, der.length);
        String ed = "{\"keys\":[{\"kty\":\"OKP\",\"crv\":\"Ed25519\",\"x\":\"" + b64(x) + "\"}]}";
        assertEquals(JwtStatus.OK, check(ed, token("{\"alg\":\"EdDSA\"}", PAYLOAD, jca("Ed25519", kp.getPrivate(), null))));
        assertEquals(JwtStatus.HEADER_NOT_IMPLEMENTED_ALG, check(ed, token("{\"alg\":\"none\"}", PAYLOAD, in -> new byte[1])));
        assertEquals(JwtStatus.ED25519_SIGNATURE_WRONG_LENGTH,
                check(ed, token("{\"alg\":\"EdDSA\"}", PAYLOAD, in -> new byte[63])));
        // Envoy splits on '.' skipping empty parts: an empty signature leaves two parts.
        assertEquals(JwtStatus.BAD_FORMAT, check(ed, token("{\"alg\":\"none\"}", PAYLOAD, in -> new byte[0])));
    }

    /**
     * Google's x509 key format (an object of kid to certificate PEM, as Firebase publishes), which
     * jwt_verify_lib reads besides JWKS: RSA keys named by kid; any certificate that is not one
     * with an RSA key rejects the whole set.
     */
    @Test
    void x509CertificatesByKid() throws Exception {
        KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
        g.initialize(2048);
        KeyPair k1 = g.generateKeyPair();
        KeyPair k2 = g.generateKeyPair();
        com.google.gson.JsonObject x509 = new com.google.gson.JsonObject();
        x509.addProperty("k1", TestCerts.pem(TestCerts.selfSigned("k1", k1)));
        x509.addProperty("k2", TestCerts.pem(TestCerts.selfSigned("k2", k2)));
        String jwks = x509.toString();
        assertEquals(2, JwksKeys.parse(jwks).keys().size(), JwksKeys.parse(jwks).problem());
        SignFn byK2 = jca("SHA256withRSA", k2.getPrivate(), null);
        assertEquals(JwtStatus.OK, check(jwks, token("{\"alg\":\"RS256\",\"kid\":\"k2\"}", PAYLOAD, byK2)));
        assertEquals(JwtStatus.OK, check(jwks, token("{\"alg\":\"RS256\"}", PAYLOAD, byK2)), "no kid: every key");
        assertEquals(JwtStatus.VERIFICATION_FAILS,
                check(jwks, token("{\"alg\":\"RS256\",\"kid\":\"k1\"}", PAYLOAD, byK2)));
        assertEquals(JwtStatus.JWKS_KID_ALG_MISMATCH,
                check(jwks, token("{\"alg\":\"RS256\",\"kid\":\"k3\"}", PAYLOAD, byK2)));

        x509.addProperty("ec", TestCerts.ca("ec").pem());
        assertEquals(0, JwksKeys.parse(x509.toString()).keys().size(), "an EC certificate");
        com.google.gson.JsonObject notAllCerts = new com.google.gson.JsonObject();
        notAllCerts.addProperty("k1", TestCerts.pem(TestCerts.selfSigned("k1", k1)));
        notAllCerts.addProperty("other", "text");
        assertEquals("Jwks does not have [keys] field", JwksKeys.parse(notAllCerts.toString()).problem());
    }

    /** Envoy reads tokens and key sets with protobuf's JSON parser, which takes no lenient JSON. */
    @Test
    void lenientJsonIsNotJson() {
        String h = b64("{\"alg\":\"RS256\"}".getBytes(StandardCharsets.UTF_8));
        java.util.function.Function<String, JwtStatus> payload = p ->
                JwtToken.parse(h + "." + b64(p.getBytes(StandardCharsets.UTF_8)) + ".c2ln").status();
        assertEquals(JwtStatus.OK, payload.apply(" {\"iss\":\"i\"}\n"));
        assertEquals(JwtStatus.PAYLOAD_BAD_JSON, payload.apply("{'iss':'i'}"));
        assertEquals(JwtStatus.PAYLOAD_BAD_JSON, payload.apply("{iss:\"i\"}"));
        assertEquals(JwtStatus.PAYLOAD_BAD_JSON, payload.apply("{\"iss\":\"i\"} {}"));
        assertEquals(JwtStatus.HEADER_BAD_JSON, JwtToken.parse(
                b64("{alg:\"RS256\"}".getBytes(StandardCharsets.UTF_8)) + ".e30.c2ln").status());
        assertEquals("Jwks is an invalid JSON", JwksKeys.parse("{keys:[]}").problem());
        assertEquals("Jwks is an invalid JSON", JwksKeys.parse("{\"keys\":[]} // comment").problem());
    }

    /** Envoy's Jwt::parseFromString: each malformation has its own status, found in this order. */
    @Test
    void parseStatusesAreEnvoys() {
        String h = b64("{\"alg\":\"RS256\"}".getBytes(StandardCharsets.UTF_8));
        java.util.function.Function<String, JwtStatus> payload = p ->
                JwtToken.parse(h + "." + b64(p.getBytes(StandardCharsets.UTF_8)) + ".c2ln").status();
        assertEquals(JwtStatus.OK, payload.apply("{\"iss\":\"i\",\"sub\":\"s\",\"exp\":1.5,\"aud\":[\"a\"]}"));
        assertEquals(JwtStatus.SUB_NOT_STRING, payload.apply("{\"sub\":1}"));
        assertEquals(JwtStatus.ISS_NOT_STRING, payload.apply("{\"sub\":1,\"iss\":2}"));
        assertEquals(JwtStatus.IAT_NOT_INTEGER, payload.apply("{\"exp\":-1,\"iat\":\"x\"}"));
        assertEquals(JwtStatus.NBF_OUT_OF_RANGE, payload.apply("{\"exp\":\"x\",\"nbf\":-1}"));
        assertEquals(JwtStatus.EXP_OUT_OF_RANGE, payload.apply("{\"exp\":1e20}"));
        assertEquals(JwtStatus.JTI_NOT_STRING, payload.apply("{\"jti\":{}}"));
        assertEquals(JwtStatus.AUD_NOT_STRING, payload.apply("{\"aud\":[\"a\",1]}"));
        assertEquals(JwtStatus.PAYLOAD_BAD_JSON, payload.apply("[1]"));
        assertEquals(JwtStatus.PAYLOAD_BAD_BASE64, JwtToken.parse(h + ".#.c2ln").status());
        assertEquals(JwtStatus.HEADER_BAD_BASE64, JwtToken.parse("#.e30.c2ln").status());
        assertEquals(JwtStatus.HEADER_BAD_JSON, JwtToken.parse(b64("x".getBytes(StandardCharsets.UTF_8)) + ".e30.c2ln").status());
        assertEquals(JwtStatus.SIGNATURE_BAD_BASE64, JwtToken.parse(h + ".e30.#").status());
        assertEquals(JwtStatus.OK, JwtToken.parse(h + ".e30.c2ln.").status(), "a trailing dot leaves three parts");
        assertEquals(JwtStatus.BAD_FORMAT, JwtToken.parse(h + "..c2ln").status());
        // failed_status_in_metadata reports Envoy's enum numbers.
        assertEquals(26, JwtStatus.VERIFICATION_FAILS.code());
        assertEquals(40, JwtStatus.JWKS_FETCH_FAILED.code());
    }

    @Test
    void kidSelectsTheKey() throws Exception {
        byte[] s1 = new byte[32];
        byte[] s2 = new byte[32];
        s2[0] = 1;
        String jwks = "{\"keys\":[{\"kty\":\"oct\",\"kid\":\"one\",\"k\":\"" + b64(s1) + "\"},"
                + "{\"kty\":\"oct\",\"kid\":\"two\",\"k\":\"" + b64(s2) + "\"}]}";
        SignFn withTwo = in -> {
            Mac m = Mac.getInstance("HmacSHA256");
            m.init(new SecretKeySpec(s2, "HmacSHA256"));
            return m.doFinal(in);
        };
        assertEquals(JwtStatus.OK, check(jwks, token("{\"alg\":\"HS256\",\"kid\":\"two\"}", PAYLOAD, withTwo)));
        assertEquals(JwtStatus.VERIFICATION_FAILS, check(jwks, token("{\"alg\":\"HS256\",\"kid\":\"one\"}", PAYLOAD, withTwo)));
        assertEquals(JwtStatus.JWKS_KID_ALG_MISMATCH,
                check(jwks, token("{\"alg\":\"HS256\",\"kid\":\"three\"}", PAYLOAD, withTwo)));
        assertEquals(JwtStatus.JWKS_NO_VALID_KEYS, check("{\"keys\":[]}", token("{\"alg\":\"HS256\"}", PAYLOAD, withTwo)));
    }

    // ------------------------------------------------------------------ requirements

    static final byte[] SECRET = new byte[32];

    static String hs(String iss) throws Exception {
        return token("{\"alg\":\"HS256\"}", "{\"iss\":\"" + iss + "\",\"sub\":\"s\",\"scope\":\"a b\"}", in -> {
            Mac m = Mac.getInstance("HmacSHA256");
            m.init(new SecretKeySpec(SECRET, "HmacSHA256"));
            return m.doFinal(in);
        });
    }

    static JwtProviderConfig provider(String name, String iss, String header) {
        return JwtProviderConfig.builder(name).issuer(iss)
                .keys(JwksKeys.parse("{\"keys\":[{\"kty\":\"oct\",\"k\":\"" + b64(SECRET) + "\"}]}"))
                .headers(List.of(new JwtProviderConfig.HeaderLocation(header, "Bearer ")))
                .payloadInMetadata(name).spaceDelimitedClaims(java.util.Set.of("scope")).build();
    }

    static final JwtProviderConfig P1 = provider("p1", "iss1", "authorization");
    static final JwtProviderConfig P2 = provider("p2", "iss2", "x-jwt");

    static JwtRequirement leaf(JwtProviderConfig p) {
        return new JwtRequirement.Provider(p, null, new JwtExtractor(List.of(p)));
    }

    static JwtVerification run(JwtRequirement r, JwtStatus expected, String... headers) {
        Http2Headers h = new DefaultHttp2Headers().path("/");
        for (int i = 0; i < headers.length; i += 2) {
            h.add(headers[i], headers[i + 1]);
        }
        JwtVerification v = new JwtVerification(h, List.of(P1, P2), NOW);
        assertEquals(expected, v.evaluate(r));
        return v;
    }

    /** A provider's subjects, require_expiration and max_lifetime (the remaining lifetime, exp - now). */
    @Test
    void subjectsAndLifetimeLimits() {
        JwtProviderConfig spiffe = JwtProviderConfig.builder("s").issuer("i")
                .subjects(new io.remora.config.StringMatcher.Prefix("spiffe://example.org/", false)).build();
        JwtProviderConfig requireExp = JwtProviderConfig.builder("r").issuer("i").maxLifetimeSeconds(Long.MAX_VALUE).build();
        JwtProviderConfig day = JwtProviderConfig.builder("d").issuer("i").maxLifetimeSeconds(86_400).build();
        JwtToken ours = JwtToken.parse(unsigned("{\"iss\":\"i\",\"sub\":\"spiffe://example.org/ns/a\",\"exp\":"
                + (NOW + 3600) + "}")).token();
        JwtToken theirs = JwtToken.parse(unsigned("{\"iss\":\"i\",\"sub\":\"spiffe://other.org/x\"}")).token();
        JwtToken twoDays = JwtToken.parse(unsigned("{\"iss\":\"i\",\"exp\":" + (NOW + 2 * 86_400) + "}")).token();
        assertEquals(JwtStatus.OK, JwtVerifier.claims(ours, spiffe, null, NOW));
        assertEquals(JwtStatus.VERIFICATION_FAILS, JwtVerifier.claims(theirs, spiffe, null, NOW));
        assertEquals(JwtStatus.OK, JwtVerifier.claims(twoDays, requireExp, null, NOW));
        assertEquals(JwtStatus.EXPIRED, JwtVerifier.claims(theirs, requireExp, null, NOW), "no exp");
        assertEquals(JwtStatus.OK, JwtVerifier.claims(ours, day, null, NOW));
        assertEquals(JwtStatus.EXPIRED, JwtVerifier.claims(twoDays, day, null, NOW), "lives longer than max_lifetime");
        assertEquals(JwtStatus.OK, JwtVerifier.claims(theirs, JwtProviderConfig.builder("n").issuer("i").build(), null, NOW));
    }

    /** A token whose signature these claim checks never look at. */
    private static String unsigned(String payload) {
        return b64("{\"alg\":\"HS256\"}".getBytes(StandardCharsets.UTF_8)) + "."
                + b64(payload.getBytes(StandardCharsets.UTF_8)) + "." + b64(new byte[] {1});
    }

    @Test
    void istioShapeAnyWithAllowMissing() throws Exception {
        JwtRequirement r = new JwtRequirement.Any(List.of(leaf(P1)), true, false);
        run(r, JwtStatus.OK);
        JwtVerification ok = run(r, JwtStatus.OK, "authorization", "Bearer " + hs("iss1"));
        assertNull(ok.headers.get("authorization"));
        assertEquals(List.of("a", "b"), ((Map<?, ?>) ok.extracted.get("p1")).get("scope"));
        run(r, JwtStatus.UNKNOWN_ISSUER, "authorization", "Bearer " + hs("iss2"));
        run(r, JwtStatus.VERIFICATION_FAILS, "authorization", "Bearer " + hs("iss1") + "x");
    }

    @Test
    void anyPrefersRealErrorsAndAllStopsAtTheFirstFailure() throws Exception {
        JwtRequirement any = new JwtRequirement.Any(List.of(leaf(P1), leaf(P2)), false, false);
        run(any, JwtStatus.MISSING);
        run(any, JwtStatus.OK, "x-jwt", "Bearer " + hs("iss2"));
        // p1 finds nothing in its header, p2 a bad token: the bad token is the answer.
        run(any, JwtStatus.VERIFICATION_FAILS, "x-jwt", "Bearer " + hs("iss2") + "x");
        JwtRequirement all = new JwtRequirement.All(List.of(leaf(P1), leaf(P2)));
        run(all, JwtStatus.MISSING, "authorization", "Bearer " + hs("iss1"));
        run(all, JwtStatus.OK, "authorization", "Bearer " + hs("iss1"), "x-jwt", "Bearer " + hs("iss2"));
        JwtRequirement orFailed = new JwtRequirement.AllowMissing(new JwtExtractor(List.of(P1, P2)), true);
        run(orFailed, JwtStatus.OK, "authorization", "Bearer garbage");
        JwtRequirement missing = new JwtRequirement.AllowMissing(new JwtExtractor(List.of(P1, P2)), false);
        run(missing, JwtStatus.OK);
        run(missing, JwtStatus.BAD_FORMAT, "authorization", "Bearer garbage");
    }
}
