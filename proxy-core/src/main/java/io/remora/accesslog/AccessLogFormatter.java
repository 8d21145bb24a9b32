package io.remora.accesslog;

import io.remora.accesslog.FormatOps.Op;

import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Envoy's substitution formatter: access log format strings and JSON formats, parsed once into a
 * list of operators ({@link AccessLogOperators}) and formatted per log line; also, with
 * omit_empty_values, the formatter of header values routes and filters add (HeaderFormatter).
 * Missing values print as {@code -} in text; in JSON a value that is a single operator keeps its
 * type (numbers stay numbers) and is {@code null} when missing, as Envoy's json_format does.
 */
public final class AccessLogFormatter {

    /** Envoy's default format. */
    public static final String DEFAULT_FORMAT = "[%START_TIME%] \"%REQ(:METHOD)% %REQ(X-ENVOY-ORIGINAL-PATH?:PATH)% %PROTOCOL%\" "
            + "%RESPONSE_CODE% %RESPONSE_FLAGS% %BYTES_RECEIVED% %BYTES_SENT% %DURATION% "
            + "%RESP(X-ENVOY-UPSTREAM-SERVICE-TIME)% \"%REQ(X-FORWARDED-FOR)%\" \"%REQ(USER-AGENT)%\" "
            + "\"%REQ(X-REQUEST-ID)%\" \"%REQ(:AUTHORITY)%\" \"%UPSTREAM_HOST%\"\n";

    private final Op[] text;
    private final JsonFormatTree json;
    /** {@code omit_empty_values}: a missing value prints as nothing in text, its key is left out in JSON. */
    private final boolean omitEmpty;

    private AccessLogFormatter(Op[] text, JsonFormatTree json, boolean omitEmpty) {
        this.text = text;
        this.json = json;
        this.omitEmpty = omitEmpty;
    }

    /** A text formatter; null means Envoy's default format. Throws IllegalArgumentException on a bad format. */
    public static AccessLogFormatter text(String format) {
        return text(format, false);
    }

    public static AccessLogFormatter text(String format, boolean omitEmptyValues) {
        return text(format, omitEmptyValues, List.of());
    }

    /** With the commands of formatter extensions ({@link FormatterCommand}), tried before the built-in ones. */
    public static AccessLogFormatter text(String format, boolean omitEmptyValues, List<FormatterCommand> commands) {
        return new AccessLogFormatter(parse(format == null ? DEFAULT_FORMAT : format, commands), null,
                omitEmptyValues);
    }

    /**
     * A JSON formatter from {@code json_format} (keys sorted, as Envoy's); one object per line. Its
     * values are format strings, or nested objects (Maps) and lists of them, or constants (numbers,
     * booleans, null), as Envoy's JSON formatter takes them.
     */
    public static AccessLogFormatter json(Map<String, ?> format) {
        return json(format, false);
    }

    public static AccessLogFormatter json(Map<String, ?> format, boolean omitEmptyValues) {
        return json(format, omitEmptyValues, List.of());
    }

    public static AccessLogFormatter json(Map<String, ?> format, boolean omitEmptyValues,
                                          List<FormatterCommand> commands) {
        return new AccessLogFormatter(null, JsonFormatTree.of(new LinkedHashMap<>(format), s -> parse(s, commands)),
                omitEmptyValues);
    }

    public String format(StreamInfo info) {
        return format(info, 256);
    }

    /**
     * The text of a format whose operators read {@code context} (a stream info, or the headers being
     * mutated beside one); {@code sizeHint} sizes the builder.
     */
    public String format(FormatContext info, int sizeHint) {
        StringBuilder sb = new StringBuilder(sizeHint);
        if (text != null) {
            appendText(sb, text, info);
            return sb.toString();
        }
        json.render(sb, info, omitEmpty);
        sb.append('\n');
        return sb.toString();
    }

    /**
     * A text formatter's value as a JSON format's value (Fluentd's records are built of these): a
     * format of one operator keeps its type (numbers are Longs; null when missing), any other is
     * the formatted text.
     */
    public Object typedValue(StreamInfo info) {
        return value(text, info, omitEmpty);
    }

    /** The text of a text format without operators (formatting it is free), else null. */
    public String literal() {
        if (text == null || text.length > 1) {
            return null;
        }
        return text.length == 0 ? "" : text[0] instanceof FormatOps.Literal l ? l.text : null;
    }

    /** A format's value in JSON: one operator's typed value (null when missing), else its text. */
    static Object value(Op[] ops, FormatContext info, boolean omitEmpty) {
        if (ops.length == 1) {
            return ops[0].json(info);
        }
        StringBuilder s = new StringBuilder();
        appendText(s, ops, info, omitEmpty);
        return s.toString();
    }

    private void appendText(StringBuilder sb, Op[] ops, FormatContext info) {
        appendText(sb, ops, info, omitEmpty);
    }

    private static void appendText(StringBuilder sb, Op[] ops, FormatContext info, boolean omitEmpty) {
        for (Op op : ops) {
            if (omitEmpty) {
                op.appendPresent(sb, info);
            } else {
                op.append(sb, info);
            }
        }
    }

    // ---- parsing ----

    static Op[] parse(String format, List<FormatterCommand> commands) {
        List<Op> ops = new ArrayList<>();
        StringBuilder lit = new StringBuilder();
        int i = 0;
        while (i < format.length()) {
            char c = format.charAt(i);
            if (c != '%') {
                lit.append(c);
                i++;
                continue;
            }
            if (i + 1 < format.length() && format.charAt(i + 1) == '%') {
                lit.append('%');
                i += 2;
                continue;
            }
            Command cmd = Command.at(format, i);
            if (cmd == null) {
                throw new IllegalArgumentException("access log format: Incorrect configuration: " + format
                        + ". Couldn't find valid command at position " + i);
            }
            if (lit.length() > 0) {
                ops.add(FormatOps.literal(lit.toString()));
                lit.setLength(0);
            }
            ops.add(operator(cmd.name(), cmd.arg(), cmd.maxLen(), commands));
            i = cmd.end();
        }
        if (lit.length() > 0) {
            ops.add(FormatOps.literal(lit.toString()));
        }
        return ops.toArray(new Op[0]);
    }

    /** As Envoy's parser: the extensions' commands first, then the built-in ones, checked by their syntax rules. */
    private static Op operator(String name, String arg, int maxLen, List<FormatterCommand> commands) {
        for (FormatterCommand c : commands) {
            FormatterCommand.Typed typed = c.parseTyped(name, arg);
            if (typed != null) {
                return FormatOps.typed(typed.text(), typed.json(), maxLen, maxLen);
            }
            java.util.function.Function<StreamInfo, String> fn = c.parse(name, arg);
            if (fn != null) {
                return FormatOps.custom(fn, maxLen);
            }
        }
        CommandSyntax.verify(name, arg, maxLen);
        return AccessLogOperators.operator(name, arg, maxLen);
    }

    /** Envoy's address form: 10.0.0.1:80, [::1]:80; without port: 10.0.0.1, ::1. */
    public static String address(SocketAddress a, boolean withPort) {
        if (a == null) {
            return null;
        }
        if (a instanceof InetSocketAddress in) {
            // RFC 5952 text (::1), as Envoy prints addresses, not Java's full form.
            String host = in.getAddress() != null ? io.netty.util.NetUtil.toAddressString(in.getAddress())
                    : in.getHostString();
            int pct = host.indexOf('%'); // drop an IPv6 scope id
            if (pct > 0) {
                host = host.substring(0, pct);
            }
            if (!withPort) {
                return host;
            }
            return host.indexOf(':') >= 0 ? "[" + host + "]:" + in.getPort() : host + ":" + in.getPort();
        }
        return a.toString();
    }
}
