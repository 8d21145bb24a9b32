package io.remora.http;

import io.netty.util.AsciiString;

/**
 * The grpc-timeout request header (gRPC's TimeoutValue TimeoutUnit), which both the connection
 * manager (a route's max_stream_duration) and the router (max_grpc_timeout) read and rewrite.
 */
public final class GrpcTimeoutHeader {
    public static final AsciiString NAME = AsciiString.cached("grpc-timeout");

    private GrpcTimeoutHeader() {
    }

    /** Milliseconds as a grpc-timeout value (at most 8 digits, so coarser units for long ones). */
    public static String value(long millis) {
        if (millis < 100_000_000L) {
            return millis + "m";
        }
        long s = millis / 1000;
        return s < 100_000_000L ? s + "S" : (s / 3600) + "H";
    }

    /** The value's milliseconds (units H, M, S, m, u, n); -1 when absent or malformed. */
    public static long millis(CharSequence v) {
        if (v == null || v.length() < 2 || v.length() > 9) {
            return -1;
        }
        long n;
        try {
            n = Long.parseLong(v.subSequence(0, v.length() - 1).toString());
        } catch (NumberFormatException e) {
            return -1;
        }
        switch (v.charAt(v.length() - 1)) {
            case 'H': return n * 3_600_000L;
            case 'M': return n * 60_000L;
            case 'S': return n * 1000L;
            case 'm': return n;
            case 'u': return Math.max(n == 0 ? 0 : 1, n / 1000);
            case 'n': return Math.max(n == 0 ? 0 : 1, n / 1_000_000);
            default: return -1;
        }
    }
}
