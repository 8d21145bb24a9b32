package io.remora.http.router;

import io.remora.config.HttpConnectionManagerConfig.HeadersWithUnderscoresAction;
import io.remora.config.ResponseHeaderLimits;
import io.remora.http.testing.LeakCheck;
import io.remora.testing.RawH2;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.net.http.HttpResponse;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import static io.remora.http.router.RawH2Upstream.awaitRequest;
import static io.remora.http.router.RawH2Upstream.awaitReset;
import static io.remora.http.router.RawH2Upstream.headers;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What the proxy's HTTP/2 client says to an upstream ({@link RawH2} as the server) against Envoy's
 * codec client over oghttp2: its silence when it closes, its limits on trailers.
 */
class Http2UpstreamCodecTest {
    static {
        LeakCheck.install();
    }

    private RawH2Upstream proxy;

    @AfterEach
    void stop() throws Exception {
        if (proxy != null) {
            proxy.close();
            proxy = null;
        }
        List<String> leaks = LeakCheck.leaks();
        assertTrue(leaks.isEmpty(), () -> "ByteBuf leaks: " + leaks);
    }

    /**
     * oghttp2 drops the GOAWAY Envoy's client submits when it closes a connection it has no more
     * use for (send_goaway_as_client unset): the connection just closes. Was: GOAWAY(NO_ERROR).
     */
    @Test
    void aConnectionClosedForGoodSaysNoGoAway() throws Exception {
        proxy = new RawH2Upstream(b -> b.maxRequestsPerConnection(1));
        CompletableFuture<HttpResponse<String>> r = proxy.get();
        try (RawH2 up = proxy.accept()) {
            int s = awaitRequest(up);
            headers(up, s, true, ":status", "204").flush();
            assertEquals(204, r.get(20, TimeUnit.SECONDS).statusCode());
            RawH2.Ending end = up.awaitEnd();
            assertTrue(end.closed(), "the connection that served its max stayed open");
            assertNull(end.goAway(), "a GOAWAY came before the close");
        }
    }

    /**
     * A connection error's GOAWAY names, as oghttp2's client does (highest_processed_stream_id_), the
     * last stream the proxy opened (was: 0, the last the upstream opened).
     */
    @Test
    void aConnectionErrorsGoAwayNamesTheLastStreamOpened() throws Exception {
        proxy = new RawH2Upstream();
        CompletableFuture<HttpResponse<String>> first = proxy.get();
        try (RawH2 up = proxy.accept()) {
            int s = awaitRequest(up);
            CompletableFuture<HttpResponse<String>> second = proxy.get();
            int s2 = awaitRequest(up);
            up.windowUpdate(0, 0x7fffffff).flush(); // overflows the connection window
            RawH2.Frame f = awaitReset(up);
            assertNotNull(f, "no GOAWAY");
            assertEquals(RawH2.GOAWAY, f.type());
            assertEquals(RawH2.FLOW_CONTROL_ERROR, f.goAwayError());
            assertEquals(Math.max(s, s2), f.goAwayLastStreamId());
            assertEquals(502, first.get(20, TimeUnit.SECONDS).statusCode());
            assertEquals(502, second.get(20, TimeUnit.SECONDS).statusCode());
        }
    }

    /**
     * Envoy's saveHeader holds a trailer section to max_headers_count on its own, as a head: past
     * it the stream is reset (oghttp2's HEADER_RST_STREAM: INTERNAL_ERROR), http2.header_overflow
     * counts it, and the response already begun is cut off (was: forwarded). At the limit it passes.
     */
    @Test
    void trailersPastMaxHeadersCountResetTheStream() throws Exception {
        ResponseHeaderLimits two = new ResponseHeaderLimits(2, 60 * 1024, HeadersWithUnderscoresAction.ALLOW);
        for (boolean past : List.of(false, true)) {
            stop();
            proxy = new RawH2Upstream(b -> b.responseHeaderLimits(two));
            CompletableFuture<HttpResponse<String>> r = proxy.get();
            try (RawH2 up = proxy.accept()) {
                int s = awaitRequest(up);
                headers(up, s, false, ":status", "200").frame(RawH2.DATA, 0, s, new byte[] {'o', 'k'});
                if (past) {
                    headers(up, s, true, "x-a", "1", "x-b", "2", "x-c", "3").flush();
                    RawH2.Frame f = awaitReset(up);
                    assertNotNull(f, "no RST_STREAM");
                    assertEquals(RawH2.RST_STREAM, f.type());
                    assertEquals(s, f.streamId());
                    assertEquals(RawH2.INTERNAL_ERROR, f.rstError());
                    ExecutionException e = assertThrows(ExecutionException.class, () -> r.get(20, TimeUnit.SECONDS));
                    assertTrue(e.getCause() instanceof java.io.IOException, e.toString());
                    assertTrue(up.pingPong(5), "the connection lives on");
                } else {
                    headers(up, s, true, "x-a", "1", "x-b", "2").flush();
                    HttpResponse<String> resp = r.get(20, TimeUnit.SECONDS);
                    assertEquals(200, resp.statusCode());
                    assertEquals("ok", resp.body());
                }
            }
            assertEquals(past ? 1 : 0, proxy.stats().http2HeaderOverflow.count(), "past: " + past);
        }
    }
}
