package io.remora.log;

import java.time.Instant;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.logging.Formatter;
import java.util.logging.LogRecord;

/**
 * Formats JUL records with Envoy's (spdlog) log pattern, compiled once. Supported specifiers:
 * %Y %y %m %d %H %M %S %T %D %e (millis) %f (micros) %F (nanos) %z %t (thread id) %P (pid)
 * %l (level) %L (short level) %n (logger / component) %v (message) %_ (message, newlines escaped)
 * %j (message, JSON-escaped) %g (source file path) %s (source file name) %# (source line)
 * %! (source function) %%. Anything else is printed as written. The source specifiers (Istio's
 * default pilot-agent format has %g:%#) name the Java class and line that logged; finding them
 * walks the stack, so a format without them costs nothing.
 */
public final class EnvoyLogFormatter extends Formatter {

    private interface Part {
        void append(StringBuilder sb, LogRecord r, ZonedDateTime t);
    }

    private static final long PID = ProcessHandle.current().pid();

    private final List<Part> parts;
    private final ZoneId zone;

    public EnvoyLogFormatter() {
        this(Logging.DEFAULT_FORMAT, LogZone.local());
    }

    public EnvoyLogFormatter(String pattern, ZoneId zone) {
        this.parts = compile(pattern);
        this.zone = zone;
    }

    @Override
    public String format(LogRecord r) {
        Instant instant = r.getInstant();
        ZonedDateTime t = instant.atZone(zone);
        StringBuilder sb = new StringBuilder(128);
        for (Part p : parts) {
            p.append(sb, r, t);
        }
        if (r.getThrown() != null) {
            java.io.StringWriter w = new java.io.StringWriter();
            r.getThrown().printStackTrace(new java.io.PrintWriter(w));
            sb.append('\n').append(w.toString().stripTrailing());
        }
        sb.append('\n');
        return sb.toString();
    }

    private static List<Part> compile(String pattern) {
        List<Part> parts = new ArrayList<>();
        StringBuilder literal = new StringBuilder();
        for (int i = 0; i < pattern.length(); i++) {
            char c = pattern.charAt(i);
            if (c != '%' || i + 1 >= pattern.length()) {
                literal.append(c);
                continue;
            }
            char s = pattern.charAt(++i);
            Part p = specifier(s);
            if (p == null) {
                literal.append('%').append(s);
                continue;
            }
            if (literal.length() > 0) {
                String text = literal.toString();
                parts.add((sb, r, t) -> sb.append(text));
                literal.setLength(0);
            }
            parts.add(p);
        }
        if (literal.length() > 0) {
            String text = literal.toString();
            parts.add((sb, r, t) -> sb.append(text));
        }
        return List.copyOf(parts);
    }

    private static Part specifier(char s) {
        return switch (s) {
            case 'Y' -> (sb, r, t) -> sb.append(t.getYear());
            case 'y' -> (sb, r, t) -> pad(sb, t.getYear() % 100, 2);
            case 'm' -> (sb, r, t) -> pad(sb, t.getMonthValue(), 2);
            case 'd' -> (sb, r, t) -> pad(sb, t.getDayOfMonth(), 2);
            case 'H' -> (sb, r, t) -> pad(sb, t.getHour(), 2);
            case 'M' -> (sb, r, t) -> pad(sb, t.getMinute(), 2);
            case 'S' -> (sb, r, t) -> pad(sb, t.getSecond(), 2);
            case 'T' -> (sb, r, t) -> {
                pad(sb, t.getHour(), 2);
                sb.append(':');
                pad(sb, t.getMinute(), 2);
                sb.append(':');
                pad(sb, t.getSecond(), 2);
            };
            case 'D' -> (sb, r, t) -> {
                pad(sb, t.getMonthValue(), 2);
                sb.append('/');
                pad(sb, t.getDayOfMonth(), 2);
                sb.append('/');
                pad(sb, t.getYear() % 100, 2);
            };
            case 'e' -> (sb, r, t) -> pad(sb, t.getNano() / 1_000_000, 3);
            case 'f' -> (sb, r, t) -> pad(sb, t.getNano() / 1_000, 6);
            case 'F' -> (sb, r, t) -> pad(sb, t.getNano(), 9);
            case 'z' -> (sb, r, t) -> {
                int secs = t.getOffset().getTotalSeconds();
                sb.append(secs < 0 ? '-' : '+');
                secs = Math.abs(secs);
                pad(sb, secs / 3600, 2);
                sb.append(':');
                pad(sb, secs / 60 % 60, 2);
            };
            case 't' -> (sb, r, t) -> sb.append(r.getLongThreadID());
            case 'P' -> (sb, r, t) -> sb.append(PID);
            case 'l' -> (sb, r, t) -> sb.append(Logging.levelName(r.getLevel()));
            case 'L' -> (sb, r, t) -> sb.append(Character.toUpperCase(Logging.levelName(r.getLevel()).charAt(0)));
            case 'n' -> (sb, r, t) -> sb.append(Logging.componentOf(r.getLoggerName()));
            case 'v' -> (sb, r, t) -> sb.append(message(r));
            case '_' -> (sb, r, t) -> sb.append(message(r).replace("\n", "\\n"));
            case 'j' -> (sb, r, t) -> jsonEscape(sb, message(r));
            case '%' -> (sb, r, t) -> sb.append('%');
            case 'g' -> (sb, r, t) -> sourceFile(sb, r, true);
            case 's' -> (sb, r, t) -> sourceFile(sb, r, false);
            case '#' -> (sb, r, t) -> sourceLine(sb, r);
            case '!' -> (sb, r, t) -> {
                if (r.getSourceMethodName() != null) {
                    sb.append(r.getSourceMethodName());
                }
            };
            default -> null;
        };
    }

    /** The logging class's source file: io/remora/http/ActiveStream.java, or ActiveStream.java. */
    private static void sourceFile(StringBuilder sb, LogRecord r, boolean path) {
        String c = r.getSourceClassName();
        if (c == null) {
            return;
        }
        int nested = c.indexOf('$');
        String outer = nested > 0 ? c.substring(0, nested) : c;
        sb.append(path ? outer.replace('.', '/') : outer.substring(outer.lastIndexOf('.') + 1)).append(".java");
    }

    /** The logging call's line: records are published on the logging thread, so its frame is on the stack. */
    private static void sourceLine(StringBuilder sb, LogRecord r) {
        String c = r.getSourceClassName();
        String m = r.getSourceMethodName();
        if (c == null) {
            return;
        }
        StackWalker.getInstance().walk(frames -> frames
                        .filter(f -> f.getClassName().equals(c) && (m == null || f.getMethodName().equals(m)))
                        .findFirst())
                .ifPresent(f -> sb.append(f.getLineNumber()));
    }

    private static String message(LogRecord r) {
        String m = r.getMessage();
        Object[] params = r.getParameters();
        if (m == null) {
            return "";
        }
        if (params == null || params.length == 0 || m.indexOf('{') < 0) {
            return m;
        }
        try {
            return java.text.MessageFormat.format(m, params);
        } catch (IllegalArgumentException e) {
            return m;
        }
    }

    private static void pad(StringBuilder sb, int v, int width) {
        String s = Integer.toString(v);
        for (int i = s.length(); i < width; i++) {
            sb.append('0');
        }
        sb.append(s);
    }

    private static void jsonEscape(StringBuilder sb, String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                case '\t' -> sb.append("\\t");
                default -> {
                    if (c < 0x20) {
                        sb.append(String.format("\\u%04x", (int) c));
                    } else {
                        sb.append(c);
                    }
                }
            }
        }
    }
}
