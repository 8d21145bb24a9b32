package io.remora.config;

/**
 * Where and how a Fluentd access logger or tracer sends: Envoy keeps one upstream per worker for
 * each distinct target, so equal targets share their connections, buffers and stats.
 *
 * @param cluster             {@code cluster}: the Fluentd server's cluster
 * @param tag                 {@code tag} of every Forward message
 * @param statPrefix          {@code stat_prefix}: {@code access_logs.fluentd.<stat_prefix>.*} or
 *                            {@code tracing.fluentd.<stat_prefix>.*}
 * @param flushIntervalMillis {@code buffer_flush_interval} (default 1 s)
 * @param bufferSizeBytes     {@code buffer_size_bytes} (default 16384): at this size the buffer is sent
 *                            at once, and entries logged while it stays this full are lost
 * @param retry               the access logger's {@code retry_options}, the tracer's {@code retry_policy}
 */
public record FluentdTarget(String cluster, String tag, String statPrefix, long flushIntervalMillis,
                            long bufferSizeBytes, Retry retry) {

    public static final long DEFAULT_FLUSH_INTERVAL_MILLIS = 1000;
    public static final long DEFAULT_BUFFER_SIZE_BYTES = 16384;

    /**
     * How an upstream reconnects.
     *
     * @param maxConnectAttempts {@code max_connect_attempts} (the tracer's {@code num_retries}),
     *                           counted over the upstream's life as Envoy counts them; -1 (unset) for no limit
     * @param baseMillis         the backoff's {@code base_interval} (default 500 ms)
     * @param maxMillis          the backoff's {@code max_interval} (default ten times the base)
     */
    public record Retry(long maxConnectAttempts, long baseMillis, long maxMillis) {
        public static final long DEFAULT_BASE_MILLIS = 500;
        public static final long MAX_INTERVAL_FACTOR = 10;
        public static final Retry DEFAULT =
                new Retry(-1, DEFAULT_BASE_MILLIS, DEFAULT_BASE_MILLIS * MAX_INTERVAL_FACTOR);
    }
}
