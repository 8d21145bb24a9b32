package io.remora.extensions.filters.http.json_to_metadata;

import com.google.gson.Gson;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonPrimitive;
import com.google.gson.Strictness;
import com.google.gson.TypeAdapter;
import com.google.gson.stream.JsonReader;
import com.google.gson.stream.JsonToken;
import io.netty.buffer.ByteBufUtil;

import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;

/**
 * Parsing a body and taking values out of it as Envoy's json_to_metadata does: the selectors walk
 * nested objects, only a string, number or boolean is a value, and each {@code type} converts it.
 */
final class JsonBodyValues {

    /** Envoy's MAX_PAYLOAD_VALUE_LEN: a longer string value counts as missing. */
    static final int MAX_VALUE_LENGTH = 8 * 1024;

    /** Gson's tree adapter: unlike JsonParser.parseReader it keeps the reader strict. */
    private static final TypeAdapter<JsonElement> TREE = new Gson().getAdapter(JsonElement.class);

    private JsonBodyValues() {
    }

    /** The whole body as JSON (any kind of value), or null when it is not one strict JSON document. */
    static JsonElement parse(InputStream body) {
        try {
            JsonReader reader = new JsonReader(new InputStreamReader(body, StandardCharsets.UTF_8));
            reader.setStrictness(Strictness.STRICT);
            JsonElement e = TREE.read(reader);
            return reader.peek() == JsonToken.END_DOCUMENT ? e : null;
        } catch (IOException | RuntimeException e) {
            return null; // Gson's parse errors are IOExceptions (MalformedJsonException) or JsonParseException
        }
    }

    /** The primitive at {@code keys} under {@code root}, or null when a step is missing or not an object. */
    static JsonElement select(JsonObject root, List<String> keys) {
        JsonObject node = root;
        int last = keys.size() - 1;
        for (int i = 0; i < last; i++) {
            if (!(node.get(keys.get(i)) instanceof JsonObject next)) {
                return null;
            }
            node = next;
        }
        JsonElement v = node.get(keys.get(last));
        return v == null || v.isJsonNull() ? null : v;
    }

    /**
     * The metadata value for a JSON value, as {@code type} converts it: a String, Double or Boolean;
     * null when Envoy treats it as missing (not a primitive, too long, not a number), and
     * {@code ""} for an empty STRING (Envoy then sets nothing, and does not count it missing).
     */
    static Object convert(JsonElement e, JsonToMetadataConfig.ValueType type) {
        if (!(e instanceof JsonPrimitive p)) {
            return null;
        }
        return switch (type) {
            case PROTOBUF_VALUE -> p.isBoolean() ? Boolean.valueOf(p.getAsBoolean())
                    : p.isNumber() ? (Object) p.getAsDouble() : bounded(p.getAsString());
            case NUMBER -> p.isBoolean() ? Double.valueOf(p.getAsBoolean() ? 1 : 0)
                    : p.isNumber() ? Double.valueOf(p.getAsDouble()) : number(p.getAsString()); // boxed: null is no number
            case STRING -> bounded(p.isBoolean() ? (p.getAsBoolean() ? "1" : "0")
                    : p.isNumber() ? numberText(p.getAsNumber().toString()) : p.getAsString());
        };
    }

    private static String bounded(String s) {
        return ByteBufUtil.utf8Bytes(s) > MAX_VALUE_LENGTH ? null : s;
    }

    /**
     * A JSON number as Envoy's STRING type writes it: integers as they are (std::to_string of the
     * int64), any other number with six decimals (std::to_string of the double, C's {@code %f}).
     */
    private static String numberText(String literal) {
        boolean integral = literal.indexOf('.') < 0 && literal.indexOf('e') < 0 && literal.indexOf('E') < 0;
        if (integral) {
            try {
                return Long.toString(Long.parseLong(literal));
            } catch (NumberFormatException tooBig) {
                // beyond int64: a double, as the JSON parser makes it
            }
        }
        return String.format(Locale.ROOT, "%f", Double.parseDouble(literal));
    }

    /** A string as a number the way absl's SimpleAtod reads it after trimming; null when it is not one. */
    static Double number(String s) {
        String t = s.strip();
        if (t.startsWith("+")) {
            t = t.substring(1);
        }
        String lower = t.toLowerCase(Locale.ROOT);
        String unsigned = lower.startsWith("-") ? lower.substring(1) : lower;
        if (unsigned.equals("inf") || unsigned.equals("infinity")) {
            return lower.startsWith("-") ? Double.NEGATIVE_INFINITY : Double.POSITIVE_INFINITY;
        }
        if (unsigned.equals("nan")) {
            return Double.NaN;
        }
        // Java also reads hex floats and d/f suffixes; SimpleAtod reads only decimal.
        if (t.isEmpty() || !t.chars().allMatch(c -> (c >= '0' && c <= '9') || c == '.' || c == 'e' || c == 'E'
                || c == '-' || c == '+')) {
            return null;
        }
        try {
            return Double.parseDouble(t);
        } catch (NumberFormatException e) {
            return null;
        }
    }
}
