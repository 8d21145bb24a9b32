package io.remora.extensions.filters.http.oauth2;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;

import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * A token endpoint's answer (RFC 6749 §5.1) as Envoy reads it: a 200 whose JSON has an
 * {@code access_token}; {@code id_token} and {@code refresh_token} optional; {@code expires_in}
 * else the configured default, which must come to more than zero.
 */
record OAuth2Tokens(String accessToken, String idToken, String refreshToken, long expiresIn) {

    /** The tokens, or null when the answer is not a usable one. */
    static OAuth2Tokens parse(int status, byte[] body, Duration defaultExpiresIn) {
        if (status != 200 || body == null) {
            return null;
        }
        try {
            JsonElement e = JsonParser.parseString(new String(body, StandardCharsets.UTF_8));
            if (!(e instanceof JsonObject o) || !string(o, "access_token")) {
                return null;
            }
            long expires = defaultExpiresIn.toSeconds();
            if (o.has("expires_in") && !o.get("expires_in").isJsonNull()) {
                expires = o.get("expires_in").getAsLong();
            }
            if (expires <= 0) {
                return null;
            }
            return new OAuth2Tokens(o.get("access_token").getAsString(), optional(o, "id_token"),
                    optional(o, "refresh_token"), expires);
        } catch (RuntimeException e) {
            return null;
        }
    }

    private static boolean string(JsonObject o, String name) {
        return o.has(name) && o.get(name).isJsonPrimitive() && o.get(name).getAsJsonPrimitive().isString();
    }

    private static String optional(JsonObject o, String name) {
        return string(o, name) ? o.get(name).getAsString() : "";
    }

    /**
     * Seconds until a JWT's {@code exp}, "0" when past, or null when the token is no JWT with an
     * exp (Envoy then falls back to a configured lifetime).
     */
    static String secondsUntilExp(String token, long nowSeconds) {
        String[] parts = token.split("\\.", -1);
        if (parts.length != 3) {
            return null;
        }
        try {
            JsonElement e = JsonParser.parseString(new String(java.util.Base64.getUrlDecoder().decode(parts[1]),
                    StandardCharsets.UTF_8));
            if (!(e instanceof JsonObject o) || !o.has("exp")) {
                return null;
            }
            long exp = o.get("exp").getAsLong();
            if (exp == 0) {
                return null;
            }
            return Long.toString(Math.max(0, exp - nowSeconds));
        } catch (RuntimeException ex) {
            return null;
        }
    }
}
