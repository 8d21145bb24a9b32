package io.remora.extensions.filters.http.jwt_authn;

import com.google.gson.Gson;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.Strictness;
import com.google.gson.TypeAdapter;
import com.google.gson.stream.JsonReader;
import com.google.gson.stream.JsonToken;

import java.io.IOException;
import java.io.StringReader;
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

    /** Gson's tree adapter: unlike JsonParser it leaves the reader as strict as it is set. */
    private static final TypeAdapter<JsonElement> TREE = new Gson().getAdapter(JsonElement.class);

    /** The token, or the status saying why it is not one. */
    record Parsed(JwtToken token, JwtStatus status) {
    }

    static Parsed parse(String jwt) {
        // As Envoy's Jwt::parseFromString: split on '.' skipping empty parts, so "a..b" is two parts.
        List<String> parts = new ArrayList<>(3);
        for (String part : jwt.split("\\.")) {
            if (!part.isEmpty()) {
                parts.add(part);
            }
        }
        if (parts.size() != 3) {
            return fail(JwtStatus.BAD_FORMAT);
        }
        String headerText = decode(parts.get(0));
        if (headerText == null) {
            return fail(JwtStatus.HEADER_BAD_BASE64);
        }
        JsonObject header = object(headerText);
        if (header == null) {
            return fail(JwtStatus.HEADER_BAD_JSON);
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
        String payloadText = decode(parts.get(1));
        if (payloadText == null) {
            return fail(JwtStatus.PAYLOAD_BAD_BASE64);
        }
        JsonObject payload = object(payloadText);
        if (payload == null) {
            return fail(JwtStatus.PAYLOAD_BAD_JSON);
        }
        JsonElement iss = payload.get("iss");
        if (iss != null && !isString(iss)) {
            return fail(JwtStatus.ISS_NOT_STRING);
        }
        JsonElement sub = payload.get("sub");
        if (sub != null && !isString(sub)) {
            return fail(JwtStatus.SUB_NOT_STRING);
        }
        JwtStatus s = timeStatus(payload.get("iat"), JwtStatus.IAT_NOT_INTEGER, JwtStatus.IAT_OUT_OF_RANGE);
        if (s == JwtStatus.OK) {
            s = timeStatus(payload.get("nbf"), JwtStatus.NBF_NOT_INTEGER, JwtStatus.NBF_OUT_OF_RANGE);
        }
        if (s == JwtStatus.OK) {
            s = timeStatus(payload.get("exp"), JwtStatus.EXP_NOT_INTEGER, JwtStatus.EXP_OUT_OF_RANGE);
        }
        if (s != JwtStatus.OK) {
            return fail(s);
        }
        JsonElement jti = payload.get("jti");
        if (jti != null && !isString(jti)) {
            return fail(JwtStatus.JTI_NOT_STRING);
        }
        List<String> aud = new ArrayList<>();
        JsonElement a = payload.get("aud");
        if (a != null && a.isJsonArray()) {
            for (JsonElement e : a.getAsJsonArray()) {
                if (!isString(e)) {
                    return fail(JwtStatus.AUD_NOT_STRING);
                }
                aud.add(e.getAsString());
            }
        } else if (a != null) {
            if (!isString(a)) {
                return fail(JwtStatus.AUD_NOT_STRING);
            }
            aud.add(a.getAsString());
        }
        byte[] signature;
        try {
            signature = Base64.getUrlDecoder().decode(parts.get(2));
        } catch (IllegalArgumentException e) {
            return fail(JwtStatus.SIGNATURE_BAD_BASE64);
        }
        return new Parsed(new JwtToken(alg.getAsString(), kid == null ? "" : kid.getAsString(),
                iss == null ? "" : iss.getAsString(), List.copyOf(aud), seconds(payload.get("exp")),
                seconds(payload.get("nbf")), parts.get(0) + "." + parts.get(1), signature, parts.get(1),
                struct(header), struct(payload)), JwtStatus.OK);
    }

    private static Parsed fail(JwtStatus s) {
        return new Parsed(null, s);
    }

    private static String decode(String base64url) {
        try {
            return new String(Base64.getUrlDecoder().decode(base64url), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    /**
     * One JSON object, read as strictly as protobuf's JSON parser reads it into a Struct (Envoy's
     * JWT and JWKS parsing): no comments, single quotes, bare names or trailing data; null otherwise.
     */
    static JsonObject object(String json) {
        try {
            JsonReader reader = new JsonReader(new StringReader(json));
            reader.setStrictness(Strictness.STRICT);
            JsonElement e = TREE.read(reader);
            return e.isJsonObject() && reader.peek() == JsonToken.END_DOCUMENT ? e.getAsJsonObject() : null;
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    private static boolean isString(JsonElement e) {
        return e.isJsonPrimitive() && e.getAsJsonPrimitive().isString();
    }

    /**
     * A NumericDate as Envoy's {@code StructUtils::GetUInt64} reads it: a JSON number (a fraction
     * is cut), negative or past 2^64 out of range.
     */
    private static JwtStatus timeStatus(JsonElement e, JwtStatus notInteger, JwtStatus outOfRange) {
        if (e == null) {
            return JwtStatus.OK;
        }
        if (!e.isJsonPrimitive() || !e.getAsJsonPrimitive().isNumber()) {
            return notInteger;
        }
        double d = e.getAsDouble();
        return d < 0 || d >= 0x1p64 ? outOfRange : JwtStatus.OK;
    }

    /** A checked NumericDate in whole seconds, 0 when absent; past Long.MAX_VALUE it saturates. */
    private static long seconds(JsonElement e) {
        return e == null ? 0 : (long) e.getAsDouble();
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
