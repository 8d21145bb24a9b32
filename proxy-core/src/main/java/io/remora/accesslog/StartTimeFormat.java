package io.remora.accesslog;

import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.time.format.TextStyle;

/**
 * {@code %START_TIME(...)%}: strftime as Envoy extends it, compiled once, in UTC (or, for the
 * {@code _LOCAL} operators, the process's time zone, as Envoy's localtime).
 * Supported: %Y %y %m %d %e %H %I %M %S %p %j %a %A %b %h %B %T %F %D %R %z %Z %s %%, and Envoy's
 * fractional seconds %f / %1f..%9f and %E3S / %E6S / %E9S (seconds with 3/6/9 fraction digits).
 */
final class StartTimeFormat {

    /** Envoy's default: 2026-11-25T19:44:23.123Z. */
    static final String DEFAULT = "%Y-%m-%dT%H:%M:%E3SZ";
    /** Envoy's default in local time: 2026-11-25T20:44:23.123+0100. */
    static final String DEFAULT_LOCAL = "%Y-%m-%dT%H:%M:%E3S%z";

    private interface Part {
        void append(StringBuilder sb, LocalDateTime t, long epochMillis, int nanos);
    }

    /** Envoy's check of a time format: a newline specifier (%n, %En, %5n, ...) could end up in a header. */
    private static final java.util.regex.Pattern NEWLINE = java.util.regex.Pattern.compile("%[-_0^#]*[1-9]*(E|O)?n");

    private static final java.util.TimeZone TIME_ZONE = java.util.TimeZone.getDefault();

    private final Part[] parts;
    /** Null: UTC. */
    private final ZoneId zone;

    /** A time operator's format: Envoy's default when {@code spec} is empty; refused as Envoy refuses it. */
    static StartTimeFormat of(String spec) {
        return new StartTimeFormat(checked(spec, DEFAULT), null);
    }

    /** As {@link #of}, in the process's time zone ({@code %START_TIME_LOCAL%}, {@code %EMIT_TIME_LOCAL%}). */
    static StartTimeFormat local(String spec) {
        return new StartTimeFormat(checked(spec, DEFAULT_LOCAL), ZoneId.systemDefault());
    }

    private static String checked(String spec, String dflt) {
        if (spec.isEmpty()) {
            return dflt;
        }
        if (NEWLINE.matcher(spec).find()) {
            throw new IllegalArgumentException("access log format: Invalid header configuration. Format string"
                    + " contains newline.");
        }
        return spec;
    }

    StartTimeFormat(String pattern) {
        this(pattern, null);
    }

    private StartTimeFormat(String pattern, ZoneId zone) {
        this.zone = zone;
        List<Part> out = new ArrayList<>();
        StringBuilder lit = new StringBuilder();
        for (int i = 0; i < pattern.length(); i++) {
            char c = pattern.charAt(i);
            if (c != '%' || i + 1 >= pattern.length()) {
                lit.append(c);
                continue;
            }
            char s = pattern.charAt(i + 1);
            Part p;
            int consumed = 1;
            if (s >= '1' && s <= '9' && i + 2 < pattern.length() && pattern.charAt(i + 2) == 'f') {
                int digits = s - '0';
                p = (sb, t, ms, n) -> fraction(sb, n, digits);
                consumed = 2;
            } else if (s == 'E' && i + 3 < pattern.length() && Character.isDigit(pattern.charAt(i + 2))
                    && pattern.charAt(i + 3) == 'S') {
                int digits = pattern.charAt(i + 2) - '0';
                p = (sb, t, ms, n) -> {
                    pad(sb, t.getSecond(), 2);
                    if (digits > 0) {
                        sb.append('.');
                        fraction(sb, n, digits);
                    }
                };
                consumed = 3;
            } else {
                p = simple(s, zone);
            }
            if (p == null) {
                lit.append(c);
                continue;
            }
            if (lit.length() > 0) {
                String text = lit.toString();
                out.add((sb, t, ms, n) -> sb.append(text));
                lit.setLength(0);
            }
            out.add(p);
            i += consumed;
        }
        if (lit.length() > 0) {
            String text = lit.toString();
            out.add((sb, t, ms, n) -> sb.append(text));
        }
        parts = out.toArray(new Part[0]);
    }

    void append(StringBuilder sb, long epochMillis) {
        long secs = Math.floorDiv(epochMillis, 1000);
        int nanos = (int) Math.floorMod(epochMillis, 1000) * 1_000_000;
        LocalDateTime t = LocalDateTime.ofEpochSecond(secs, nanos,
                zone == null ? ZoneOffset.UTC : zone.getRules().getOffset(Instant.ofEpochSecond(secs)));
        for (Part p : parts) {
            p.append(sb, t, epochMillis, nanos);
        }
    }

    private static Part simple(char s, ZoneId zone) {
        return switch (s) {
            case 'Y' -> (sb, t, ms, n) -> sb.append(t.getYear());
            case 'y' -> (sb, t, ms, n) -> pad(sb, t.getYear() % 100, 2);
            case 'm' -> (sb, t, ms, n) -> pad(sb, t.getMonthValue(), 2);
            case 'd' -> (sb, t, ms, n) -> pad(sb, t.getDayOfMonth(), 2);
            case 'e' -> (sb, t, ms, n) -> {
                if (t.getDayOfMonth() < 10) {
                    sb.append(' ');
                }
                sb.append(t.getDayOfMonth());
            };
            case 'H' -> (sb, t, ms, n) -> pad(sb, t.getHour(), 2);
            case 'I' -> (sb, t, ms, n) -> pad(sb, t.getHour() % 12 == 0 ? 12 : t.getHour() % 12, 2);
            case 'p' -> (sb, t, ms, n) -> sb.append(t.getHour() < 12 ? "AM" : "PM");
            case 'M' -> (sb, t, ms, n) -> pad(sb, t.getMinute(), 2);
            case 'S' -> (sb, t, ms, n) -> pad(sb, t.getSecond(), 2);
            case 'j' -> (sb, t, ms, n) -> pad(sb, t.getDayOfYear(), 3);
            case 'a' -> (sb, t, ms, n) -> sb.append(t.getDayOfWeek().getDisplayName(TextStyle.SHORT, Locale.US));
            case 'A' -> (sb, t, ms, n) -> sb.append(t.getDayOfWeek().getDisplayName(TextStyle.FULL, Locale.US));
            case 'b', 'h' -> (sb, t, ms, n) -> sb.append(t.getMonth().getDisplayName(TextStyle.SHORT, Locale.US));
            case 'B' -> (sb, t, ms, n) -> sb.append(t.getMonth().getDisplayName(TextStyle.FULL, Locale.US));
            case 'T' -> (sb, t, ms, n) -> {
                pad(sb, t.getHour(), 2);
                sb.append(':');
                pad(sb, t.getMinute(), 2);
                sb.append(':');
                pad(sb, t.getSecond(), 2);
            };
            case 'R' -> (sb, t, ms, n) -> {
                pad(sb, t.getHour(), 2);
                sb.append(':');
                pad(sb, t.getMinute(), 2);
            };
            case 'F' -> (sb, t, ms, n) -> {
                sb.append(t.getYear()).append('-');
                pad(sb, t.getMonthValue(), 2);
                sb.append('-');
                pad(sb, t.getDayOfMonth(), 2);
            };
            case 'D' -> (sb, t, ms, n) -> {
                pad(sb, t.getMonthValue(), 2);
                sb.append('/');
                pad(sb, t.getDayOfMonth(), 2);
                sb.append('/');
                pad(sb, t.getYear() % 100, 2);
            };
            case 'z' -> (sb, t, ms, n) -> offset(sb, t, ms);
            case 'Z' -> zone == null ? (sb, t, ms, n) -> sb.append("UTC")
                    : (sb, t, ms, n) -> sb.append(zone.getRules().isDaylightSavings(Instant.ofEpochMilli(ms))
                            ? TIME_ZONE.getDisplayName(true, java.util.TimeZone.SHORT, Locale.US)
                            : TIME_ZONE.getDisplayName(false, java.util.TimeZone.SHORT, Locale.US));
            case 's' -> (sb, t, ms, n) -> sb.append(Math.floorDiv(ms, 1000));
            case 'f' -> (sb, t, ms, n) -> fraction(sb, n, 9);
            case '%' -> (sb, t, ms, n) -> sb.append('%');
            default -> null;
        };
    }

    /** strftime's %z, +hhmm: the offset the local date-time {@code t} of {@code epochMillis} was made with. */
    private static void offset(StringBuilder sb, LocalDateTime t, long epochMillis) {
        int secs = (int) (t.toEpochSecond(ZoneOffset.UTC) - Math.floorDiv(epochMillis, 1000));
        sb.append(secs < 0 ? '-' : '+');
        int minutes = Math.abs(secs) / 60;
        pad(sb, minutes / 60, 2);
        pad(sb, minutes % 60, 2);
    }

    private static void fraction(StringBuilder sb, int nanos, int digits) {
        int v = nanos;
        for (int i = 9; i > digits; i--) {
            v /= 10;
        }
        pad(sb, v, digits);
    }

    private static void pad(StringBuilder sb, int v, int width) {
        int len = v == 0 ? 1 : (int) Math.log10(v) + 1;
        for (int i = len; i < width; i++) {
            sb.append('0');
        }
        sb.append(v);
    }
}
