package io.remora.accesslog;

import io.remora.accesslog.FormatOps.Op;

import java.util.List;
import java.util.Map;

import static io.remora.util.JsonStrings.quote;

/**
 * A {@code json_format} as Envoy's JSON formatter takes it: an object whose values are format
 * strings, nested objects and lists of them, or constants (numbers, booleans, null). Each format
 * string is parsed once; a line renders the tree with the leaves' values, a leaf of one operator
 * keeping its type. Keys are always sorted, nested objects' too (Envoy's JsonFormatBuilder, for
 * which {@code sort_properties} is deprecated). With {@code omit_empty_values} a key whose value
 * is null (a missing leaf, a literal null) is left out and an object left empty with it, while a
 * list stays and the root object is always written (Envoy's tree formatter for that option).
 */
abstract class JsonFormatTree {

    /** Appends this node's JSON; an object leaves out its missing leaves with {@code omit_empty_values}. */
    abstract void render(StringBuilder sb, FormatContext c, boolean omitEmpty);

    /** {@code format}: String (a format), Map (an object), List, Number, Boolean or null. */
    static JsonFormatTree of(Object format, java.util.function.Function<String, Op[]> parse) {
        if (format instanceof String s) {
            return new Leaf(parse.apply(s));
        }
        if (format instanceof Map<?, ?> m) {
            Map<String, Object> sorted = new java.util.TreeMap<>();
            m.forEach((key, value) -> sorted.put(String.valueOf(key), value));
            String[] keys = new String[sorted.size()];
            JsonFormatTree[] values = new JsonFormatTree[sorted.size()];
            int k = 0;
            for (Map.Entry<String, Object> e : sorted.entrySet()) {
                keys[k] = e.getKey();
                values[k++] = of(e.getValue(), parse);
            }
            return new Obj(keys, values);
        }
        if (format instanceof List<?> l) {
            return new Arr(l.stream().map(v -> of(v, parse)).toArray(JsonFormatTree[]::new));
        }
        return new Constant(format);
    }

    /** Each format string of the tree, for checks that read the formats' text. */
    static void strings(Object format, java.util.function.Consumer<String> out) {
        if (format instanceof String s) {
            out.accept(s);
        } else if (format instanceof Map<?, ?> m) {
            m.values().forEach(v -> strings(v, out));
        } else if (format instanceof List<?> l) {
            l.forEach(v -> strings(v, out));
        }
    }

    static final class Obj extends JsonFormatTree {
        private final String[] keys;
        private final JsonFormatTree[] values;

        Obj(String[] keys, JsonFormatTree[] values) {
            this.keys = keys;
            this.values = values;
        }

        @Override
        void render(StringBuilder sb, FormatContext c, boolean omitEmpty) {
            if (!renderMembers(sb, c, omitEmpty)) {
                sb.append("{}");
            }
        }

        /** Appends the object, or nothing when it has no member (to write); false when nothing was appended. */
        private boolean renderMembers(StringBuilder sb, FormatContext c, boolean omitEmpty) {
            int start = sb.length();
            boolean first = true;
            for (int k = 0; k < keys.length; k++) {
                Object v = null;
                if (values[k] instanceof Leaf leaf) {
                    v = AccessLogFormatter.value(leaf.ops, c, omitEmpty);
                    if (v == null && omitEmpty) {
                        continue;
                    }
                } else if (omitEmpty && values[k] instanceof Constant constant && constant.value == null) {
                    continue;
                }
                int before = sb.length();
                sb.append(first ? '{' : ',');
                quote(sb, keys[k]);
                sb.append(':');
                if (values[k] instanceof Leaf) {
                    Leaf.write(sb, v);
                } else if (omitEmpty && values[k] instanceof Obj nested) {
                    if (!nested.renderMembers(sb, c, true)) {
                        sb.setLength(before); // an object left empty goes with its key
                        continue;
                    }
                } else {
                    values[k].render(sb, c, omitEmpty);
                }
                first = false;
            }
            if (first) {
                sb.setLength(start);
                return false;
            }
            sb.append('}');
            return true;
        }
    }

    static final class Arr extends JsonFormatTree {
        private final JsonFormatTree[] items;

        Arr(JsonFormatTree[] items) {
            this.items = items;
        }

        @Override
        void render(StringBuilder sb, FormatContext c, boolean omitEmpty) {
            sb.append('[');
            for (int k = 0; k < items.length; k++) {
                if (k > 0) {
                    sb.append(',');
                }
                items[k].render(sb, c, omitEmpty);
            }
            sb.append(']');
        }
    }

    static final class Constant extends JsonFormatTree {
        private final Object value;

        Constant(Object value) {
            this.value = value;
        }

        @Override
        void render(StringBuilder sb, FormatContext c, boolean omitEmpty) {
            io.remora.admin.Json.write(sb, value);
        }
    }

    static final class Leaf extends JsonFormatTree {
        private final Op[] ops;

        Leaf(Op[] ops) {
            this.ops = ops;
        }

        @Override
        void render(StringBuilder sb, FormatContext c, boolean omitEmpty) {
            write(sb, AccessLogFormatter.value(ops, c, omitEmpty));
        }

        static void write(StringBuilder sb, Object v) {
            if (v == null) {
                sb.append("null");
            } else if (v instanceof Long l) {
                sb.append(l.longValue());
            } else if (v instanceof String str) {
                quote(sb, str);
            } else {
                io.remora.admin.Json.write(sb, v); // metadata keeps its type: numbers, booleans, objects, lists
            }
        }
    }
}
