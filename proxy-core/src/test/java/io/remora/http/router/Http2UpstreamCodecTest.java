package io.remora.http.router;

import io.remora.config.Http2Options;
import io.remora.config.ResponseHeaderLimits;
import io.remora.http.testing.LeakCheck;
import io.remora.testing.RawH2;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.net.http.HttpResponse;
import java.util.List;
import java.util.Map;
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
 * codec client over oghttp2: its SETTINGS, its silence when it closes, its limits on trailers.
 */
class Http2UpstreamCodecTest {
    static {
        LeakCheck.install();
    }

    private static final int HEADER_TABLE_SIZE = 1, ENABLE_PUSH = 2, MAX_CONCURRENT_STREAMS = 3,
            INITIAL_WINDOW_SIZE = 4, ENABLE_CONNECT_PROTOCOL = 8;

    private RawH2Upstream proxy;

    @AfterEach
    void stop() throws Exception {
        RawH2Upstream.closeCheckingLeaks(proxy);
        proxy = null;
    }

    /**
     * The proxy's first SETTINGS, the WINDOW_UPDATE on stream 0 behind it (0 when none came before
     * the request) and the request's stream.
     */
    private record Preface(Map<Integer, Long> settings, long connectionWindowIncrement, int stream) {
    }

    private static Preface preface(RawH2 up) throws Exception {
        Map<Integer, Long> settings = null;
        long increment = 0;
        int stream = -1;
        for (RawH2.Frame f = up.read(); f != null; f = up.read()) {
            if (f.type() == RawH2.SETTINGS && (f.flags() & 1) == 0) {
                settings = RawH2.settingsOf(f);
                up.settingsAck().flush();
            } else if (f.type() == RawH2.WINDOW_UPDATE && f.streamId() == 0) {
                byte[] p = f.payload();
                increment = ((p[0] & 0x7fL) << 24) | ((p[1] & 0xff) << 16) | ((p[2] & 0xff) << 8) | (p[3] & 0xff);
            } else if (f.type() == RawH2.HEADERS) {
                stream = f.streamId();
                break;
            }
        }
        assertNotNull(settings, "no SETTINGS from the proxy");
        return new Preface(settings, increment, stream);
    }

    /**
     * Envoy's client SETTINGS (ConnectionImpl::sendSettingsHelper): ENABLE_PUSH 0, HEADER_TABLE_SIZE,
     * ENABLE_CONNECT_PROTOCOL, MAX_CONCURRENT_STREAMS and INITIAL_WINDOW_SIZE from the cluster's
     * http2_protocol_options (unset: 1,024 streams, a 16 MiB stream window), no MAX_HEADER_LIST_SIZE
     * (oghttp2 keeps max_response_headers_kb to itself); then a WINDOW_UPDATE raising the connection
     * window to initial_connection_window_size (24 MiB unset). Was: Netty's 100 streams and an
     * advertised header list size.
     */
    @Test
    void theSettingsAreTheClustersOptions() throws Exception {
        proxy = new RawH2Upstream();
        CompletableFuture<HttpResponse<String>> r = proxy.get();
        try (RawH2 up = proxy.accept()) {
            Preface p = preface(up);
            assertEquals(Map.of(ENABLE_PUSH, 0L, HEADER_TABLE_SIZE, 4096L, ENABLE_CONNECT_PROTOCOL, 0L,
                    MAX_CONCURRENT_STREAMS, 1024L, INITIAL_WINDOW_SIZE, 16L << 20), p.settings());
            assertEquals((24L << 20) - 65535, p.connectionWindowIncrement());
            headers(up, p.stream(), true, ":status", "204").flush();
            assertEquals(204, r.get(20, TimeUnit.SECONDS).statusCode());
        }
        stop();
        Http2Options set = Http2Options.builder().maxConcurrentStreams(7).initialStreamWindowSize(1 << 20)
                .initialConnectionWindowSize(2 << 20).hpackTableSize(0).allowConnect(true).build();
        proxy = new RawH2Upstream(b -> b.http2Options(set));
        r = proxy.get();
        try (RawH2 up = proxy.accept()) {
            Preface p = preface(up);
            assertEquals(Map.of(ENABLE_PUSH, 0L, HEADER_TABLE_SIZE, 0L, ENABLE_CONNECT_PROTOCOL, 1L,
                    MAX_CONCURRENT_STREAMS, 7L, INITIAL_WINDOW_SIZE, 1L << 20), p.settings());
            assertEquals((2L << 20) - 65535, p.connectionWindowIncrement());
            // The table size is down to 0 from HPACK's 4,096: the block starts by saying so (RFC 7541 4.2).
            byte[] block = RawH2.block(":status", "204");
            byte[] sized = new byte[block.length + 1];
            sized[0] = 0x20;
            System.arraycopy(block, 0, sized, 1, block.length);
            up.frame(RawH2.HEADERS, 0x5, p.stream(), sized).flush();
            assertEquals(204, r.get(20, TimeUnit.SECONDS).statusCode());
        }
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
        ResponseHeaderLimits two = new ResponseHeaderLimits(2, 60 * 1024);
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

    /**
     * oghttp2 takes any three digits as :status and Envoy's router passes the response on whatever
     * its code: 600 is the client's final status, "Unknown" its reason over HTTP/1.1, counted in
     * upstream_rq_unknown. Was: counted in no code stat.
     */
    @Test
    void aStatusOf600GoesOn() throws Exception {
        proxy = new RawH2Upstream();
        CompletableFuture<HttpResponse<String>> r = proxy.get();
        try (RawH2 up = proxy.accept()) {
            int s = awaitRequest(up);
            headers(up, s, false, ":status", "600", "content-length", "2")
                    .frame(RawH2.DATA, 1, s, new byte[] {'o', 'k'}).flush();
            HttpResponse<String> resp = r.get(20, TimeUnit.SECONDS);
            assertEquals(600, resp.statusCode());
            assertEquals("ok", resp.body());
        }
        String stats = io.remora.stats.EnvoyStatsFormat.text(proxy.ctx.stats.meterRegistry(), false, null);
        assertTrue(stats.contains("cluster.raw.upstream_rq_unknown: 1\n"), stats);
    }
}
