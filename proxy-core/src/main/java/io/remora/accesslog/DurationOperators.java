package io.remora.accesslog;

import io.remora.accesslog.StreamTimings.Point;

import static io.remora.accesslog.FormatOps.num;

/**
 * Envoy's duration operators (%REQUEST_DURATION%, %RESPONSE_TX_DURATION%, %COMMON_DURATION(..)%,
 * ...): milliseconds (or the given precision) between two moments of the stream; "-" when one of
 * them did not happen. Compiling one makes streams record their {@link StreamTimings}.
 */
final class DurationOperators {
    private DurationOperators() {
    }

    /** A moment that did not happen. */
    private static final long NEVER = Long.MIN_VALUE;

    /**
     * A moment as nanos since the stream's start, {@link #NEVER} when it did not happen; negative
     * when it came before the start (a reused upstream connection's connect).
     */
    private interface Moment {
        long get(StreamInfo i);
    }

    /** The operator, or null when {@code name} is not one of these. */
    static FormatOps.Op of(String name, String arg) {
        if (name.equals("ROUNDTRIP_DURATION")) {
            // Envoy records the last downstream ACK only for HTTP/3, which Remora does not serve.
            return num(i -> -1);
        }
        if (name.equals("DOWNSTREAM_HANDSHAKE_DURATION")) {
            return num(i -> {
                long n = i.downstreamHandshakeNanos();
                return n < 0 ? -1 : n / 1_000_000;
            });
        }
        FormatOps.Op op = switch (name) {
            case "REQUEST_DURATION" -> millis(at(Point.DS_RX_END));
            case "REQUEST_TX_DURATION" -> millis(at(Point.US_TX_END));
            // As Envoy's: from the first upstream response byte to the last byte sent downstream.
            case "RESPONSE_TX_DURATION" -> num(i -> {
                long end = i.sinceStart(Point.DS_TX_END);
                long begin = i.upstreamServiceTimeNanos;
                return end < 0 || begin < 0 || end < begin ? -1 : (end - begin) / 1_000_000;
            });
            case "UPSTREAM_CONNECTION_POOL_READY_DURATION" -> num(i -> {
                long asked = i.sinceStart(Point.POOL_REQUESTED);
                long ready = i.sinceStart(Point.POOL_READY);
                return asked < 0 || ready < asked ? -1 : (ready - asked) / 1_000_000;
            });
            case "COMMON_DURATION" -> common(arg);
            default -> null;
        };
        if (op != null) {
            StreamTimings.want();
        }
        return op;
    }

    private static Moment at(Point p) {
        return i -> {
            long n = i.sinceStart(p);
            return n < 0 ? NEVER : n;
        };
    }

    /**
     * A moment of the upstream connection the stream used, as Envoy copies the connection's
     * UpstreamTiming into the stream's at pool ready: the connection's, reused or new.
     */
    private static Moment connection(java.util.function.ToLongFunction<io.remora.upstream.UpstreamConnectTimes> m) {
        return i -> {
            io.remora.upstream.UpstreamConnectTimes t = i.upstreamConnection == null ? null
                    : i.upstreamConnection.connectTimes();
            long at = t == null ? io.remora.upstream.UpstreamConnectTimes.NONE : m.applyAsLong(t);
            return at == io.remora.upstream.UpstreamConnectTimes.NONE ? NEVER : at - i.startNanos;
        };
    }

    private static FormatOps.Op millis(Moment m) {
        return num(i -> {
            long n = m.get(i);
            return n < 0 ? -1 : n / 1_000_000;
        });
    }

    /** Envoy's CommonDurationFormatter: {@code START:END[:ms|us|ns]}, each a time point's name. */
    private static FormatOps.Op common(String arg) {
        String[] parts = arg.split(":", -1);
        if (parts.length < 2 || parts.length > 3) {
            throw new IllegalArgumentException("access log format: Invalid common duration configuration: " + arg + ".");
        }
        long divisor = 1_000_000;
        if (parts.length == 3) {
            divisor = switch (parts[2]) {
                case "ms" -> 1_000_000;
                case "us" -> 1_000;
                case "ns" -> 1;
                default -> throw new IllegalArgumentException("access log format: Invalid common duration precision: "
                        + parts[2] + ".");
            };
        }
        Moment begin = moment(parts[0]);
        Moment end = moment(parts[1]);
        long d = divisor;
        return num(i -> {
            long b = begin.get(i);
            long e = end.get(i);
            return b == NEVER || e == NEVER || e < b ? -1 : (e - b) / d;
        });
    }

    private static Moment moment(String name) {
        return switch (name) {
            case "DS_RX_BEG" -> i -> 0;
            case "DS_RX_END" -> at(Point.DS_RX_END);
            case "US_TX_BEG" -> at(Point.US_TX_BEG);
            case "US_TX_END" -> at(Point.US_TX_END);
            case "US_RX_BEG" -> i -> i.upstreamServiceTimeNanos < 0 ? NEVER : i.upstreamServiceTimeNanos;
            case "US_RX_BODY_BEG" -> at(Point.US_RX_BODY_BEG);
            case "US_RX_END" -> at(Point.US_RX_END);
            case "DS_TX_BEG" -> at(Point.DS_TX_BEG);
            case "DS_TX_END" -> at(Point.DS_TX_END);
            case "US_CX_BEG" -> connection(io.remora.upstream.UpstreamConnectTimes::start);
            case "US_CX_END" -> connection(io.remora.upstream.UpstreamConnectTimes::connected);
            case "US_HS_END" -> connection(io.remora.upstream.UpstreamConnectTimes::handshaken);
            // Envoy reads any other name as a custom timing a filter set; no Remora filter sets one.
            default -> i -> NEVER;
        };
    }
}
