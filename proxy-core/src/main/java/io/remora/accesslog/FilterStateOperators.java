package io.remora.accesslog;

import java.util.function.Function;

/**
 * Envoy's FilterStateFormatter syntax: {@code %FILTER_STATE(KEY)%}, {@code KEY:PLAIN},
 * {@code KEY:TYPED} and {@code KEY:FIELD:NAME} (one field of a {@link FilterStateFields} object);
 * any other serialization type, or FIELD without a name, is a config error as Envoy's. PLAIN is
 * the object's text form (serializeAsString). TYPED, the default, is in Envoy the JSON of the
 * object's serializeAsProto: a quoted JSON string for Envoy's string objects
 * ({@link FilterStateString}) in text and a string in a JSON log; the message's JSON for objects with
 * a message of their own ({@link FilterStateProto}), an object in a JSON log. Remora's other objects
 * declare no proto form, so TYPED prints their text form too.
 */
final class FilterStateOperators {

    private FilterStateOperators() {
    }

    /** The operator of {@code %FILTER_STATE(arg)%}; throws IllegalArgumentException as Envoy refuses. */
    static FormatOps.Op op(String arg, int maxLen) {
        Function<StreamInfo, String> plain = of(arg);
        if (!typed(arg)) {
            return FormatOps.text(c -> plain.apply(c.streamInfo()), maxLen);
        }
        String key = arg.split(":", -1)[0];
        // A string object's TYPED text is its JSON string; its JSON log value stays the string itself.
        // A proto object's is its message's JSON, an object in a JSON log (Envoy's formatValue converts
        // the message and, unlike the text, does not truncate it).
        Function<StreamInfo, String> text = i -> {
            Object o = object(i, key);
            if (o instanceof FilterStateProto p) {
                return io.remora.admin.Json.write(p.protoJson());
            }
            String v = plain.apply(i);
            return v != null && o instanceof FilterStateString ? quoted(v) : v;
        };
        Function<StreamInfo, Object> json = i -> {
            Object o = object(i, key);
            if (o instanceof FilterStateProto p) {
                return p.protoJson();
            }
            String v = plain.apply(i);
            return v == null || v.isEmpty() || maxLen < 0 || v.length() <= maxLen ? v : v.substring(0, maxLen);
        };
        return FormatOps.typed(text, json, maxLen, -1);
    }

    private static Object object(StreamInfo i, String key) {
        return i.filterState() == null ? null : i.filterState().get(key);
    }

    private static boolean typed(String arg) {
        String[] parts = arg.split(":", -1);
        return parts.length < 2 || parts[1].isEmpty() || parts[1].equals("TYPED");
    }

    private static String quoted(String v) {
        StringBuilder sb = new StringBuilder(v.length() + 2);
        io.remora.util.JsonStrings.quote(sb, v);
        return sb.toString();
    }

    /** The object's text form (PLAIN, or one FIELD); throws IllegalArgumentException as Envoy refuses. */
    static Function<StreamInfo, String> of(String arg) {
        String[] parts = arg.split(":", -1);
        String key = parts[0];
        String type = parts.length > 1 && !parts[1].isEmpty() ? parts[1] : "TYPED";
        String field = parts.length > 2 ? parts[2] : "";
        if (key.isEmpty()) {
            throw new IllegalArgumentException("access log format: invalid filter state configuration, key cannot be empty");
        }
        if (!type.equals("PLAIN") && !type.equals("TYPED") && !type.equals("FIELD")) {
            throw new IllegalArgumentException("access log format: %FILTER_STATE(" + arg
                    + ")%: invalid filter state serialize type, only PLAIN/TYPED/FIELD are supported");
        }
        if (type.equals("FIELD") == field.isEmpty()) {
            throw new IllegalArgumentException("access log format: %FILTER_STATE(" + arg
                    + ")%: invalid filter state serialize type, FIELD should be used with the field name");
        }
        String fieldName = type.equals("FIELD") ? field : null;
        return i -> {
            Object v = i.filterState() == null ? null : i.filterState().get(key);
            if (v == null) {
                return null;
            }
            if (fieldName != null) {
                Object value = v instanceof FilterStateFields f ? f.field(fieldName) : null;
                return value == null ? null : value.toString();
            }
            if (v instanceof FilterStateProto p) {
                return p.plainText();
            }
            return v instanceof FilterStateFields f ? f.text() : v.toString();
        };
    }
}
