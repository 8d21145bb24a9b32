package io.remora.accesslog;

/**
 * One {@code %COMMAND(SUBCOMMAND):LENGTH%} of a format, read as Envoy's parser reads it with the
 * regex {@code ^%([A-Z0-9_]+)(?:\((.*?)\))?(?::([0-9]+))?%}: the subcommand is the shortest text
 * (without a newline) whose ')' is followed by an optional length and the closing '%', so
 * {@code %START_TIME(%H)%} and {@code %CEL(a(b))%} read as Envoy reads them.
 *
 * @param arg    the subcommand, "" when absent (Envoy makes no difference between none and empty)
 * @param maxLen the length, -1 when absent
 * @param end    the index after the closing '%'
 */
record Command(String name, String arg, int maxLen, int end) {

    /** The command starting at {@code start} (a '%'), or null where Envoy's regex does not match. */
    static Command at(String format, int start) {
        int nameEnd = start + 1;
        while (nameEnd < format.length() && isNameChar(format.charAt(nameEnd))) {
            nameEnd++;
        }
        if (nameEnd == start + 1) {
            return null;
        }
        String name = format.substring(start + 1, nameEnd);
        if (nameEnd < format.length() && format.charAt(nameEnd) == '(') {
            for (int close = format.indexOf(')', nameEnd); close >= 0; close = format.indexOf(')', close + 1)) {
                if (format.substring(nameEnd + 1, close).indexOf('\n') >= 0) {
                    return null;
                }
                Command c = tail(format, name, format.substring(nameEnd + 1, close), close + 1);
                if (c != null) {
                    return c;
                }
            }
            return null;
        }
        return tail(format, name, "", nameEnd);
    }

    /** The optional {@code :LENGTH} and the closing '%' at {@code p}; null when they are not there. */
    private static Command tail(String format, String name, String arg, int p) {
        if (p < format.length() && format.charAt(p) == ':') {
            int d = p + 1;
            while (d < format.length() && format.charAt(d) >= '0' && format.charAt(d) <= '9') {
                d++;
            }
            if (d > p + 1 && d < format.length() && format.charAt(d) == '%') {
                long len = length(format.substring(p + 1, d));
                // Envoy's size_t: a length past it does not parse; one past any string caps nothing.
                return len < 0 ? null : new Command(name, arg, (int) Math.min(len, Integer.MAX_VALUE), d + 1);
            }
        }
        return p < format.length() && format.charAt(p) == '%' ? new Command(name, arg, -1, p + 1) : null;
    }

    /** The digits as an unsigned 64-bit number, capped to a long; -1 when it does not fit. */
    private static long length(String digits) {
        try {
            long v = Long.parseUnsignedLong(digits);
            return v < 0 ? Long.MAX_VALUE : v;
        } catch (NumberFormatException tooLong) {
            return -1;
        }
    }

    private static boolean isNameChar(char c) {
        return (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
    }
}
