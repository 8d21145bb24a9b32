package io.remora.extensions.filters.http.jwt_authn;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A JWT split and decoded, not yet trusted: jwt_verify_lib's {@code Jwt::parseFromString}, with
 * its statuses for each malformation.
 *
 * @param payloadBase64url the payload as sent, for {@code forward_payload_header}
 * @param header           the header as a Struct-like map (metadata)
 * @param payload          the payload as a Struct-like map (metadata): objects are maps, arrays
 *                         lists, numbers doubles
 * @param exp              0 when absent
 * @param nbf              0 when absent
 */
record JwtToken(String alg, String kid, String iss, List<String> audiences, long exp, long nbf,
                String signingInput, byte[] signature, String payloadBase64url,
                Map<String, Object> header, Map<String, Object> payload) {

    /** The token, or the status saying why it is not one. */
    record Parsed(JwtToken token, JwtStatus status) {
    }

    static Parsed parse(String jwt) {
        int first = jwt.indexOf('.');
        int second = first < 0 ? -1 : jwt.indexOf('.', first + 1);
        if (second < 0 || jwt.indexOf('.', second + 1) >= 0) {
            return fail(JwtStatus.BAD_FORMAT);
        }
        JsonObject header = object(jwt.substring(0, first));
        if (header == null) {
            return fail(JwtStatus.HEADER_PARSE_ERROR);
        }
        JsonElement alg = header.get("alg");
        if (alg == null || !isString(alg)) {
            return fail(JwtStatus.HEADER_BAD_ALG);
        }
        if (!JwtAlgorithms.SUPPORTED.contains(alg.getAsString())) {
            return fail(JwtStatus.HEADER_NOT_IMPLEMENTED_ALG);
        }
        JsonElement kid = header.get("kid");
        if (kid != null && !isString(kid)) {
            return fail(JwtStatus.HEADER_BAD_KID);
        }
        JsonObject payload = object(jwt.substring(first + 1, second));
        if (payload == null) {
            return fail(JwtStatus.PAYLOAD_PARSE_ERROR);
        }
        String iss;
        List<String> aud = new ArrayList<>();
        long exp;
        long nbf;
        try {
            iss = optionalString(payload.get("iss"));
            JsonElement a = payload.get("aud");
            if (a != null && a.isJsonArray()) {
                for (JsonElement e : a.getAsJsonArray()) {
                    aud.add(optionalString(e));
                }
            } else if (a != null) {
                aud.add(optionalString(a));
            }
            exp = time(payload.get("exp"));
            nbf = time(payload.get("nbf"));
            time(payload.get("iat"));
        } catch (IllegalArgumentException e) {
            return fail(JwtStatus.PAYLOAD_PARSE_ERROR);
        }
        byte[] signature;
        try {
            signature = Base64.getUrlDecoder().decode(jwt.substring(second + 1));
        } catch (IllegalArgumentException e) {
            return fail(JwtStatus.SIGNATURE_PARSE_ERROR);
        }
        return new Parsed(new JwtToken(alg.getAsString(), kid == null ? "" : kid.getAsString(), iss,
                List.copyOf(aud), exp, nbf, jwt.substring(0, second), signature,
                jwt.substring(first + 1, second), struct(header), struct(payload)), JwtStatus.OK);
    }

    private static Parsed fail(JwtStatus s) {
        return new Parsed(null, s);
    }

    private static JsonObject object(String base64url) {
        try {
            JsonElement e = JsonParser.parseString(
                    new String(Base64.getUrlDecoder().decode(base64url), StandardCharsets.UTF_8));
            return e.isJsonObject() ? e.getAsJsonObject() : null;
        } catch (RuntimeException e) {
            return null;
        }
    }

    private static boolean isString(JsonElement e) {
        return e.isJsonPrimitive() && e.getAsJsonPrimitive().isString();
    }

    private static String optionalString(JsonElement e) {
        if (e == null) {
            return "";
        }
        if (!isString(e)) {
            throw new IllegalArgumentException("not a string");
        }
        return e.getAsString();
    }

    /** A NumericDate as whole seconds; jwt_verify_lib refuses other types and negative values. */
    private static long time(JsonElement e) {
        if (e == null) {
            return 0;
        }
        if (!e.isJsonPrimitive() || !e.getAsJsonPrimitive().isNumber() || e.getAsDouble() < 0) {
            throw new IllegalArgumentException("not a NumericDate");
        }
        return (long) e.getAsDouble();
    }

    static Map<String, Object> struct(JsonObject o) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (Map.Entry<String, JsonElement> e : o.entrySet()) {
            m.put(e.getKey(), value(e.getValue()));
        }
        return m;
    }

    private static Object value(JsonElement e) {
        if (e == null || e.isJsonNull()) {
            return null;
        }
        if (e.isJsonObject()) {
            return struct(e.getAsJsonObject());
        }
        if (e.isJsonArray()) {
            List<Object> l = new ArrayList<>();
            e.getAsJsonArray().forEach(x -> l.add(value(x)));
            return l;
        }
        if (e.getAsJsonPrimitive().isBoolean()) {
            return e.getAsBoolean();
        }
        if (e.getAsJsonPrimitive().isNumber()) {
            return e.getAsDouble();
        }
        return e.getAsString();
    }
}
