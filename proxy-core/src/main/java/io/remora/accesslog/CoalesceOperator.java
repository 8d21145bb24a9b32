package io.remora.accesslog;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;

import java.util.ArrayList;
import java.util.List;

/**
 * Envoy's {@code %COALESCE(JSON_CONFIG):Z%} (coalesce_formatter.cc, Envoy 1.37): the first of
 * its built-in operators whose value is present and not empty, truncated to Z. The config is
 * {@code {"operators": [...]}}, each entry a command name or {@code {"command", "param",
 * "max_length"}}; a malformed one is refused with Envoy's message.
 */
final class CoalesceOperator extends FormatOps.Op {
    private final FormatOps.Op[] operators;
    private final int maxLen;

    private CoalesceOperator(FormatOps.Op[] operators, int maxLen) {
        this.operators = operators;
        this.maxLen = maxLen;
    }

    static CoalesceOperator of(String json, int maxLen) {
        JsonElement root;
        try {
            root = JsonParser.parseString(json);
        } catch (JsonParseException e) {
            throw refused("failed to parse JSON configuration: " + e.getMessage());
        }
        if (!root.isJsonObject() || !root.getAsJsonObject().has("operators")) {
            throw refused("JSON configuration must contain 'operators' array");
        }
        JsonElement list = root.getAsJsonObject().get("operators");
        if (!list.isJsonArray()) {
            throw refused("'operators' must be an array");
        }
        if (list.getAsJsonArray().isEmpty()) {
            throw refused("'operators' array must not be empty");
        }
        List<FormatOps.Op> ops = new ArrayList<>();
        int index = 0;
        for (JsonElement entry : list.getAsJsonArray()) {
            try {
                ops.add(entry(entry));
            } catch (IllegalArgumentException e) {
                throw refused("failed to parse operator at index " + index + ": "
                        + e.getMessage().replaceFirst("^access log format: ", ""));
            }
            index++;
        }
        return new CoalesceOperator(ops.toArray(new FormatOps.Op[0]), maxLen);
    }

    private static FormatOps.Op entry(JsonElement entry) {
        if (entry.isJsonPrimitive() && entry.getAsJsonPrimitive().isString()) {
            return command(entry.getAsString(), "", -1);
        }
        if (!entry.isJsonObject()) {
            throw new IllegalArgumentException("operator entry must be either a string (command name) or an object"
                    + " with 'command' field");
        }
        JsonObject o = entry.getAsJsonObject();
        if (!isString(o.get("command"))) {
            throw new IllegalArgumentException("operator object must have 'command' field");
        }
        String param = "";
        if (o.has("param")) {
            if (!isString(o.get("param"))) {
                throw new IllegalArgumentException("'param' field must be a string");
            }
            param = o.get("param").getAsString();
        }
        int len = -1;
        if (o.has("max_length")) {
            JsonElement m = o.get("max_length");
            if (!m.isJsonPrimitive() || !m.getAsJsonPrimitive().isNumber()
                    || m.getAsDouble() != Math.rint(m.getAsDouble())) {
                throw new IllegalArgumentException("'max_length' field must be an integer");
            }
            if (m.getAsDouble() <= 0 || m.getAsDouble() > Integer.MAX_VALUE) {
                throw new IllegalArgumentException("'max_length' must be a positive integer");
            }
            len = m.getAsInt();
        }
        return command(o.get("command").getAsString(), param, len);
    }

    private static boolean isString(JsonElement e) {
        return e != null && e.isJsonPrimitive() && e.getAsJsonPrimitive().isString();
    }

    /** A built-in command, checked by its syntax rules as in a format; COALESCE nests too, as in Envoy. */
    private static FormatOps.Op command(String name, String param, int maxLen) {
        try {
            CommandSyntax.verify(name, param, maxLen);
            return AccessLogOperators.operator(name, param, maxLen);
        } catch (IllegalArgumentException e) {
            if (e.getMessage() != null && e.getMessage().contains("Not supported field in StreamInfo")) {
                throw new IllegalArgumentException("unknown command: '" + name + "'");
            }
            throw e;
        }
    }

    private static IllegalArgumentException refused(String why) {
        return new IllegalArgumentException("access log format: COALESCE: " + why);
    }

    @Override
    void append(StringBuilder sb, FormatContext c) {
        if (!appendFirst(sb, c)) {
            sb.append('-');
        }
    }

    @Override
    void appendPresent(StringBuilder sb, FormatContext c) {
        appendFirst(sb, c);
    }

    /** Each operator's text as its own format would print it, the first present and not empty. */
    private boolean appendFirst(StringBuilder sb, FormatContext c) {
        int start = sb.length();
        for (FormatOps.Op op : operators) {
            op.appendPresent(sb, c);
            if (sb.length() > start) {
                if (maxLen >= 0 && sb.length() - start > maxLen) {
                    sb.setLength(start + maxLen);
                }
                return true;
            }
        }
        return false;
    }

    @Override
    Object json(FormatContext c) {
        for (FormatOps.Op op : operators) {
            Object v = op.json(c);
            if (v instanceof String s) {
                if (!s.isEmpty()) {
                    return maxLen >= 0 && s.length() > maxLen ? s.substring(0, maxLen) : s;
                }
            } else if (v != null) {
                return v;
            }
        }
        return null;
    }
}
