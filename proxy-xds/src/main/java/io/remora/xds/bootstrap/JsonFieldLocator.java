package io.remora.xds.bootstrap;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.EnumDescriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import io.remora.xds.translate.FieldPath;

import java.util.Map;

/**
 * After the JSON parser rejected a document (its messages name no path), walks the JSON tree
 * beside the message descriptors to find where: an unknown field, an unknown enum value, a
 * scalar where an object belongs. Returns null if it cannot tell.
 */
final class JsonFieldLocator {

    private JsonFieldLocator() {
    }

    record Problem(String path, String reason) {
    }

    private static final java.util.regex.Pattern DURATION = java.util.regex.Pattern.compile("-?\\d+(\\.\\d{1,9})?s");
    private static final java.util.regex.Pattern INTEGER = java.util.regex.Pattern.compile("-?\\d+(\\.0+)?(e\\+?\\d+)?");

    static Problem locate(JsonElement json, Descriptor type, FieldPath path) {
        if (type.getFullName().startsWith("google.protobuf.")) {
            return null; // well-known types have their own JSON forms
        }
        if (!json.isJsonObject()) {
            return new Problem(path.toString(), "expected an object of type " + type.getFullName());
        }
        JsonObject obj = json.getAsJsonObject();
        for (Map.Entry<String, JsonElement> en : obj.entrySet()) {
            String key = en.getKey();
            if (key.equals("@type")) {
                continue;
            }
            FieldDescriptor f = field(type, key);
            FieldPath child = path.field(key);
            if (f == null) {
                return new Problem(child.toString(), "unknown field '" + key + "' in " + type.getFullName());
            }
            JsonElement v = en.getValue();
            if (v.isJsonNull()) {
                continue;
            }
            Problem p;
            if (f.isMapField()) {
                p = locateMap(v, f, child);
            } else if (f.isRepeated()) {
                if (!v.isJsonArray()) {
                    return new Problem(child.toString(), "expected a list");
                }
                p = null;
                JsonArray arr = v.getAsJsonArray();
                for (int i = 0; i < arr.size() && p == null; i++) {
                    p = locateValue(arr.get(i), f, child.index(i));
                }
            } else {
                p = locateValue(v, f, child);
            }
            if (p != null) {
                return p;
            }
        }
        return null;
    }

    /** The field a JSON key names: its proto name or its lowerCamelCase JSON name; null if none. */
    static FieldDescriptor field(Descriptor type, String key) {
        FieldDescriptor f = type.findFieldByName(key);
        if (f == null) {
            for (FieldDescriptor c : type.getFields()) {
                if (c.getJsonName().equals(key)) {
                    return c;
                }
            }
        }
        return f;
    }

    private static Problem locateMap(JsonElement v, FieldDescriptor f, FieldPath path) {
        if (!v.isJsonObject()) {
            return new Problem(path.toString(), "expected a map");
        }
        FieldDescriptor valueField = f.getMessageType().findFieldByName("value");
        for (Map.Entry<String, JsonElement> en : v.getAsJsonObject().entrySet()) {
            Problem p = locateValue(en.getValue(), valueField, path.key(en.getKey()));
            if (p != null) {
                return p;
            }
        }
        return null;
    }

    private static Problem locateValue(JsonElement v, FieldDescriptor f, FieldPath path) {
        switch (f.getJavaType()) {
            case MESSAGE -> {
                Descriptor t = f.getMessageType();
                if (t.getFullName().equals("google.protobuf.Any")) {
                    if (!v.isJsonObject() || !v.getAsJsonObject().has("@type")) {
                        return new Problem(path.toString(), "an Any needs an \"@type\"");
                    }
                    Descriptor inner = EnvoyTypeRegistry.find(v.getAsJsonObject().get("@type").getAsString());
                    return inner == null ? null : locate(v, inner, path);
                }
                if (t.getFullName().equals("google.protobuf.Duration")) {
                    return v.isJsonPrimitive() && DURATION.matcher(v.getAsString()).matches() ? null
                            : new Problem(path.toString(), "not a duration: " + v + " (expected e.g. \"1.5s\")");
                }
                if (t.getFullName().startsWith("google.protobuf.") && t.getFullName().endsWith("Value")
                        && t.findFieldByName("value") != null && v.isJsonPrimitive()) {
                    return locateValue(v, t.findFieldByName("value"), path);
                }
                return locate(v, t, path);
            }
            case ENUM -> {
                EnumDescriptor e = f.getEnumType();
                if (v.isJsonPrimitive() && v.getAsJsonPrimitive().isString()
                        && e.findValueByName(v.getAsString()) == null) {
                    return new Problem(path.toString(), "unknown value '" + v.getAsString() + "' of enum "
                            + e.getFullName());
                }
                return null;
            }
            case INT, LONG -> {
                if (!v.isJsonPrimitive() || !INTEGER.matcher(v.getAsString()).matches()) {
                    return new Problem(path.toString(), "not an integer: " + v);
                }
                return null;
            }
            case BOOLEAN -> {
                if (!v.isJsonPrimitive() || !(v.getAsString().equals("true") || v.getAsString().equals("false"))) {
                    return new Problem(path.toString(), "not a boolean: " + v);
                }
                return null;
            }
            default -> {
                if (!v.isJsonPrimitive()) {
                    return new Problem(path.toString(), "expected a " + f.getJavaType().name().toLowerCase()
                            + " value");
                }
                return null;
            }
        }
    }
}
