package io.remora.accesslog;

import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.util.AsciiString;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The request line and forwarding headers StreamInfo keeps as values and turns into Strings on demand. */
class StreamInfoTest {

    @Test
    void keepsTheValuesAsReceivedWhateverTheMapDoesLater() {
        Http2Headers h = new DefaultHttp2Headers(false);
        h.method(AsciiString.of("POST")).path(AsciiString.of("/a?b=1")).authority(AsciiString.of("svc:8080"));
        h.add("user-agent", AsciiString.of("curl/8"));
        StreamInfo i = new StreamInfo();
        i.requestLine(h);
        h.authority("rewritten").path("/b").set("user-agent", "other");
        StringBuilder xff = new StringBuilder("10.0.0.1");
        h.set("x-forwarded-for", xff);
        h.set("x-request-id", AsciiString.of("cc21d9b0-cf5c-432b-8c7e-98aeb7988cd2"));
        i.forwarding(h);
        xff.append(",10.0.0.2"); // a mutable value is copied when kept, not seen changing afterwards

        assertEquals("POST", i.method());
        assertEquals("/a?b=1", i.path());
        assertEquals("svc:8080", i.authority());
        assertEquals("curl/8", i.userAgent());
        assertEquals("10.0.0.1", i.forwardedFor());
        assertEquals("cc21d9b0-cf5c-432b-8c7e-98aeb7988cd2", i.requestId());
        assertSame(i.method(), i.method(), "the String is made once");
        i.path(h.path());
        assertEquals("/b", i.path());
    }

    /**
     * Envoy's stream info keeps its flags in a list, a flag set again staying where it was, and
     * ResponseFlagUtils prints that list: the order the flags were set in.
     */
    @Test
    void responseFlagsInTheOrderTheyWereSet() {
        StreamInfo i = new StreamInfo();
        assertEquals("-", i.responseFlagsString());
        assertTrue(i.flags().isEmpty());
        i.setFlag(ResponseFlag.UPSTREAM_RETRY_LIMIT_EXCEEDED);
        i.setFlag(ResponseFlag.NO_HEALTHY_UPSTREAM);
        i.setFlag(ResponseFlag.UPSTREAM_RETRY_LIMIT_EXCEEDED);
        assertEquals("URX,UH", i.responseFlagsString());
        assertEquals("UpstreamRetryLimitExceeded,NoHealthyUpstream", i.responseFlagsLongString());
        StreamInfo timedOut = new StreamInfo();
        timedOut.setFlag(ResponseFlag.UPSTREAM_REQUEST_TIMEOUT);
        timedOut.setFlag(ResponseFlag.UPSTREAM_RETRY_LIMIT_EXCEEDED);
        assertEquals("UT,URX", timedOut.responseFlagsString());
        assertEquals(java.util.EnumSet.of(ResponseFlag.NO_HEALTHY_UPSTREAM, ResponseFlag.UPSTREAM_RETRY_LIMIT_EXCEEDED),
                i.flags());
        assertTrue(i.hasFlag(ResponseFlag.NO_HEALTHY_UPSTREAM));
        assertFalse(i.hasFlag(ResponseFlag.UPSTREAM_REQUEST_TIMEOUT));
        ResponseFlag last = ResponseFlag.values()[ResponseFlag.values().length - 1];
        i.setFlag(last);
        assertTrue(i.hasFlag(last));
        assertEquals("URX,UH," + last.code, i.responseFlagsString());
        i.restartForInternalRedirect();
        i.setFlag(ResponseFlag.NO_ROUTE_FOUND);
        assertEquals("NR", i.responseFlagsString(), "a redirect's pass starts its flags afresh");
        // Twelve flags keep their order (Envoy expects no more than four on a stream).
        StreamInfo twelve = new StreamInfo();
        ResponseFlag[] flags = ResponseFlag.values();
        StringBuilder expected = new StringBuilder();
        for (int k = 11; k >= 0; k--) {
            twelve.setFlag(flags[k]);
            expected.append(expected.length() == 0 ? "" : ",").append(flags[k].code);
        }
        assertEquals(expected.toString(), twelve.responseFlagsString(), "in the order set");
    }

    @Test
    void absentHeadersStayNull() {
        StreamInfo i = new StreamInfo();
        i.requestLine(new DefaultHttp2Headers(false));
        i.forwarding(new DefaultHttp2Headers(false));
        assertNull(i.method());
        assertNull(i.path());
        assertNull(i.authority());
        assertNull(i.userAgent());
        assertNull(i.forwardedFor());
        assertNull(i.requestId());
    }
}
