package io.remora.accesslog;

import java.util.function.Function;

/**
 * Envoy's FilterStateFormatter syntax: {@code %FILTER_STATE(KEY)%}, {@code KEY:PLAIN},
 * {@code KEY:TYPED} and {@code KEY:FIELD:NAME} (one field of a {@link FilterStateFields} object);
 * any other serialization type, or FIELD without a name, is a config error as Envoy's. PLAIN is
 * the object's text form (serializeAsString). TYPED, the default, is in Envoy the JSON of the
 * object's serializeAsProto: a quoted JSON string for Envoy's string objects, "-" for objects with
 * no proto form. Remora's objects do not declare a proto form, so TYPED prints the text form too:
 * configs that need the same output from both should say PLAIN.
 */
final class FilterStateOperators {

    private FilterStateOperators() {
    }

    /** The operator of {@code %FILTER_STATE(arg)%}; throws IllegalArgumentException as Envoy refuses. */
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
            return v instanceof FilterStateFields f ? f.text() : v.toString();
        };
    }
}
