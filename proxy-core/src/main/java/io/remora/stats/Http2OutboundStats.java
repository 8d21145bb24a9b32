package io.remora.stats;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;

import java.util.concurrent.atomic.AtomicLong;

/**
 * Envoy's HTTP/2 outbound queue stats (codec_stats.h, protocol_constraints.cc) in the downstream
 * codecs' scope {@code http2.}: connections cut off for queuing more than {@code max_outbound_frames}
 * frames the peer did not read ({@code outbound_flood}), and the frames (and control frames) queued
 * unwritten now, every connection manager's together as Envoy's listener scope accumulates them.
 * The never-counted {@code headers_cb_no_stream} (an nghttp2 oddity) and {@code metadata_empty_frames}
 * (METADATA is decoded only with allow_metadata) are listed as Envoy lists them.
 */
public record Http2OutboundStats(Counter outboundFlood, AtomicLong framesActive, AtomicLong controlFramesActive) {

    /** The gauges' values: one pair per registry, shared by its connection managers. */
    record Gauges(AtomicLong frames, AtomicLong controlFrames) {
        Gauges() {
            this(new AtomicLong(), new AtomicLong());
        }
    }

    /** Once per registry (see {@link StatsRegistry}); the counters come with each connection manager's stats. */
    static void registerGauges(MeterRegistry r, String prefix, Gauges gauges) {
        Gauge.builder(prefix + "outbound_frames_active", gauges.frames(), AtomicLong::get).register(r);
        Gauge.builder(prefix + "outbound_control_frames_active", gauges.controlFrames(), AtomicLong::get).register(r);
    }

    static Http2OutboundStats register(MeterRegistry r, String prefix, Gauges gauges) {
        Counter.builder(prefix + "headers_cb_no_stream").register(r);
        Counter.builder(prefix + "metadata_empty_frames").register(r);
        return new Http2OutboundStats(Counter.builder(prefix + "outbound_flood").register(r), gauges.frames(),
                gauges.controlFrames());
    }
}
