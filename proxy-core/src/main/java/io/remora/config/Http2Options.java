package io.remora.config;

/**
 * {@code config.core.v3.Http2ProtocolOptions}, the fields the data plane uses, with Envoy's
 * defaults in {@link #DEFAULT}.
 *
 * @param keepalive {@code connection_keepalive}, or null: no keepalive PINGs
 */
public record Http2Options(int maxConcurrentStreams, int initialStreamWindowSize,
                           int initialConnectionWindowSize, boolean allowConnect, Keepalive keepalive) {
    public static final Http2Options DEFAULT =
            new Http2Options(Integer.MAX_VALUE, 268_435_456, 268_435_456, false, null);

    public Http2Options(int maxConcurrentStreams, int initialStreamWindowSize, int initialConnectionWindowSize,
                        boolean allowConnect) {
        this(maxConcurrentStreams, initialStreamWindowSize, initialConnectionWindowSize, allowConnect, null);
    }

    /**
     * {@code config.core.v3.KeepaliveSettings}: a PING every {@code intervalMillis} plus up to
     * {@code jitterPercent} of it (0: none sent on a timer), the connection closed when no PING ACK
     * comes within {@code timeoutMillis} (any frame received meanwhile extends the wait), and on
     * upstream connections a PING ahead of a new stream when nothing was received for
     * {@code idleIntervalMillis} (0: never).
     */
    public record Keepalive(long intervalMillis, long timeoutMillis, double jitterPercent, long idleIntervalMillis) {
        public Keepalive {
            if (timeoutMillis <= 0 || intervalMillis < 0 || idleIntervalMillis < 0
                    || jitterPercent < 0 || jitterPercent > 100) {
                throw new IllegalArgumentException("keepalive: timeout must be positive, the rest not negative,"
                        + " jitter at most 100 %");
            }
        }

        /** The wait before the next interval PING: the interval plus Envoy's jitter (a random part of jitter % of it). */
        public long nextIntervalMillis(java.util.random.RandomGenerator random) {
            long jitter = (long) (jitterPercent * intervalMillis / 100);
            return jitter > 0 ? intervalMillis + random.nextLong(jitter) : intervalMillis;
        }
    }
}
