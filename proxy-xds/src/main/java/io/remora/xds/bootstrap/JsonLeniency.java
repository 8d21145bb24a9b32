package io.remora.xds.bootstrap;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonPrimitive;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.EnumDescriptor;
import com.google.protobuf.Descriptors.EnumValueDescriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;

import java.util.Map;

/**
 * What Envoy's JSON parsing accepts and protobuf-java's refuses, rewritten in the JSON tree:
 * enum values in any case (Envoy parses with {@code case_insensitive_enum_parsing}), a single
 * value where a list belongs and a duration written as its message ({@code {seconds: 300}})
 * (protobuf C++'s legacy syntax, which Envoy's loader keeps; its own example configs write
 * {@code clusters:} as one object and {@code cache_duration: {seconds: 300}}). Run only after a strict parse failed, so
 * a well-formed config costs nothing.
 */
public final class JsonLeniency {

    private JsonLeniency() {
    }

    /** Rewrites {@code json} (an object of {@code type}) in place; true if anything changed. */
    public static boolean normalize(JsonElement json, Descriptor type) {
        if (!json.isJsonObject() || type.getFullName().startsWith("google.protobuf.")) {
            return false;
        }
        boolean changed = false;
        JsonObject obj = json.getAsJsonObject();
        for (Map.Entry<String, JsonElement> en : obj.entrySet()) {
            FieldDescriptor f = JsonFieldLocator.field(type, en.getKey());
            JsonElement v = en.getValue();
            if (f == null || v.isJsonNull()) {
                continue;
            }
            if (f.isMapField()) {
                FieldDescriptor valueField = f.getMessageType().findFieldByName("value");
                if (v.isJsonObject()) {
                    for (Map.Entry<String, JsonElement> e : v.getAsJsonObject().entrySet()) {
                        changed |= value(v.getAsJsonObject(), e.getKey(), e.getValue(), valueField);
                    }
                }
            } else if (f.isRepeated()) {
                if (!v.isJsonArray()) {
                    JsonArray one = new JsonArray();
                    one.add(v);
                    en.setValue(one);
                    v = one;
                    changed = true;
                }
                JsonArray arr = v.getAsJsonArray();
                for (int i = 0; i < arr.size(); i++) {
                    JsonElement fixed = fixed(arr.get(i), f);
                    if (fixed != null) {
                        arr.set(i, fixed);
                        changed = true;
                    } else {
                        changed |= message(arr.get(i), f);
                    }
                }
            } else {
                changed |= value(obj, en.getKey(), v, f);
            }
        }
        return changed;
    }

    private static boolean value(JsonObject parent, String key, JsonElement v, FieldDescriptor f) {
        JsonElement fixed = fixed(v, f);
        if (fixed != null) {
            parent.add(key, fixed);
            return true;
        }
        return message(v, f);
    }

    private static boolean message(JsonElement v, FieldDescriptor f) {
        if (f.getJavaType() != FieldDescriptor.JavaType.MESSAGE || !v.isJsonObject()) {
            return false;
        }
        Descriptor t = f.getMessageType();
        if (t.getFullName().equals("google.protobuf.Any")) {
            JsonElement url = v.getAsJsonObject().get("@type");
            t = url == null || !url.isJsonPrimitive() ? null : EnvoyTypeRegistry.find(url.getAsString());
        }
        return t != null && normalize(v, t);
    }

    private static JsonElement fixed(JsonElement v, FieldDescriptor f) {
        JsonElement e = fixedEnum(v, f);
        return e != null ? e : fixedDuration(v, f);
    }

    /** A Duration given as {@code {seconds, nanos}}, as its JSON string; null when it is not one. */
    private static JsonElement fixedDuration(JsonElement v, FieldDescriptor f) {
        if (f.getJavaType() != FieldDescriptor.JavaType.MESSAGE || !v.isJsonObject()
                || !f.getMessageType().getFullName().equals("google.protobuf.Duration")) {
            return null;
        }
        long seconds = 0;
        long nanos = 0;
        for (Map.Entry<String, JsonElement> e : v.getAsJsonObject().entrySet()) {
            if (!e.getValue().isJsonPrimitive()) {
                return null;
            }
            try {
                long n = e.getValue().getAsJsonPrimitive().getAsBigDecimal().longValueExact();
                switch (e.getKey()) {
                    case "seconds" -> seconds = n;
                    case "nanos" -> nanos = n;
                    default -> {
                        return null;
                    }
                }
            } catch (NumberFormatException | ArithmeticException notWhole) {
                return null;
            }
        }
        if (nanos <= -1_000_000_000L || nanos >= 1_000_000_000L || seconds != 0 && nanos != 0 && seconds < 0 != nanos < 0) {
            return null; // not a valid Duration: left for the strict parse to name
        }
        java.math.BigDecimal total = java.math.BigDecimal.valueOf(seconds)
                .add(java.math.BigDecimal.valueOf(nanos, 9)).stripTrailingZeros();
        return new JsonPrimitive(total.toPlainString() + "s");
    }

    /** The enum value named in another case, or null when nothing needs fixing. */
    private static JsonElement fixedEnum(JsonElement v, FieldDescriptor f) {
        if (f.getJavaType() != FieldDescriptor.JavaType.ENUM || !v.isJsonPrimitive()
                || !v.getAsJsonPrimitive().isString()) {
            return null;
        }
        EnumDescriptor e = f.getEnumType();
        String name = v.getAsString();
        if (e.findValueByName(name) != null) {
            return null;
        }
        for (EnumValueDescriptor d : e.getValues()) {
            if (d.getName().equalsIgnoreCase(name)) {
                return new JsonPrimitive(d.getName());
            }
        }
        return null;
    }
}
