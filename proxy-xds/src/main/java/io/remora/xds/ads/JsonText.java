package io.remora.xds.ads;

import java.util.List;
import java.util.Map;

/** Writes a SnakeYAML tree (maps, lists, scalars) as JSON text for protobuf's JsonFormat. */
final class JsonText {
    private JsonText() {
    }

    static String write(Object tree) {
        StringBuilder sb = new StringBuilder();
        write(tree, sb);
        return sb.toString();
    }

    private static void write(Object o, StringBuilder sb) {
        if (o == null) {
            sb.append("null");
        } else if (o instanceof Map<?, ?> m) {
            sb.append('{');
            boolean first = true;
            for (Map.Entry<?, ?> e : m.entrySet()) {
                if (!first) {
                    sb.append(',');
                }
                first = false;
                io.remora.util.JsonStrings.quote(sb, String.valueOf(e.getKey()));
                sb.append(':');
                write(e.getValue(), sb);
            }
            sb.append('}');
        } else if (o instanceof List<?> l) {
            sb.append('[');
            for (int i = 0; i < l.size(); i++) {
                if (i > 0) {
                    sb.append(',');
                }
                write(l.get(i), sb);
            }
            sb.append(']');
        } else if (o instanceof Number || o instanceof Boolean) {
            sb.append(o);
        } else {
            io.remora.util.JsonStrings.quote(sb, o.toString());
        }
    }

}
