package io.remora.extensions.filters.http.ext_authz;

import com.google.protobuf.ListValue;
import com.google.protobuf.NullValue;
import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import io.remora.config.ValueMatch;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Dynamic metadata between its protobuf form (Struct) and the data plane's (maps, lists, strings...). */
public final class StructValues {

    private StructValues() {
    }

    public static Map<String, Object> toMap(Struct s) {
        Map<String, Object> out = new LinkedHashMap<>();
        s.getFieldsMap().forEach((k, v) -> out.put(k, toObject(v)));
        return out;
    }

    static Object toObject(Value v) {
        return switch (v.getKindCase()) {
            case NULL_VALUE -> ValueMatch.NULL;
            case NUMBER_VALUE -> v.getNumberValue();
            case STRING_VALUE -> v.getStringValue();
            case BOOL_VALUE -> v.getBoolValue();
            case STRUCT_VALUE -> toMap(v.getStructValue());
            case LIST_VALUE -> {
                List<Object> l = new ArrayList<>();
                for (Value e : v.getListValue().getValuesList()) {
                    l.add(toObject(e));
                }
                yield l;
            }
            case KIND_NOT_SET -> null;
        };
    }

    public static Struct toStruct(Map<String, ?> m) {
        Struct.Builder b = Struct.newBuilder();
        m.forEach((k, v) -> b.putFields(k, toValue(v)));
        return b.build();
    }

    static Value toValue(Object o) {
        if (o == null || o == ValueMatch.NULL) {
            return Value.newBuilder().setNullValue(NullValue.NULL_VALUE).build();
        }
        if (o instanceof Boolean b) {
            return Value.newBuilder().setBoolValue(b).build();
        }
        if (o instanceof Number n) {
            return Value.newBuilder().setNumberValue(n.doubleValue()).build();
        }
        if (o instanceof Map<?, ?> m) {
            Map<String, Object> sm = new LinkedHashMap<>();
            m.forEach((k, v) -> sm.put(String.valueOf(k), v));
            return Value.newBuilder().setStructValue(toStruct(sm)).build();
        }
        if (o instanceof List<?> l) {
            ListValue.Builder lb = ListValue.newBuilder();
            for (Object e : l) {
                lb.addValues(toValue(e));
            }
            return Value.newBuilder().setListValue(lb).build();
        }
        return Value.newBuilder().setStringValue(String.valueOf(o)).build();
    }
}
