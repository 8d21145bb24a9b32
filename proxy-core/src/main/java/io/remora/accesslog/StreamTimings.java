package io.remora.accesslog;

import java.util.Arrays;

/**
 * The moments of a stream Envoy's duration operators read (its DownstreamTiming and
 * UpstreamTiming), as {@link System#nanoTime()} values. Kept only once some access log format
 * names a duration operator ({@link #want()}, when the format compiles): until then no stream
 * records them, so a plain request makes no object for them.
 */
public final class StreamTimings {

    /** The moments, named as Envoy's %COMMON_DURATION% names them where it does. */
    public enum Point {
        /** Last byte of the request received from downstream (DS_RX_END). */
        DS_RX_END,
        /** First byte of the request sent upstream (US_TX_BEG). */
        US_TX_BEG,
        /** Last byte of the request sent upstream (US_TX_END). */
        US_TX_END,
        /** First byte of the response body received from upstream (US_RX_BODY_BEG, Envoy 1.37). */
        US_RX_BODY_BEG,
        /** Last byte of the response received from upstream (US_RX_END). */
        US_RX_END,
        /** First byte of the response sent downstream (DS_TX_BEG). */
        DS_TX_BEG,
        /** Last byte of the response sent downstream (DS_TX_END). */
        DS_TX_END,
        /** The router asked a connection pool for a stream. */
        POOL_REQUESTED,
        /** The pool handed the stream over (Envoy's connectionPoolCallbackLatency ends here). */
        POOL_READY
    }

    private static final long UNSET = Long.MIN_VALUE;
    private static final Point[] POINTS = Point.values();

    /** Process-wide: set for good by the first format that reads a timing (never unset on a config change). */
    private static volatile boolean wanted;

    private final long[] at = new long[POINTS.length];

    StreamTimings() {
        Arrays.fill(at, UNSET);
    }

    /** A format needs timings: streams record them from now on. */
    static void want() {
        wanted = true;
    }

    /** Whether streams record timings (the cheap check before each mark). */
    public static boolean wanted() {
        return wanted;
    }

    /** Records {@code p} now, unless already recorded (the first moment counts). */
    void mark(Point p, long nanos) {
        if (at[p.ordinal()] == UNSET) {
            at[p.ordinal()] = nanos;
        }
    }

    /** Forgets the upstream moments: a new try's are its own, as Envoy's upstream timing is per request. */
    void restartUpstream() {
        at[Point.US_TX_BEG.ordinal()] = UNSET;
        at[Point.US_TX_END.ordinal()] = UNSET;
        at[Point.US_RX_BODY_BEG.ordinal()] = UNSET;
        at[Point.US_RX_END.ordinal()] = UNSET;
        at[Point.POOL_REQUESTED.ordinal()] = UNSET;
        at[Point.POOL_READY.ordinal()] = UNSET;
    }

    /** The nanoTime of {@code p}, or {@link Long#MIN_VALUE} when not recorded. */
    long at(Point p) {
        return at[p.ordinal()];
    }

    static boolean recorded(long nanos) {
        return nanos != UNSET;
    }
}
