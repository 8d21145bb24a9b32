package io.remora.extensions.cel;

import com.google.common.primitives.UnsignedLong;
import com.google.protobuf.ByteString;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A CEL value as {@code %TYPED_CEL%} puts it in a JSON log, Envoy's coercion: numbers, booleans
 * and null keep their JSON type; bytes become base64, durations seconds ({@code "5400s"}),
 * timestamps UTC ({@code "2023-08-26T19:39:00+00:00"}); maps become objects when every key
 * coerces to a string, lists lists, each value coerced alike. A value that does not coerce (a map
 * keyed by a list, a CEL type) keeps {@code %CEL%}'s printed form.
 */
final class CelJsonValue {

    private static final java.time.format.DateTimeFormatter SECONDS =
            java.time.format.DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss").withZone(java.time.ZoneOffset.UTC);

    /** Why a value has no JSON form: thrown inside, caught at the top. */
    private static final class NotJson extends Exception {
        NotJson() {
            super(null, null, false, false);
        }
    }

    private CelJsonValue() {
    }

    /** The JSON value (String, Long, Double, Boolean, Map, List, or null for CEL's null). */
    static Object of(Object v) {
        try {
            return coerce(v);
        } catch (NotJson e) {
            return CelProgram.print(v);
        }
    }

    /** Seconds, a fraction only when there is one (without trailing zeros), and {@code +00:00}. */
    private static String utc(java.time.Instant t) {
        String s = SECONDS.format(t);
        if (t.getNano() != 0) {
            String f = Integer.toString(1_000_000_000 + t.getNano()).substring(1); // nine digits
            int end = f.length();
            while (f.charAt(end - 1) == '0') {
                end--;
            }
            s = s + "." + f.substring(0, end);
        }
        return s + "+00:00";
    }

    private static Object coerce(Object v) throws NotJson {
        if (v == null || v instanceof com.google.protobuf.NullValue || v instanceof dev.cel.common.values.NullValue) {
            return null;
        }
        if (v instanceof String || v instanceof Boolean || v instanceof Long || v instanceof Double) {
            return v;
        }
        if (v instanceof Integer i) {
            return i.longValue();
        }
        if (v instanceof UnsignedLong u) {
            return u.bigIntegerValue();
        }
        if (v instanceof ByteString b) {
            return java.util.Base64.getEncoder().encodeToString(b.toByteArray());
        }
        if (v instanceof dev.cel.common.values.CelByteString b) {
            return java.util.Base64.getEncoder().encodeToString(b.toByteArray());
        }
        if (v instanceof java.time.Duration || v instanceof com.google.protobuf.Duration) {
            return CelProgram.print(v instanceof com.google.protobuf.Duration d
                    ? java.time.Duration.ofSeconds(d.getSeconds(), d.getNanos()) : v);
        }
        if (v instanceof java.time.Instant t) {
            return utc(t);
        }
        if (v instanceof com.google.protobuf.Timestamp t) {
            return utc(java.time.Instant.ofEpochSecond(t.getSeconds(), t.getNanos()));
        }
        if (v instanceof Map<?, ?> m) {
            Map<String, Object> out = new LinkedHashMap<>();
            for (Map.Entry<?, ?> e : m.entrySet()) {
                Object k = coerce(e.getKey());
                if (k == null || k instanceof Map || k instanceof List) {
                    throw new NotJson();
                }
                out.put(String.valueOf(k), coerce(e.getValue()));
            }
            return out;
        }
        if (v instanceof List<?> l) {
            List<Object> out = new ArrayList<>(l.size());
            for (Object item : l) {
                out.add(coerce(item));
            }
            return out;
        }
        throw new NotJson();
    }
}
