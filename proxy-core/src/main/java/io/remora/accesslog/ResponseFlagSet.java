package io.remora.accesslog;

import java.util.EnumSet;

/**
 * A stream's response flags as one long, a bit per {@link ResponseFlag} ordinal: no set object
 * per stream; a set or Envoy's {@code %RESPONSE_FLAGS%} text is made only when a log asks.
 */
final class ResponseFlagSet {
    private static final ResponseFlag[] FLAGS = ResponseFlag.values();

    static {
        if (FLAGS.length > 64) {
            throw new AssertionError("ResponseFlag outgrew StreamInfo's 64 flag bits");
        }
    }

    private ResponseFlagSet() {
    }

    static long with(long bits, ResponseFlag f) {
        return bits | 1L << f.ordinal();
    }

    static boolean has(long bits, ResponseFlag f) {
        return (bits & (1L << f.ordinal())) != 0;
    }

    /** The flags set (a new set each call, in declaration order). */
    static EnumSet<ResponseFlag> toSet(long bits) {
        EnumSet<ResponseFlag> s = EnumSet.noneOf(ResponseFlag.class);
        for (ResponseFlag f : FLAGS) {
            if (has(bits, f)) {
                s.add(f);
            }
        }
        return s;
    }

    /** The short codes joined by ',' (in declaration order) or "-" when none. */
    static String codes(long bits) {
        return join(bits, false);
    }

    /** Envoy's long names joined by ',' (in declaration order) or "-" when none. */
    static String longNames(long bits) {
        return join(bits, true);
    }

    private static String join(long bits, boolean longNames) {
        if (bits == 0) {
            return "-";
        }
        StringBuilder sb = new StringBuilder();
        for (ResponseFlag f : FLAGS) {
            if (has(bits, f)) {
                if (sb.length() > 0) {
                    sb.append(',');
                }
                sb.append(longNames ? f.longName : f.code);
            }
        }
        return sb.toString();
    }
}
