package io.remora.stats;

import io.micrometer.core.instrument.Counter;

/**
 * Envoy's HTTP/2 inbound flood stats, in a codec's scope ({@code http2.} downstream,
 * {@code cluster.<name>.http2.} upstream): connections cut off for each limit.
 */
public record Http2FloodStats(Counter inboundEmptyFramesFlood, Counter inboundPriorityFramesFlood,
                              Counter inboundWindowUpdateFramesFlood) {

    /** The three counters named {@code <prefix>inbound_..._flood}, with these tags. */
    static Http2FloodStats register(io.micrometer.core.instrument.MeterRegistry r, String prefix, String... tags) {
        return new Http2FloodStats(
                Counter.builder(prefix + "inbound_empty_frames_flood").tags(tags).register(r),
                Counter.builder(prefix + "inbound_priority_frames_flood").tags(tags).register(r),
                Counter.builder(prefix + "inbound_window_update_frames_flood").tags(tags).register(r));
    }
}
