package io.remora.extensions.filters.http.oauth2;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HexFormat;
import javax.crypto.Cipher;
import javax.crypto.Mac;
import javax.crypto.spec.IvParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * The oauth2 filter's cryptography, byte for byte as Envoy's so cookies survive a move between
 * the two: the cookie HMAC, the CSRF token ({@code <nonce>.<hmac(nonce)>}), the PKCE verifier and
 * challenge, and the AES-256-CBC sealing of the verifier cookie.
 */
final class OAuth2Crypto {
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final Base64.Encoder URL = Base64.getUrlEncoder().withoutPadding();

    private OAuth2Crypto() {
    }

    /** base64(HMAC-SHA256(secret, domain \n expires \n token \n id_token \n refresh_token)). */
    static String cookieHmac(byte[] secret, String domain, String expires, String token, String idToken,
                             String refreshToken) {
        String payload = domain + "\n" + expires + "\n" + token + "\n" + idToken + "\n" + refreshToken;
        return Base64.getEncoder().encodeToString(hmac(secret, payload));
    }

    /** Whether {@code hmac} is the cookies' HMAC in either form Envoy accepts (base64 of the bytes, or of their hex). */
    static boolean cookieHmacValid(byte[] secret, String domain, String expires, String token, String idToken,
                                   String refreshToken, String hmac) {
        String payload = domain + "\n" + expires + "\n" + token + "\n" + idToken + "\n" + refreshToken;
        byte[] raw = hmac(secret, payload);
        byte[] given = hmac.getBytes(StandardCharsets.US_ASCII);
        byte[] b64 = Base64.getEncoder().encode(raw);
        byte[] hex = Base64.getEncoder().encode(HexFormat.of().formatHex(raw).getBytes(StandardCharsets.US_ASCII));
        return MessageDigest.isEqual(b64, given) | MessageDigest.isEqual(hex, given);
    }

    /** A new CSRF token: 16 hex digits of randomness, '.', their HMAC. */
    static String csrfToken(byte[] secret) {
        String nonce = HexFormat.of().toHexDigits(RANDOM.nextLong());
        return nonce + "." + Base64.getEncoder().encodeToString(hmac(secret, nonce));
    }

    static boolean csrfTokenValid(byte[] secret, String token) {
        int dot = token.indexOf('.');
        if (dot < 0) {
            return false;
        }
        byte[] expected = Base64.getEncoder().encode(hmac(secret, token.substring(0, dot)));
        return MessageDigest.isEqual(expected, token.substring(dot + 1).getBytes(StandardCharsets.US_ASCII));
    }

    /** RFC 7636's recommended verifier: 32 random octets, base64url. */
    static String codeVerifier() {
        byte[] b = new byte[32];
        RANDOM.nextBytes(b);
        return URL.encodeToString(b);
    }

    /** S256: base64url(SHA-256(verifier)). */
    static String codeChallenge(String verifier) {
        try {
            return URL.encodeToString(MessageDigest.getInstance("SHA-256")
                    .digest(verifier.getBytes(StandardCharsets.US_ASCII)));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }

    /** base64url(iv ‖ AES-256-CBC(key = SHA-256(secret), iv, plaintext)), as Envoy seals the verifier cookie. */
    static String encrypt(String plaintext, byte[] secret) {
        byte[] iv = new byte[16];
        RANDOM.nextBytes(iv);
        try {
            Cipher c = Cipher.getInstance("AES/CBC/PKCS5Padding");
            c.init(Cipher.ENCRYPT_MODE, key(secret), new IvParameterSpec(iv));
            byte[] ct = c.doFinal(plaintext.getBytes(StandardCharsets.UTF_8));
            byte[] out = new byte[iv.length + ct.length];
            System.arraycopy(iv, 0, out, 0, iv.length);
            System.arraycopy(ct, 0, out, iv.length, ct.length);
            return URL.encodeToString(out);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-256-CBC is unavailable", e);
        }
    }

    /** The plaintext of {@link #encrypt}, or null when the value was not sealed with this secret. */
    static String decrypt(String sealed, byte[] secret) {
        byte[] in;
        try {
            in = Base64.getUrlDecoder().decode(sealed);
        } catch (IllegalArgumentException e) {
            return null;
        }
        if (in.length <= 16) {
            return null;
        }
        try {
            Cipher c = Cipher.getInstance("AES/CBC/PKCS5Padding");
            c.init(Cipher.DECRYPT_MODE, key(secret), new IvParameterSpec(in, 0, 16));
            return new String(c.doFinal(in, 16, in.length - 16), StandardCharsets.UTF_8);
        } catch (GeneralSecurityException e) {
            return null;
        }
    }

    private static SecretKeySpec key(byte[] secret) throws GeneralSecurityException {
        return new SecretKeySpec(MessageDigest.getInstance("SHA-256").digest(secret), "AES");
    }

    private static byte[] hmac(byte[] secret, String message) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            // An empty key is legal for HMAC but not for SecretKeySpec; one zero byte is the same key.
            mac.init(new SecretKeySpec(secret.length == 0 ? new byte[1] : secret, "HmacSHA256"));
            return mac.doFinal(message.getBytes(StandardCharsets.UTF_8));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("every JDK has HmacSHA256", e);
        }
    }
}
