package io.remora.accesslog;

import java.util.EnumSet;

/**
 * A stream's response flags as one long, a bit per {@link ResponseFlag} ordinal, and the order they
 * were set in as another (Envoy's stream info keeps a list and prints it in that order): no set
 * object per stream; a set or Envoy's {@code %RESPONSE_FLAGS%} text is made only when a log asks.
 */
final class ResponseFlagSet {
    private static final ResponseFlag[] FLAGS = ResponseFlag.values();
    /** Each slot of the order holds a flag's ordinal + 1 in 5 bits; 0 ends the list. */
    private static final int SLOT_BITS = 5;
    private static final int SLOTS = 64 / SLOT_BITS;

    static {
        if (FLAGS.length >= 1 << SLOT_BITS) {
            throw new AssertionError("ResponseFlag outgrew StreamInfo's 5-bit flag order slots");
        }
    }

    /**
     * The order after setting {@code f} on {@code bits}: appended when new. A stream with more than
     * twelve flags (none has) keeps the first twelve in order and prints the rest after them.
     */
    static long appended(long order, long bits, ResponseFlag f) {
        int count = Long.bitCount(bits);
        if (has(bits, f) || count >= SLOTS) {
            return order;
        }
        return order | (long) (f.ordinal() + 1) << (SLOT_BITS * count);
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

    /** The short codes joined by ',' in the order they were set, or "-" when none. */
    static String codes(long bits, long order) {
        return join(bits, order, false);
    }

    /** Envoy's long names joined by ',' in the order they were set, or "-" when none. */
    static String longNames(long bits, long order) {
        return join(bits, order, true);
    }

    private static String join(long bits, long order, boolean longNames) {
        if (bits == 0) {
            return "-";
        }
        StringBuilder sb = new StringBuilder();
        long listed = 0;
        for (long o = order; o != 0; o >>>= SLOT_BITS) {
            ResponseFlag f = FLAGS[(int) (o & ((1 << SLOT_BITS) - 1)) - 1];
            listed = with(listed, f);
            append(sb, f, longNames);
        }
        for (ResponseFlag f : FLAGS) {
            if (has(bits, f) && !has(listed, f)) {
                append(sb, f, longNames);
            }
        }
        return sb.toString();
    }

    private static void append(StringBuilder sb, ResponseFlag f, boolean longNames) {
        if (sb.length() > 0) {
            sb.append(',');
        }
        sb.append(longNames ? f.longName : f.code);
    }
}
