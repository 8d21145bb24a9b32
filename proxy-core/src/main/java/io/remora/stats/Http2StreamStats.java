package io.remora.stats;

import io.micrometer.core.instrument.Counter;

/**
 * Envoy's HTTP/2 codec stats about streams (codec_stats.h), in the downstream codecs' scope
 * {@code http2.}: RST_STREAM frames received and sent, streams refused past
 * MAX_CONCURRENT_STREAMS, and trailer sections received.
 */
public record Http2StreamStats(Counter rxReset, Counter txReset, Counter streamRefusedErrors, Counter trailers) {

    /** The counters named {@code <prefix>rx_reset}, {@code tx_reset}, {@code stream_refused_errors}, {@code trailers}. */
    static Http2StreamStats register(io.micrometer.core.instrument.MeterRegistry r, String prefix) {
        return new Http2StreamStats(
                Counter.builder(prefix + "rx_reset").register(r),
                Counter.builder(prefix + "tx_reset").register(r),
                Counter.builder(prefix + "stream_refused_errors").register(r),
                Counter.builder(prefix + "trailers").register(r));
    }
}
