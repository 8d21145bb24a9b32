package io.remora.stats;

import io.micrometer.core.instrument.Counter;

/**
 * Envoy's HTTP/2 codec stats about streams (codec_stats.h), in a codec's scope ({@code http2.}
 * downstream, {@code cluster.<name>.http2.} upstream): RST_STREAM frames received and sent,
 * streams refused past MAX_CONCURRENT_STREAMS, and trailer sections received.
 */
public record Http2StreamStats(Counter rxReset, Counter txReset, Counter streamRefusedErrors, Counter trailers) {

    /** The counters named {@code <prefix>rx_reset}, {@code tx_reset}, {@code stream_refused_errors}, {@code trailers}. */
    static Http2StreamStats register(io.micrometer.core.instrument.MeterRegistry r, String prefix, String... tags) {
        return new Http2StreamStats(
                Counter.builder(prefix + "rx_reset").tags(tags).register(r),
                Counter.builder(prefix + "tx_reset").tags(tags).register(r),
                Counter.builder(prefix + "stream_refused_errors").tags(tags).register(r),
                Counter.builder(prefix + "trailers").tags(tags).register(r));
    }

    /**
     * A cluster's: as {@link #register}, with its {@code streams_active} gauge over {@code active},
     * and the codec stats Envoy lists per cluster that only its server codec counts (goaway_sent,
     * tx_flush_timeout, the underscore ones), which stay 0. Its rx_reset is the cluster's own counter.
     */
    static Http2StreamStats registerUpstream(io.micrometer.core.instrument.MeterRegistry r, String prefix,
                                             Counter rxReset, java.util.concurrent.atomic.AtomicLong active,
                                             String... tags) {
        io.micrometer.core.instrument.Gauge.builder(prefix + "streams_active", active,
                java.util.concurrent.atomic.AtomicLong::get).tags(tags).register(r);
        for (String never : new String[] {"goaway_sent", "tx_flush_timeout", "dropped_headers_with_underscores",
            "requests_rejected_with_underscores_in_headers"}) {
            Counter.builder(prefix + never).tags(tags).register(r);
        }
        return new Http2StreamStats(rxReset, Counter.builder(prefix + "tx_reset").tags(tags).register(r),
                Counter.builder(prefix + "stream_refused_errors").tags(tags).register(r),
                Counter.builder(prefix + "trailers").tags(tags).register(r));
    }
}
