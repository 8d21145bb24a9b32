package io.remora.tracing;

import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.Http2Headers;
import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/** dd-trace-cpp's rules the proxy's Datadog span follows: merging styles, bad input, the tracestate member. */
class DatadogTraceTest {

    private static final long NOW = 1_700_000_000_000_000_000L;

    private static Http2Headers headers(String... kv) {
        Http2Headers h = new DefaultHttp2Headers();
        for (int i = 0; i < kv.length; i += 2) {
            h.add(kv[i], kv[i + 1]);
        }
        return h;
    }

    private static DatadogTrace start(Http2Headers h) {
        return DatadogTrace.start(h, () -> fail("an incoming priority stands"), NOW);
    }

    private static Map<String, String> tags(DatadogTrace t) {
        Map<String, String> tags = new LinkedHashMap<>();
        t.tag(tags);
        return tags;
    }

    @Test
    void w3cOfTheSameTraceGivesTheParentAndTheDatadogParentIsKept() {
        DatadogTrace t = start(headers("x-datadog-trace-id", Long.toUnsignedString(0xa3ce929d0e0e4736L),
                "x-datadog-parent-id", "5", "x-datadog-sampling-priority", "1",
                "x-datadog-tags", "_dd.p.tid=4bf92f3577b34da6",
                "traceparent", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
                "tracestate", "foo=1,dd=s:1;p:00000000000000aa;x:y,bar=2"));
        assertEquals("4bf92f3577b34da6a3ce929d0e0e4736", t.traceId());
        assertEquals("00f067aa0ba902b7", t.parentId());
        assertEquals("00000000000000aa", tags(t).get("_dd.parent_id"));
        Http2Headers out = headers();
        t.inject(out);
        assertEquals("dd=s:1;p:" + t.spanId() + ";x:y,foo=1,bar=2", out.get("tracestate").toString());
        assertEquals("_dd.p.tid=4bf92f3577b34da6", out.get("x-datadog-tags").toString());
    }

    @Test
    void anotherW3cTraceIsIgnored() {
        DatadogTrace t = start(headers("x-datadog-trace-id", "10", "x-datadog-parent-id", "5",
                "x-datadog-sampling-priority", "0",
                "traceparent", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", "tracestate", "foo=1"));
        assertEquals("0000000000000000000000000000000a", t.traceId());
        assertEquals("0000000000000005", t.parentId());
        Http2Headers out = headers();
        t.inject(out);
        assertEquals("dd=s:0;p:" + t.spanId(), out.get("tracestate").toString());
        assertTrue(out.get("traceparent").toString().endsWith("-00"));
        assertFalse(t.kept());
    }

    @Test
    void malformedOrIncompleteContextStartsANewTrace() {
        for (Http2Headers h : new Http2Headers[] {
                headers("x-datadog-trace-id", "12ab", "x-datadog-parent-id", "5", "x-datadog-sampling-priority", "1"),
                headers("x-datadog-trace-id", "12", "x-datadog-sampling-priority", "1"),
                headers("x-datadog-parent-id", "5", "x-datadog-sampling-priority", "1"),
                headers("x-datadog-trace-id", "0", "x-datadog-parent-id", "5", "x-datadog-sampling-priority", "1")}) {
            DatadogTrace t = DatadogTrace.start(h, () -> true, NOW);
            assertNull(t.parentId(), h.toString());
            assertEquals(t.traceId().substring(16), t.spanId(), "a root's span id is the trace id's low half");
            assertEquals(Long.toHexString(NOW / 1_000_000_000L) + "00000000", t.traceId().substring(0, 16));
            assertEquals("1", tags(t).get("_sampling_priority_v1"));
            assertEquals("-0", tags(t).get("_dd.p.dm"));
        }
    }

    @Test
    void anOriginWithoutParentMakesThisTheRootOfTheCallersTrace() {
        DatadogTrace t = start(headers("x-datadog-trace-id", "42", "x-datadog-origin", "synthetics",
                "x-datadog-sampling-priority", "1"));
        assertEquals("0000000000000000000000000000002a", t.traceId());
        assertNull(t.parentId());
        assertEquals("synthetics", tags(t).get("_dd.origin"));
    }

    @Test
    void tracestatePriorityWinsUnlessItContradictsTheSampledFlag() {
        String tp = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-";
        Http2Headers out = headers();
        start(headers("traceparent", tp + "01", "tracestate", "dd=s:2;o:rum;t.dm:-4;t.usr:a~b")).inject(out);
        assertEquals("2", out.get("x-datadog-sampling-priority").toString());
        assertEquals("rum", out.get("x-datadog-origin").toString());
        assertEquals("_dd.p.dm=-4,_dd.p.usr=a=b,_dd.p.tid=4bf92f3577b34da6", out.get("x-datadog-tags").toString());
        out = headers();
        start(headers("traceparent", tp + "00", "tracestate", "dd=s:2")).inject(out);
        assertEquals("0", out.get("x-datadog-sampling-priority").toString());
    }

    @Test
    void oversizedTagsAreDroppedAndSaidSo() {
        DatadogTrace t = start(headers("x-datadog-trace-id", "1", "x-datadog-parent-id", "2",
                "x-datadog-sampling-priority", "1", "x-datadog-tags", "_dd.p.x=" + "v".repeat(600)));
        assertEquals("extract_max_size", tags(t).get("_dd.propagation_error"));
        // Within tracestate's 512 bytes, over them as x-datadog-tags ("_dd.p." for "t.", and the id's high half).
        t = start(headers("traceparent", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
                "tracestate", "dd=s:1;t.a:" + "v".repeat(240) + ";t.b:" + "w".repeat(240)));
        Http2Headers out = headers();
        t.inject(out);
        assertNull(out.get("x-datadog-tags"), "over 512 bytes once encoded");
        assertEquals("inject_max_size", tags(t).get("_dd.propagation_error"));
        assertEquals("dd=s:1;p:" + t.spanId(), out.get("tracestate").toString(), "the member is cut at 256");
    }
}
