package io.remora.stats;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;

import java.util.concurrent.atomic.AtomicLong;

/**
 * Envoy's HTTP/2 outbound queue stats (codec_stats.h, protocol_constraints.cc) in a codec's scope
 * ({@code http2.} downstream, {@code cluster.<name>.http2.} upstream): connections cut off for queuing
 * more than {@code max_outbound_frames} frames the peer did not read ({@code outbound_flood}) or
 * more than {@code max_outbound_control_frames} control frames ({@code outbound_control_flood}), the
 * frames (and control frames) queued unwritten now, and the DATA bytes the codec holds for the
 * peer's flow-control windows ({@code pending_send_bytes}) and the streams whose close waits for
 * received data still held for a read-disabled reader ({@code deferred_stream_close}); downstream
 * every connection manager's together, as Envoy's listener scope accumulates them.
 * The never-counted {@code headers_cb_no_stream} (an nghttp2 oddity) and {@code metadata_empty_frames}
 * (METADATA is decoded only with allow_metadata) are listed as Envoy lists them.
 */
public record Http2OutboundStats(Counter outboundFlood, Counter outboundControlFlood, AtomicLong framesActive,
                                 AtomicLong controlFramesActive, AtomicLong pendingSendBytes,
                                 AtomicLong deferredStreamClose) {

    /** The gauges' values: downstream one set per registry, shared by its connection managers. */
    record Gauges(AtomicLong frames, AtomicLong controlFrames, AtomicLong pendingSendBytes,
                  AtomicLong deferredStreamClose) {
        Gauges() {
            this(new AtomicLong(), new AtomicLong(), new AtomicLong(), new AtomicLong());
        }
    }

    /** Downstream once per registry (see {@link StatsRegistry}), upstream once per cluster. */
    static void registerGauges(MeterRegistry r, String prefix, Gauges gauges, String... tags) {
        Gauge.builder(prefix + "outbound_frames_active", gauges.frames(), AtomicLong::get).tags(tags).register(r);
        Gauge.builder(prefix + "outbound_control_frames_active", gauges.controlFrames(), AtomicLong::get).tags(tags)
                .register(r);
        Gauge.builder(prefix + "pending_send_bytes", gauges.pendingSendBytes(), AtomicLong::get).tags(tags).register(r);
        Gauge.builder(prefix + "deferred_stream_close", gauges.deferredStreamClose(), AtomicLong::get).tags(tags)
                .register(r);
    }

    static Http2OutboundStats register(MeterRegistry r, String prefix, Gauges gauges, String... tags) {
        Counter.builder(prefix + "headers_cb_no_stream").tags(tags).register(r);
        Counter.builder(prefix + "metadata_empty_frames").tags(tags).register(r);
        return new Http2OutboundStats(Counter.builder(prefix + "outbound_flood").tags(tags).register(r),
                Counter.builder(prefix + "outbound_control_flood").tags(tags).register(r), gauges.frames(),
                gauges.controlFrames(), gauges.pendingSendBytes(), gauges.deferredStreamClose());
    }
}
