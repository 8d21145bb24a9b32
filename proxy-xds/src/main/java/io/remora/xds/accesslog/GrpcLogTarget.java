package io.remora.xds.accesslog;

import io.remora.extensions.filters.http.ext_authz.GrpcServiceConfig;

/**
 * Where and how a gRPC access logger sends ({@code CommonGrpcAccessLogConfig}): loggers with equal
 * targets share one buffer and one connection, as Envoy caches its gRPC loggers by this config.
 *
 * @param service            {@code grpc_service} (envoy_grpc): cluster, authority, call timeout, initial metadata
 * @param logName            {@code log_name}
 * @param flushIntervalMillis {@code buffer_flush_interval} (default 1 s)
 * @param bufferSizeBytes    {@code buffer_size_bytes} (default 16 KiB): a batch this big is sent at once
 * @param statPrefix         the logger's {@code stat_prefix} (OpenTelemetry only), else empty
 */
public record GrpcLogTarget(GrpcServiceConfig service, String logName, long flushIntervalMillis,
                            long bufferSizeBytes, String statPrefix) {
    public static final long DEFAULT_FLUSH_INTERVAL_MILLIS = 1000;
    public static final long DEFAULT_BUFFER_SIZE_BYTES = 16 * 1024;
    /** While the collector cannot keep up, entries past this many buffers' worth (at least 1 MiB) are dropped. */
    private static final int BOUND_BUFFERS = 64;

    /**
     * The buffering of Envoy's gRPC access loggers: a batch goes when {@code buffer_size_bytes}
     * are waiting or every {@code buffer_flush_interval}, on the batcher's thread.
     */
    <T extends com.google.protobuf.MessageLite> io.remora.util.Batcher<T> batcher(
            String threadName, java.util.function.Consumer<java.util.List<T>> send) {
        long flushAt = Math.max(1, bufferSizeBytes);
        return new io.remora.util.Batcher<>(threadName, () -> flushIntervalMillis, () -> flushAt,
                Math.max(flushAt * BOUND_BUFFERS, 1 << 20), com.google.protobuf.MessageLite::getSerializedSize, null,
                send);
    }
}
