package io.remora.http.router;

import io.remora.http.testing.LeakCheck;
import io.remora.stats.ClusterStats;
import io.remora.testing.RawH2;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.net.ServerSocket;
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
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A misbehaving HTTP/2 upstream ({@link RawH2} as the server) through a real listener and route,
 * against what Envoy's codec client does with its default codec, oghttp2: a response head that is
 * invalid (no or a malformed :status, a 1xx ending the stream) is a messaging error that costs the
 * connection (502 protocol error, not a hang); a connection error of the upstream's fails every
 * stream in flight as a protocol error and counts upstream_cx_protocol_error; a body that breaks
 * its content-length, or a stream's window overflowed, resets that stream alone (a remote reset).
 */
class Http2UpstreamFaultsTest {
    static {
        LeakCheck.install();
    }

    private static final String PROTOCOL_ERROR_BODY =
            "upstream connect error or disconnect/reset before headers. reset reason: protocol error";
    private RawH2Upstream proxy;
    private ServerSocket upstream;

    @AfterEach
    void stop() throws Exception {
        RawH2Upstream.closeCheckingLeaks(proxy);
        proxy = null;
    }

    /** A fresh listener, route and pool to a fresh raw upstream. */
    private ClusterStats start() throws Exception {
        stop();
        proxy = new RawH2Upstream();
        upstream = proxy.upstream;
        return proxy.stats();
    }

    private CompletableFuture<HttpResponse<String>> get() {
        return proxy.get();
    }

    private static void assertProtocolError(CompletableFuture<HttpResponse<String>> r, String what) throws Exception {
        HttpResponse<String> resp = r.get(20, TimeUnit.SECONDS);
        assertEquals(502, resp.statusCode(), what);
        assertEquals(PROTOCOL_ERROR_BODY, resp.body(), what);
    }

    /**
     * oghttp2's header validator refuses a response head without :status, with one that is not
     * three digits or is 101, a 1xx that ends the stream, and a 204 with a content-length other
     * than 0, a value with a control character other than HTAB: messaging errors, which cost the connection by default. These heads once reached the
     * router: the request hung until its route timeout (504), or the 204 went on with its length.
     */
    @Test
    void aResponseHeadWithoutAValidStatusIsAProtocolError() throws Exception {
        List<String[]> heads = List.of(new String[] {"x", "y"}, new String[] {":status", "20"},
                new String[] {":status", "2000"}, new String[] {":status", "abc"}, new String[] {":status", "101"},
                new String[] {":status", "100"}, new String[] {":status", "204", "content-length", "5"},
                new String[] {":status", "200", "x-a", "a\u0001b"}, new String[] {":status", "200", "x-a", "a\u007f"});
        for (String[] head : heads) {
            String what = String.join(" ", head);
            ClusterStats stats = start();
            CompletableFuture<HttpResponse<String>> r = get();
            try (RawH2 up = RawH2.accept(upstream)) {
                int s = awaitRequest(up);
                headers(up, s, true, head).flush();
                RawH2.Frame f = awaitReset(up);
                assertNotNull(f, what + ": neither RST_STREAM nor GOAWAY");
                assertEquals(RawH2.GOAWAY, f.type(), what);
                assertEquals(RawH2.PROTOCOL_ERROR, f.goAwayError(), what);
                assertProtocolError(r, what);
            }
            assertEquals(1, stats.http2RxMessagingError.count(), what);
            assertEquals(1, stats.upstreamCxProtocolError.count(), what);
        }
    }

    /**
     * A connection error of the upstream's (a broken HPACK block, a PUSH_PROMISE after our
     * ENABLE_PUSH 0, a connection window overflowed), and an invalid response head that costs the
     * connection, fail Envoy's dispatch: its codec client counts upstream_cx_protocol_error and
     * resets every stream still in flight as a protocol error, the other stream too (was: 503
     * connection termination, uncounted).
     */
    @Test
    void aConnectionErrorFailsEveryStreamInFlightAsAProtocolError() throws Exception {
        record Fault(String what, int goAwayError, boolean messaging, java.util.function.ObjIntConsumer<RawH2> send) {
        }
        List<Fault> faults = List.of(
                new Fault("HPACK index past the table", RawH2.COMPRESSION_ERROR, false,
                        (up, s) -> up.frame(RawH2.HEADERS, 0x5, s, new byte[] {(byte) 0xff, (byte) 0xff, 0x7f})),
                new Fault("PUSH_PROMISE", RawH2.PROTOCOL_ERROR, false, (up, s) -> {
                    byte[] block = RawH2.block(":method", "GET", ":scheme", "http", ":path", "/pushed", ":authority", "a");
                    byte[] p = new byte[4 + block.length];
                    p[3] = 2;
                    System.arraycopy(block, 0, p, 4, block.length);
                    up.frame(RawH2.PUSH_PROMISE, 0x4, s, p);
                }),
                new Fault("connection window overflow", RawH2.FLOW_CONTROL_ERROR, false,
                        (up, s) -> up.windowUpdate(0, 0x7fffffff)),
                new Fault("upper-case response header", RawH2.PROTOCOL_ERROR, true,
                        (up, s) -> headers(up, s, true, ":status", "200", "X-Upper", "v")));
        for (Fault fault : faults) {
            ClusterStats stats = start();
            CompletableFuture<HttpResponse<String>> first = get();
            try (RawH2 up = RawH2.accept(upstream)) {
                int s = awaitRequest(up);
                CompletableFuture<HttpResponse<String>> second = get();
                assertTrue(awaitRequest(up) > s, fault.what + ": the second request shares the connection");
                fault.send.accept(up, s);
                up.flush();
                RawH2.Frame f = awaitReset(up);
                assertNotNull(f, fault.what + ": no GOAWAY");
                assertEquals(RawH2.GOAWAY, f.type(), fault.what);
                assertEquals(fault.goAwayError, f.goAwayError(), fault.what);
                assertProtocolError(first, fault.what);
                assertProtocolError(second, fault.what + " (the other stream)");
            }
            assertEquals(1, stats.upstreamCxProtocolError.count(), fault.what);
            assertEquals(fault.messaging ? 1 : 0, stats.http2RxMessagingError.count(), fault.what);
        }
    }

    /**
     * RST_STREAM REFUSED_STREAM before the response is a refused stream (503, what retry_on
     * refused-stream retries), any other code a remote reset; both count cluster.&lt;name&gt;.http2.rx_reset
     * (Envoy's codec stat) and upstream_rq_rx_reset, and the connection serves on.
     */
    @Test
    void aResetIsARefusedStreamOrARemoteResetCountedInRxReset() throws Exception {
        for (int code : List.of(RawH2.REFUSED_STREAM, RawH2.INTERNAL_ERROR)) {
            ClusterStats stats = start();
            CompletableFuture<HttpResponse<String>> r = get();
            try (RawH2 up = RawH2.accept(upstream)) {
                up.rst(awaitRequest(up), code).flush();
                HttpResponse<String> resp = r.get(20, TimeUnit.SECONDS);
                assertEquals(503, resp.statusCode());
                assertEquals("upstream connect error or disconnect/reset before headers. reset reason: "
                        + (code == RawH2.REFUSED_STREAM ? "remote refused stream reset" : "remote reset"), resp.body());
                assertTrue(up.pingPong(3), "the connection lives on");
            }
            assertEquals(1, stats.http2RxReset.count());
            assertEquals(1, stats.upstreamRqRxReset.count());
            assertEquals("cluster.raw.http2.rx_reset", io.remora.stats.StatNames.envoyName(stats.http2RxReset.getId()));
        }
    }

    /**
     * DATA past the response's content-length, or END_STREAM short of it on a DATA frame, is
     * oghttp2's HandleContentLengthError from a DATA frame: RST_STREAM(PROTOCOL_ERROR) on that stream
     * and nothing said to the codec, so no messaging error and the connection serves on (was: GOAWAY,
     * the connection and its other streams lost). A stream's WINDOW_UPDATE overflowing its window is
     * RST_STREAM(FLOW_CONTROL_ERROR), which Envoy's onStreamClose reports as a remote reset (was: 502
     * protocol error). Each of those resets counts in cluster.&lt;name&gt;.http2.tx_reset, and a stream
     * in cluster.&lt;name&gt;.http2.streams_active until its close (were not kept upstream).
     */
    @Test
    void aBodyOrWindowFaultResetsOnlyItsStream() throws Exception {
        for (boolean past : List.of(true, false)) {
            String what = past ? "DATA past content-length" : "END_STREAM short of content-length";
            ClusterStats stats = start();
            CompletableFuture<HttpResponse<String>> r = get();
            try (RawH2 up = RawH2.accept(upstream)) {
                int s = awaitRequest(up);
                headers(up, s, false, ":status", "200", "content-length", past ? "1" : "3")
                        .frame(RawH2.DATA, 1, s, new byte[] {'a', 'b'}).flush();
                RawH2.Frame f = awaitReset(up);
                assertNotNull(f, what + ": no RST_STREAM");
                assertEquals(RawH2.RST_STREAM, f.type(), what);
                assertEquals(s, f.streamId(), what);
                assertEquals(RawH2.PROTOCOL_ERROR, f.rstError(), what);
                ExecutionException e = assertThrows(ExecutionException.class, () -> r.get(20, TimeUnit.SECONDS));
                assertTrue(e.getCause() instanceof java.io.IOException, what + ": " + e);
                // The connection serves the next request.
                CompletableFuture<HttpResponse<String>> next = get();
                int s2 = awaitRequest(up);
                assertTrue(s2 > s, what);
                headers(up, s2, true, ":status", "204").flush();
                assertEquals(204, next.get(20, TimeUnit.SECONDS).statusCode(), what);
            }
            assertEquals(0, stats.http2RxMessagingError.count(), what);
            assertEquals(0, stats.upstreamCxProtocolError.count(), what);
            // Envoy's onFrameSend: the proxy's RST_STREAM counts in the cluster's http2.tx_reset.
            assertEquals(1, stats.http2Streams.txReset().count(), what);
            assertEquals(0, stats.http2Streams.rxReset().count(), what);
        }
        ClusterStats stats = start();
        CompletableFuture<HttpResponse<String>> r = get();
        try (RawH2 up = RawH2.accept(upstream)) {
            int s = awaitRequest(up);
            assertEquals(1, stats.http2StreamsActive.get(), "cluster.raw.http2.streams_active");
            up.windowUpdate(s, 0x7fffffff).flush();
            RawH2.Frame f = awaitReset(up);
            assertNotNull(f, "no RST_STREAM");
            assertEquals(RawH2.RST_STREAM, f.type());
            assertEquals(RawH2.FLOW_CONTROL_ERROR, f.rstError());
            HttpResponse<String> resp = r.get(20, TimeUnit.SECONDS);
            assertEquals(503, resp.statusCode());
            assertEquals("upstream connect error or disconnect/reset before headers. reset reason: remote reset",
                    resp.body());
            assertTrue(up.pingPong(9), "the connection lives on");
            assertEquals(0, stats.http2StreamsActive.get(), "the reset stream is still counted active");
        }
        assertEquals(0, stats.upstreamCxProtocolError.count());
        assertEquals(1, stats.http2Streams.txReset().count());
    }
}
