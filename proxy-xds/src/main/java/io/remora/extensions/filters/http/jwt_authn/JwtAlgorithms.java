package io.remora.extensions.filters.http.jwt_authn;

import javax.crypto.Mac;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.Key;
import java.security.MessageDigest;
import java.security.Signature;
import java.security.spec.MGF1ParameterSpec;
import java.security.spec.PSSParameterSpec;
import java.util.Set;

/**
 * The JWS algorithms Envoy verifies (RFC 7518), mapped to the JDK's: RS/PS/ES/HS 256-512 and
 * EdDSA (Ed25519). ES signatures are R||S (IEEE P1363), which the JDK's
 * {@code ...inP1363Format} signatures take as they are.
 */
final class JwtAlgorithms {

    static final Set<String> SUPPORTED = Set.of("RS256", "RS384", "RS512", "PS256", "PS384", "PS512",
            "ES256", "ES384", "ES512", "HS256", "HS384", "HS512", "EdDSA");

    private JwtAlgorithms() {
    }

    /** The kty a key must have to verify {@code alg}. */
    static String keyType(String alg) {
        return switch (alg.substring(0, 2)) {
            case "RS", "PS" -> "RSA";
            case "ES" -> "EC";
            case "HS" -> "oct";
            default -> "OKP";
        };
    }

    /** The ES algorithm of a curve; null for other curves. */
    static String ecAlgorithm(String crv) {
        return switch (crv) {
            case "P-256" -> "ES256";
            case "P-384" -> "ES384";
            case "P-521" -> "ES512";
            default -> null;
        };
    }

    static boolean verify(String alg, Key key, String signingInput, byte[] signature) {
        byte[] input = signingInput.getBytes(StandardCharsets.US_ASCII);
        String bits = alg.equals("EdDSA") ? "" : alg.substring(2);
        try {
            switch (alg.substring(0, 2)) {
                case "HS" -> {
                    Mac mac = Mac.getInstance("HmacSHA" + bits);
                    mac.init(key);
                    // Constant time, so the comparison leaks nothing of the expected MAC.
                    return MessageDigest.isEqual(mac.doFinal(input), signature);
                }
                case "RS" -> {
                    return check(Signature.getInstance("SHA" + bits + "withRSA"), key, input, signature);
                }
                case "PS" -> {
                    Signature s = Signature.getInstance("RSASSA-PSS");
                    String digest = "SHA-" + bits;
                    s.setParameter(new PSSParameterSpec(digest, "MGF1", new MGF1ParameterSpec(digest),
                            Integer.parseInt(bits) / 8, 1));
                    return check(s, key, input, signature);
                }
                case "ES" -> {
                    int size = switch (bits) {
                        case "256" -> 64;
                        case "384" -> 96;
                        default -> 132;
                    };
                    if (signature.length != size) {
                        return false;
                    }
                    return check(Signature.getInstance("SHA" + bits + "withECDSAinP1363Format"), key, input,
                            signature);
                }
                default -> {
                    return check(Signature.getInstance("Ed25519"), key, input, signature);
                }
            }
        } catch (GeneralSecurityException | RuntimeException e) {
            // A key of the wrong size or kind for the token: the signature simply does not verify.
            return false;
        }
    }

    private static boolean check(Signature s, Key key, byte[] input, byte[] signature)
            throws GeneralSecurityException {
        s.initVerify((java.security.PublicKey) key);
        s.update(input);
        return s.verify(signature);
    }
}
