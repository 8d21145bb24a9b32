package io.remora.xds.accesslog;

import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.ArrayValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.common.v1.KeyValueList;
import io.remora.accesslog.AccessLogFormatter;
import io.remora.accesslog.FormatterCommand;
import io.remora.accesslog.StreamInfo;

import java.util.List;

/**
 * An OpenTelemetry {@code AnyValue} whose string leaves are Envoy format strings, as Envoy's
 * OpenTelemetry formatter reads {@code body} and {@code attributes}: strings are formatted (a
 * missing value is "-"), key/value lists and arrays keep their shape; other value types are
 * refused when the config is translated.
 */
final class OtelValueFormatter {

    private interface Node {
        AnyValue render(StreamInfo info);
    }

    private final Node root;

    private OtelValueFormatter(Node root) {
        this.root = root;
    }

    static OtelValueFormatter of(AnyValue template, List<FormatterCommand> commands) {
        return new OtelValueFormatter(compile(template, commands));
    }

    static OtelValueFormatter of(KeyValueList template, List<FormatterCommand> commands) {
        return of(AnyValue.newBuilder().setKvlistValue(template).build(), commands);
    }

    AnyValue format(StreamInfo info) {
        return root.render(info);
    }

    private static Node compile(AnyValue template, List<FormatterCommand> commands) {
        switch (template.getValueCase()) {
            case STRING_VALUE -> {
                AccessLogFormatter f = AccessLogFormatter.text(template.getStringValue(), false, commands);
                return info -> AnyValue.newBuilder().setStringValue(f.format(info)).build();
            }
            case KVLIST_VALUE -> {
                List<KeyValue> kvs = template.getKvlistValue().getValuesList();
                String[] keys = new String[kvs.size()];
                Node[] values = new Node[kvs.size()];
                for (int i = 0; i < keys.length; i++) {
                    keys[i] = kvs.get(i).getKey();
                    values[i] = compile(kvs.get(i).getValue(), commands);
                }
                return info -> {
                    KeyValueList.Builder b = KeyValueList.newBuilder();
                    for (int i = 0; i < keys.length; i++) {
                        b.addValues(KeyValue.newBuilder().setKey(keys[i]).setValue(values[i].render(info)));
                    }
                    return AnyValue.newBuilder().setKvlistValue(b).build();
                };
            }
            case ARRAY_VALUE -> {
                Node[] values = template.getArrayValue().getValuesList().stream()
                        .map(v -> compile(v, commands)).toArray(Node[]::new);
                return info -> {
                    ArrayValue.Builder b = ArrayValue.newBuilder();
                    for (Node n : values) {
                        b.addValues(n.render(info));
                    }
                    return AnyValue.newBuilder().setArrayValue(b).build();
                };
            }
            default -> throw new IllegalArgumentException("unsupported OpenTelemetry format value "
                    + template.getValueCase());
        }
    }
}
