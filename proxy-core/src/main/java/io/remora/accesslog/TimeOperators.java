package io.remora.accesslog;

/**
 * Envoy's time operators beyond {@code %START_TIME%}: the start in local time and the moment a
 * line is emitted (stream_info_formatter.cc's SystemTimeFormatter users).
 */
final class TimeOperators {
    private TimeOperators() {
    }

    /** The operator, or null when {@code name} is not one of these. */
    static FormatOps.Op of(String name, String arg) {
        return switch (name) {
            case "START_TIME_LOCAL" -> time(StartTimeFormat.local(arg), i -> i.startMillis);
            // The time the formatter runs: a stream's log line, or a header value as it is added.
            case "EMIT_TIME" -> time(StartTimeFormat.of(arg), i -> System.currentTimeMillis());
            case "EMIT_TIME_LOCAL" -> time(StartTimeFormat.local(arg), i -> System.currentTimeMillis());
            default -> null;
        };
    }

    /** A time in {@code f}'s format; never missing. */
    static FormatOps.Op time(StartTimeFormat f, FormatOps.LongFn millis) {
        return new FormatOps.Op() {
            @Override
            void append(StringBuilder sb, FormatContext c) {
                f.append(sb, millis.get(c.streamInfo())); // straight into the line: no intermediate String
            }

            @Override
            Object json(FormatContext c) {
                StringBuilder sb = new StringBuilder(32);
                f.append(sb, millis.get(c.streamInfo()));
                return sb.toString();
            }

            @Override
            void appendPresent(StringBuilder sb, FormatContext c) {
                append(sb, c);
            }
        };
    }
}
