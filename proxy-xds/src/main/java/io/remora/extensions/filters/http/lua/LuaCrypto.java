package io.remora.extensions.filters.http.lua;

import org.luaj.vm2.LuaError;
import org.luaj.vm2.LuaString;
import org.luaj.vm2.LuaTable;
import org.luaj.vm2.LuaValue;
import org.luaj.vm2.Varargs;

import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PublicKey;
import java.security.Signature;
import java.security.spec.X509EncodedKeySpec;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;

import static io.remora.extensions.filters.http.lua.LuaValues.fn;

/**
 * A stream handle's {@code importPublicKey} and {@code verifySignature}, as Envoy's: a key is a
 * DER SubjectPublicKeyInfo (RSA or EC) imported on this handle and named by its bytes, and a
 * signature is checked over the text with the named hash (PKCS #1 v1.5 for RSA, ECDSA for EC).
 */
final class LuaCrypto {

    /** Keys this handle imported, by their DER bytes (as a Lua string holds them). */
    private final Map<String, PublicKey> keys = new HashMap<>();

    /**
     * {@code importPublicKey(keyder, length)}: an object whose {@code get()} gives the key for
     * verifySignature, or nil when the bytes are not a public key (Envoy fails silently too).
     */
    LuaValue importPublicKey(Varargs a) {
        String der = latin1(a.checkstring(2), a.checkint(3));
        PublicKey key = keys.containsKey(der) ? keys.get(der) : parse(der);
        LuaValue value = LuaValue.NIL;
        if (key != null) {
            keys.put(der, key);
            value = LuaValue.valueOf(bytes(der));
        }
        LuaTable wrapper = new LuaTable();
        LuaValue got = value;
        wrapper.set("get", fn(x -> got));
        return wrapper;
    }

    /**
     * {@code verifySignature(hash, key, signature, sigLength, text, textLength)}: true and nil, or
     * false and Envoy's reason.
     */
    Varargs verifySignature(Varargs a) {
        String hash = a.checkjstring(2);
        PublicKey key = keys.get(latin1(a.checkstring(3), a.checkstring(3).rawlen()));
        if (key == null) {
            throw new LuaError("invalid public key");
        }
        byte[] signature = bytes(latin1(a.checkstring(4), a.checkint(5)));
        byte[] text = bytes(latin1(a.checkstring(6), a.checkint(7)));
        String digest = switch (hash.toLowerCase(Locale.ROOT)) {
            case "sha1" -> "SHA1";
            case "sha224" -> "SHA224";
            case "sha256" -> "SHA256";
            case "sha384" -> "SHA384";
            case "sha512" -> "SHA512";
            default -> null;
        };
        if (digest == null) {
            return LuaValue.varargsOf(LuaValue.FALSE, LuaValue.valueOf(hash + " is not supported."));
        }
        try {
            Signature verifier = Signature.getInstance(digest + "with" + ("EC".equals(key.getAlgorithm()) ? "ECDSA" : "RSA"));
            verifier.initVerify(key);
            verifier.update(text);
            if (verifier.verify(signature)) {
                return LuaValue.varargsOf(LuaValue.TRUE, LuaValue.NIL);
            }
        } catch (java.security.InvalidKeyException e) {
            return LuaValue.varargsOf(LuaValue.FALSE, LuaValue.valueOf("Failed to initialize digest verify."));
        } catch (GeneralSecurityException e) {
            // A malformed signature fails the check, as BoringSSL's EVP_DigestVerify does.
        }
        return LuaValue.varargsOf(LuaValue.FALSE, LuaValue.valueOf("Failed to verify digest. Error code: 0"));
    }

    private static PublicKey parse(String der) {
        X509EncodedKeySpec spec = new X509EncodedKeySpec(bytes(der));
        for (String algorithm : new String[] {"RSA", "EC"}) {
            try {
                return KeyFactory.getInstance(algorithm).generatePublic(spec);
            } catch (GeneralSecurityException e) {
                // not this kind of key
            }
        }
        return null;
    }

    /** The first {@code length} bytes of a Lua string, one char per byte (a lossless map key). */
    private static String latin1(LuaString s, int length) {
        if (length < 0 || length > s.rawlen()) {
            length = s.rawlen();
        }
        return new String(s.m_bytes, s.m_offset, length, java.nio.charset.StandardCharsets.ISO_8859_1);
    }

    private static byte[] bytes(String latin1) {
        return latin1.getBytes(java.nio.charset.StandardCharsets.ISO_8859_1);
    }
}
