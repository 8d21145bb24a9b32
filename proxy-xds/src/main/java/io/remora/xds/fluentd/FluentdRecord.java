package io.remora.xds.fluentd;

import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import io.remora.accesslog.AccessLogFormatter;
import io.remora.accesslog.FormatterCommand;
import io.remora.accesslog.StreamInfo;
import io.remora.util.MsgPackWriter;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A Fluentd {@code record} compiled once and written per entry as a MessagePack map. Envoy formats
 * the record as a typed JSON format and converts the JSON to MessagePack; the result is written
 * here directly: a string that is one operator keeps its type (numbers stay numbers, a missing
 * value is nil), other strings are their formatted text, numbers, booleans and nulls of the
 * config are sent as they are, and nested structs and lists keep their shape. Keys are sorted, as
 * Envoy's JSON-to-MessagePack conversion sorts them.
 */
final class FluentdRecord implements FluentdUpstream.Record<StreamInfo> {

    private interface Node {
        void write(MsgPackWriter w, StreamInfo info);
    }

    private final Node root;

    private FluentdRecord(Node root) {
        this.root = root;
    }

    /** Throws IllegalArgumentException on a bad format string. */
    static FluentdRecord compile(Struct record, List<FormatterCommand> commands) {
        return new FluentdRecord(struct(record, commands));
    }

    @Override
    public void write(MsgPackWriter w, StreamInfo info) {
        root.write(w, info);
    }

    private static Node struct(Struct s, List<FormatterCommand> commands) {
        Map<String, Value> sorted = new TreeMap<>(s.getFieldsMap());
        String[] keys = sorted.keySet().toArray(new String[0]);
        Node[] values = new Node[keys.length];
        for (int i = 0; i < keys.length; i++) {
            values[i] = node(sorted.get(keys[i]), commands);
        }
        return (w, info) -> {
            w.map(keys.length);
            for (int i = 0; i < keys.length; i++) {
                w.string(keys[i]);
                values[i].write(w, info);
            }
        };
    }

    private static Node node(Value v, List<FormatterCommand> commands) {
        switch (v.getKindCase()) {
            case STRING_VALUE -> {
                AccessLogFormatter f = AccessLogFormatter.text(v.getStringValue(), false, commands);
                return (w, info) -> value(w, f.typedValue(info));
            }
            case STRUCT_VALUE -> {
                return struct(v.getStructValue(), commands);
            }
            case LIST_VALUE -> {
                Node[] items = v.getListValue().getValuesList().stream().map(i -> node(i, commands))
                        .toArray(Node[]::new);
                return (w, info) -> {
                    w.array(items.length);
                    for (Node n : items) {
                        n.write(w, info);
                    }
                };
            }
            case NUMBER_VALUE -> {
                double d = v.getNumberValue();
                return (w, info) -> number(w, d);
            }
            case BOOL_VALUE -> {
                boolean b = v.getBoolValue();
                return (w, info) -> w.bool(b);
            }
            default -> {
                return (w, info) -> w.nil();
            }
        }
    }

    /** An operator's typed value; nested values (metadata) keep their shape. */
    private static void value(MsgPackWriter w, Object v) {
        if (v == null) {
            w.nil();
        } else if (v instanceof String s) {
            w.string(s);
        } else if (v instanceof Long || v instanceof Integer) {
            w.signed(((Number) v).longValue());
        } else if (v instanceof Number n) {
            number(w, n.doubleValue());
        } else if (v instanceof Boolean b) {
            w.bool(b);
        } else if (v instanceof Map<?, ?> m) {
            w.map(m.size());
            for (Map.Entry<?, ?> e : m.entrySet()) {
                w.string(String.valueOf(e.getKey()));
                value(w, e.getValue());
            }
        } else if (v instanceof List<?> l) {
            w.array(l.size());
            for (Object o : l) {
                value(w, o);
            }
        } else {
            w.string(v.toString());
        }
    }

    /** A JSON number as MessagePack has it after parsing: whole numbers are integers. */
    private static void number(MsgPackWriter w, double d) {
        if (d == Math.rint(d) && Math.abs(d) < 0x1p63) {
            w.signed((long) d);
        } else {
            w.float64(d);
        }
    }
}
