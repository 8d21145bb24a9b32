package io.remora.extensions.filters.http.jwt_authn;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;

import javax.crypto.spec.SecretKeySpec;
import java.io.ByteArrayInputStream;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.AlgorithmParameters;
import java.security.Key;
import java.security.KeyFactory;
import java.security.PublicKey;
import java.security.cert.CertificateFactory;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.ECParameterSpec;
import java.security.spec.ECPoint;
import java.security.spec.ECPublicKeySpec;
import java.security.spec.RSAPublicKeySpec;
import java.security.spec.X509EncodedKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;

/**
 * A provider's JSON Web Key Set, parsed once: a JWKS, or Google's map of kid to X.509
 * certificate, which jwt_verify_lib takes too. As jwt_verify_lib, a key that cannot be used
 * (unknown kty, bad field) is skipped, not fatal; a set left with no key makes every token of the
 * provider fail with "Jwks doesn't have any valid public key".
 *
 * @param keys    the usable keys, in JWKS order
 * @param problem why the set (or some key) was rejected, for the translator's warning; null if none
 */
record JwksKeys(List<Jwk> keys, String problem) {

    static final JwksKeys EMPTY = new JwksKeys(List.of(), null);

    private static final String X509_PREFIX = "-----BEGIN CERTIFICATE-----\n";
    private static final String X509_SUFFIX = "\n-----END CERTIFICATE-----\n";

    /**
     * One usable key.
     *
     * @param kty {@code RSA}, {@code EC}, {@code oct} or {@code OKP}
     * @param kid empty when the key has none (then it may verify any token)
     * @param alg empty when the key has none (then the kty decides which algorithms it serves)
     * @param crv the curve of an EC or OKP key
     */
    record Jwk(String kty, String kid, String alg, String crv, Key key) {
    }

    JwksKeys {
        keys = List.copyOf(keys);
    }

    static JwksKeys parse(String json) {
        JsonObject root = JwtToken.object(json);
        if (root == null) {
            return new JwksKeys(List.of(), "Jwks is an invalid JSON");
        }
        if (!root.has("keys")) {
            // Google's other format (e.g. Firebase's): an object of kid to X.509 certificate PEM.
            return isX509(root) ? x509(root) : new JwksKeys(List.of(), "Jwks does not have [keys] field");
        }
        if (!root.get("keys").isJsonArray()) {
            return new JwksKeys(List.of(), "[keys] in Jwks is not an array");
        }
        JsonArray array = root.getAsJsonArray("keys");
        List<Jwk> keys = new ArrayList<>();
        String problem = null;
        for (int i = 0; i < array.size(); i++) {
            try {
                if (!array.get(i).isJsonObject()) {
                    throw new IllegalArgumentException("is not an object");
                }
                keys.add(key(array.get(i).getAsJsonObject()));
            } catch (Exception e) {
                problem = "key " + i + " skipped: " + e.getMessage();
            }
        }
        if (keys.isEmpty() && problem == null) {
            problem = "Jwks doesn't have any valid public key";
        }
        return new JwksKeys(keys, problem);
    }

    /** jwt_verify_lib's test: a non-empty object whose every value is one certificate's PEM. */
    private static boolean isX509(JsonObject root) {
        if (root.size() == 0) {
            return false;
        }
        for (Map.Entry<String, JsonElement> e : root.entrySet()) {
            if (e.getKey().isEmpty() || !e.getValue().isJsonPrimitive() || !e.getValue().getAsJsonPrimitive().isString()) {
                return false;
            }
            String pem = e.getValue().getAsString();
            if (!pem.startsWith(X509_PREFIX) || !pem.endsWith(X509_SUFFIX)) {
                return false;
            }
        }
        return true;
    }

    /**
     * The certificates' RSA keys, kid from their names. As jwt_verify_lib, one bad certificate (or
     * one without an RSA key) rejects the whole set.
     */
    private static JwksKeys x509(JsonObject root) {
        List<Jwk> keys = new ArrayList<>();
        for (Map.Entry<String, JsonElement> e : root.entrySet()) {
            PublicKey key;
            try {
                key = CertificateFactory.getInstance("X.509").generateCertificate(new ByteArrayInputStream(
                        e.getValue().getAsString().getBytes(StandardCharsets.US_ASCII))).getPublicKey();
            } catch (Exception ex) {
                return new JwksKeys(List.of(), "Jwks x509 certificate of kid " + e.getKey() + " cannot be parsed");
            }
            if (!(key instanceof RSAPublicKey)) {
                return new JwksKeys(List.of(), "Jwks x509 certificate of kid " + e.getKey() + " has no RSA public key");
            }
            keys.add(new Jwk("RSA", e.getKey(), "", "", key));
        }
        return new JwksKeys(keys, null);
    }

    private static Jwk key(JsonObject k) throws Exception {
        String kty = string(k, "kty", true);
        String kid = string(k, "kid", false);
        String alg = string(k, "alg", false);
        return switch (kty) {
            case "RSA" -> {
                if (!alg.isEmpty() && !alg.startsWith("RS") && !alg.startsWith("PS")) {
                    throw new IllegalArgumentException("[alg] is not started with [RS] for a RSA key");
                }
                BigInteger e = unsigned(k, "e");
                if (!e.equals(BigInteger.valueOf(3)) && !e.equals(BigInteger.valueOf(65537))) {
                    // jwt_verify_lib turns non-standard exponents away before any token meets them.
                    throw new IllegalArgumentException("[e] is neither 3 nor 65537");
                }
                RSAPublicKeySpec spec = new RSAPublicKeySpec(unsigned(k, "n"), e);
                yield new Jwk(kty, kid, alg, "", KeyFactory.getInstance("RSA").generatePublic(spec));
            }
            case "EC" -> {
                String crv = string(k, "crv", false);
                if (crv.isEmpty()) {
                    // jwt_verify_lib infers the curve from the algorithm when the key names none.
                    crv = switch (alg) {
                        case "ES384" -> "P-384";
                        case "ES512" -> "P-521";
                        default -> "P-256";
                    };
                }
                if (!alg.isEmpty() && !alg.equals(JwtAlgorithms.ecAlgorithm(crv))) {
                    throw new IllegalArgumentException("[crv] field specified is not compatible with [alg]");
                }
                AlgorithmParameters params = AlgorithmParameters.getInstance("EC");
                params.init(new ECGenParameterSpec(switch (crv) {
                    case "P-256" -> "secp256r1";
                    case "P-384" -> "secp384r1";
                    case "P-521" -> "secp521r1";
                    default -> throw new IllegalArgumentException("[crv] or [alg] field is not supported for an EC key");
                }));
                ECPoint w = new ECPoint(unsigned(k, "x"), unsigned(k, "y"));
                ECPublicKeySpec spec = new ECPublicKeySpec(w, params.getParameterSpec(ECParameterSpec.class));
                yield new Jwk(kty, kid, alg, crv, KeyFactory.getInstance("EC").generatePublic(spec));
            }
            case "oct" -> {
                if (!alg.isEmpty() && !alg.equals("HS256") && !alg.equals("HS384") && !alg.equals("HS512")) {
                    throw new IllegalArgumentException("[alg] is not HS256, HS384 or HS512 for an HMAC key");
                }
                yield new Jwk(kty, kid, alg, "", new SecretKeySpec(bytes(k, "k"), "HMAC"));
            }
            case "OKP" -> {
                String crv = string(k, "crv", true);
                if (!crv.equals("Ed25519") || !alg.isEmpty() && !alg.equals("EdDSA")) {
                    throw new IllegalArgumentException("[crv] or [alg] field is not supported for an OKP key");
                }
                byte[] x = bytes(k, "x");
                if (x.length != 32) {
                    throw new IllegalArgumentException("[x] field is not a 32-byte Ed25519 key");
                }
                // The JDK takes Ed25519 keys as SubjectPublicKeyInfo: a fixed DER prefix, then x.
                byte[] der = new byte[44];
                byte[] prefix = {0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00};
                System.arraycopy(prefix, 0, der, 0, 12);
                System.arraycopy(x, 0, der, 12, 32);
                yield new Jwk(kty, kid, alg, crv,
                        KeyFactory.getInstance("Ed25519").generatePublic(new X509EncodedKeySpec(der)));
            }
            default -> throw new IllegalArgumentException("[kty] is not supported in [keys]: " + kty);
        };
    }

    private static String string(JsonObject k, String field, boolean required) {
        JsonElement e = k.get(field);
        if (e == null || e.isJsonNull()) {
            if (required) {
                throw new IllegalArgumentException("[" + field + "] is missing");
            }
            return "";
        }
        if (!e.isJsonPrimitive() || !e.getAsJsonPrimitive().isString()) {
            throw new IllegalArgumentException("[" + field + "] is not a string");
        }
        return e.getAsString();
    }

    private static byte[] bytes(JsonObject k, String field) {
        try {
            return Base64.getUrlDecoder().decode(string(k, field, true));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("[" + field + "] is an invalid Base64url: " + e.getMessage());
        }
    }

    private static BigInteger unsigned(JsonObject k, String field) {
        return new BigInteger(1, bytes(k, field));
    }
}
