package io.remora.tracing;

import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.Http2Headers;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

class TraceContextTest {

    private static Http2Headers headers(String... kv) {
        Http2Headers h = new DefaultHttp2Headers();
        for (int i = 0; i < kv.length; i += 2) {
            h.add(kv[i], kv[i + 1]);
        }
        return h;
    }

    @Test
    void invalidTraceparentsAreIgnored() {
        assertNull(TraceContext.extract(headers("traceparent", "00-00000000000000000000000000000000-00f067aa0ba902b7-01")));
        assertNull(TraceContext.extract(headers("traceparent", "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01")));
        assertNull(TraceContext.extract(headers("traceparent", "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01")));
        assertNull(TraceContext.extract(headers("traceparent", "00-4bf92f3577b34da6a3ce929d0e0e473-00f067aa0ba902b7-01")));
        assertNull(TraceContext.extract(headers("traceparent", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-x")));
        assertNull(TraceContext.extract(headers("x-b3-traceid", "xyz", "x-b3-spanid", "00f067aa0ba902b7")));
    }

    @Test
    void w3cWinsOverB3AndFlagsCarryTheDecision() {
        TraceContext c = TraceContext.extract(headers(
                "traceparent", "00-4BF92F3577B34DA6A3CE929D0E0E4736-00F067AA0BA902B7-00",
                "x-b3-traceid", "a3ce929d0e0e4736", "x-b3-spanid", "00f067aa0ba902b8"));
        assertEquals("4bf92f3577b34da6a3ce929d0e0e4736", c.traceId());
        assertEquals(Boolean.FALSE, c.sampled());
        assertEquals(TraceContext.Format.W3C, c.format());
        // A later version keeps the layout; extra fields are allowed there.
        assertEquals("00f067aa0ba902b7", TraceContext.extract(headers(
                "traceparent", "01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-extra")).spanId());
    }

    @Test
    void b3DebugFlagSamplesAndMissingSampledLeavesTheDecisionOpen() {
        assertEquals(Boolean.TRUE, TraceContext.extract(headers("x-b3-traceid", "a3ce929d0e0e4736",
                "x-b3-spanid", "00f067aa0ba902b8", "x-b3-flags", "1")).sampled());
        assertNull(TraceContext.extract(headers("x-b3-traceid", "a3ce929d0e0e4736",
                "x-b3-spanid", "00f067aa0ba902b8")).sampled());
        assertEquals(Boolean.TRUE, TraceContext.extract(headers("b3", "a3ce929d0e0e4736-00f067aa0ba902b8-d")).sampled());
    }
}
