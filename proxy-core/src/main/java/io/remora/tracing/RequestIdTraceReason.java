package io.remora.tracing;

/**
 * Envoy's UUID request id extension ({@code pack_trace_reason}, its default): the tracing
 * decision travels in x-request-id's 15th character, so every proxy on the request's path
 * decides alike, and the random bucket is the id's first 8 hex digits modulo 10,000.
 */
enum RequestIdTraceReason {
    NOT_TRACEABLE('4'), SAMPLING('9'), SERVICE_FORCED('a'), CLIENT_FORCED('b');

    private static final int POSITION = 14;
    private static final int UUID_LENGTH = 36;

    private final char mark;

    RequestIdTraceReason(char mark) {
        this.mark = mark;
    }

    /** The reason packed in {@code id}; NOT_TRACEABLE for a fresh or non-UUID id. */
    static RequestIdTraceReason of(CharSequence id) {
        if (id == null || id.length() != UUID_LENGTH) {
            return NOT_TRACEABLE;
        }
        return switch (id.charAt(POSITION)) {
            case '9' -> SAMPLING;
            case 'a' -> SERVICE_FORCED;
            case 'b' -> CLIENT_FORCED;
            default -> NOT_TRACEABLE;
        };
    }

    /** {@code id} with this reason packed in; unchanged when it is not a UUID. */
    CharSequence packInto(CharSequence id) {
        if (id == null || id.length() != UUID_LENGTH || id.charAt(POSITION) == mark) {
            return id;
        }
        StringBuilder b = new StringBuilder(id);
        b.setCharAt(POSITION, mark);
        return b.toString();
    }

    /** Envoy's modBy: the first 8 hex digits modulo 10,000, or -1 when they are not hex. */
    static int bucket(CharSequence id) {
        if (id == null || id.length() < 8) {
            return -1;
        }
        long v = 0;
        for (int i = 0; i < 8; i++) {
            int d = Character.digit(id.charAt(i), 16);
            if (d < 0) {
                return -1;
            }
            v = v * 16 + d;
        }
        return (int) (v % 10_000);
    }
}
