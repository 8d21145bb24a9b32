package io.remora.config;

/**
 * {@code config.core.v3.Http2ProtocolOptions}, the fields the data plane uses, with Envoy's
 * defaults in {@link #DEFAULT}.
 */
public record Http2Options(int maxConcurrentStreams, int initialStreamWindowSize,
                           int initialConnectionWindowSize, boolean allowConnect) {
    public static final Http2Options DEFAULT =
            new Http2Options(Integer.MAX_VALUE, 268_435_456, 268_435_456, false);
}
