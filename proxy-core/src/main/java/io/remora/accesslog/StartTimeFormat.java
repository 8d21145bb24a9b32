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
 * Supported: strftime's conversions in the C locale as absl::FormatTime passes them on (%Y %y %C
 * %m %d %e %H %I %k %l %M %S %p %P %j %a %A %b %h %B %T %F %D %R %r %c %x %X %u %w %U %W %V %G %g
 * %t %z %Z %s %%), absl's own (%E#S and %E*S seconds with # or all fraction digits, %E#f, %Ez and
 * %E*z offsets, %E4Y, %ET) and Envoy's fractional seconds %f / %1f..%9f.
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
            } else if (s == 'E' && i + 3 < pattern.length() && Character.isDigit(pattern.charAt(i + 2))
                    && pattern.charAt(i + 3) == 'f') {
                int digits = pattern.charAt(i + 2) - '0';
                p = (sb, t, ms, n) -> fraction(sb, n, digits);
                consumed = 3;
            } else if (s == 'E' && i + 2 < pattern.length() && (p = extended(pattern, i + 2)) != null) {
                consumed = pattern.startsWith("4Y", i + 2) || pattern.startsWith("*", i + 2) ? 3 : 2;
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
            case 'C' -> (sb, t, ms, n) -> pad(sb, Math.floorDiv(t.getYear(), 100), 2);
            case 'k' -> (sb, t, ms, n) -> space(sb, t.getHour());
            case 'l' -> (sb, t, ms, n) -> space(sb, t.getHour() % 12 == 0 ? 12 : t.getHour() % 12);
            case 'P' -> (sb, t, ms, n) -> sb.append(t.getHour() < 12 ? "am" : "pm");
            case 't' -> (sb, t, ms, n) -> sb.append('\t');
            case 'u' -> (sb, t, ms, n) -> sb.append(t.getDayOfWeek().getValue());
            case 'w' -> (sb, t, ms, n) -> sb.append(t.getDayOfWeek().getValue() % 7);
            // Weeks of the year: Sunday-first (%U), Monday-first (%W), the days before the first such day week 00.
            case 'U' -> (sb, t, ms, n) -> pad(sb, (t.getDayOfYear() + 6 - t.getDayOfWeek().getValue() % 7) / 7, 2);
            case 'W' -> (sb, t, ms, n) -> pad(sb, (t.getDayOfYear() + 6 - (t.getDayOfWeek().getValue() + 6) % 7) / 7, 2);
            case 'V' -> (sb, t, ms, n) -> pad(sb, t.get(java.time.temporal.IsoFields.WEEK_OF_WEEK_BASED_YEAR), 2);
            case 'G' -> (sb, t, ms, n) -> sb.append(t.get(java.time.temporal.IsoFields.WEEK_BASED_YEAR));
            case 'g' -> (sb, t, ms, n) -> pad(sb, Math.floorMod(t.get(java.time.temporal.IsoFields.WEEK_BASED_YEAR), 100), 2);
            // The C locale's forms, as strftime prints them for absl.
            case 'r' -> compound("%I:%M:%S %p", zone);
            case 'c' -> compound("%a %b %e %H:%M:%S %Y", zone);
            case 'x' -> compound("%m/%d/%y", zone);
            case 'X' -> compound("%H:%M:%S", zone);
            case 'f' -> (sb, t, ms, n) -> fraction(sb, n, 9);
            case '%' -> (sb, t, ms, n) -> sb.append('%');
            default -> null;
        };
    }

    /** A conversion strftime defines as others ({@code %r}, {@code %c}, ...). */
    private static Part compound(String spec, ZoneId zone) {
        Part[] inner = new StartTimeFormat(spec, zone).parts;
        return (sb, t, ms, n) -> {
            for (Part p : inner) {
                p.append(sb, t, ms, n);
            }
        };
    }

    /** absl's %E extensions after the {@code E} at {@code at}: %Ez, %E*z, %E*S, %E4Y, %ET; null for another. */
    private static Part extended(String pattern, int at) {
        if (pattern.startsWith("z", at)) {
            return (sb, t, ms, n) -> offset(sb, t, ms, ":", false);
        }
        if (pattern.startsWith("*z", at)) {
            return (sb, t, ms, n) -> offset(sb, t, ms, ":", true);
        }
        if (pattern.startsWith("*S", at)) {
            // The fraction's digits without trailing zeros, no '.' for a whole second.
            return (sb, t, ms, n) -> {
                pad(sb, t.getSecond(), 2);
                if (n > 0) {
                    StringBuilder f = new StringBuilder();
                    fraction(f, n, 9);
                    int end = f.length();
                    while (f.charAt(end - 1) == '0') {
                        end--;
                    }
                    sb.append('.').append(f, 0, end);
                }
            };
        }
        if (pattern.startsWith("4Y", at)) {
            return (sb, t, ms, n) -> {
                if (t.getYear() < 0) {
                    sb.append('-');
                    pad(sb, -t.getYear(), 3);
                } else {
                    pad(sb, t.getYear(), 4);
                }
            };
        }
        if (pattern.startsWith("T", at)) {
            return (sb, t, ms, n) -> sb.append('T');
        }
        return null;
    }

    /** strftime's %z, +hhmm: the offset the local date-time {@code t} of {@code epochMillis} was made with. */
    private static void offset(StringBuilder sb, LocalDateTime t, long epochMillis) {
        offset(sb, t, epochMillis, "", false);
    }

    /** The offset with {@code sep} between hours and minutes (absl's %Ez: +hh:mm), and seconds for %E*z. */
    private static void offset(StringBuilder sb, LocalDateTime t, long epochMillis, String sep, boolean seconds) {
        int secs = (int) (t.toEpochSecond(ZoneOffset.UTC) - Math.floorDiv(epochMillis, 1000));
        sb.append(secs < 0 ? '-' : '+');
        int abs = Math.abs(secs);
        pad(sb, abs / 3600, 2);
        sb.append(sep);
        pad(sb, abs / 60 % 60, 2);
        if (seconds) {
            sb.append(sep);
            pad(sb, abs % 60, 2);
        }
    }

    /** A number padded with spaces to two places (%e, %k, %l). */
    private static void space(StringBuilder sb, int v) {
        if (v < 10) {
            sb.append(' ');
        }
        sb.append(v);
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
