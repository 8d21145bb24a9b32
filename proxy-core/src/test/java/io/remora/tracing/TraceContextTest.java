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

    /** Envoy's SpanContextExtractor (OpenTelemetry, Fluentd): what it refuses, the tracer starts no span for. */
    @Test
    void invalidTraceparentsAreRefused() {
        assertNull(TraceContext.extractTraceparent(headers("traceparent", "00-00000000000000000000000000000000-00f067aa0ba902b7-01")));
        assertNull(TraceContext.extractTraceparent(headers("traceparent", "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01")));
        assertNull(TraceContext.extractTraceparent(headers("traceparent", "00-4bf92f3577b34da6a3ce929d0e0e473-00f067aa0ba902b7-01")));
        assertNull(TraceContext.extractTraceparent(headers("traceparent", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-x")));
        assertNull(TraceContext.extractTraceparent(headers("traceparent", "01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-extra")),
                "Envoy reads 55 characters, whatever the version");
        assertNull(TraceContext.extractTraceparent(headers("traceparent", "000-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-1")));
        assertNull(TraceContext.extractTraceparent(headers("x-b3-traceid", "a3ce929d0e0e4736", "x-b3-spanid", "00f067aa0ba902b7")),
                "B3 is not read");
        assertNull(TraceContext.extractB3(headers("x-b3-traceid", "xyz", "x-b3-spanid", "00f067aa0ba902b7")));
    }

    @Test
    void theFlagsCarryTheDecisionAndTracestatesAreJoined() {
        TraceContext c = TraceContext.extractTraceparent(headers(
                "traceparent", "ff-4BF92F3577B34DA6A3CE929D0E0E4736-00F067AA0BA902B7-00",
                "tracestate", "a=1", "tracestate", "b=2"));
        assertEquals("4bf92f3577b34da6a3ce929d0e0e4736", c.traceId());
        assertEquals("00f067aa0ba902b7", c.spanId());
        assertEquals(Boolean.FALSE, c.sampled());
        assertEquals("a=1,b=2", c.traceState());
        assertEquals(Boolean.TRUE, TraceContext.extractTraceparent(headers(
                "traceparent", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-03")).sampled());
    }

    @Test
    void b3DebugFlagSamplesAndMissingSampledLeavesTheDecisionOpen() {
        assertEquals(Boolean.TRUE, TraceContext.extractB3(headers("x-b3-traceid", "a3ce929d0e0e4736",
                "x-b3-spanid", "00f067aa0ba902b8", "x-b3-flags", "1")).sampled());
        assertNull(TraceContext.extractB3(headers("x-b3-traceid", "a3ce929d0e0e4736",
                "x-b3-spanid", "00f067aa0ba902b8")).sampled());
        assertEquals(Boolean.TRUE, TraceContext.extractB3(headers("b3", "a3ce929d0e0e4736-00f067aa0ba902b8-d")).sampled());
    }

    /** Envoy's OpenTelemetry span injects tracestate only when it has one: an empty header is not passed on. */
    @Test
    void anEmptyTracestateIsNotInjected() {
        TraceContext c = TraceContext.extractTraceparent(headers(
                "traceparent", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", "tracestate", ""));
        Http2Headers out = headers();
        TraceContext.injectTraceparent(out, c.traceId(), "00f067aa0ba902b8", true, c.traceState());
        assertEquals("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b8-01", out.get("traceparent").toString());
        assertNull(out.get("tracestate"));
        TraceContext.injectTraceparent(out, c.traceId(), "00f067aa0ba902b8", true, "a=1");
        assertEquals("a=1", out.get("tracestate").toString());
    }
}
