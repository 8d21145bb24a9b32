package io.remora.http;

import io.remora.accesslog.ResponseFlag;
import io.remora.accesslog.StreamInfo;
import io.remora.config.HttpConnectionManagerConfig.CodecType;
import io.remora.testing.RawH2;
import org.junit.jupiter.api.Test;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A downstream connection closed for a codec error, as Envoy's connection manager closes it
 * (handleCodecError, resetAllStreams): the streams still open end with flag DPE, not DC, and
 * {@code codec_error:<error>} unless the codec gave the stream details of its own; each counts in
 * downstream_rq_rx_reset.
 */
class Http2CodecErrorTest extends HcmServerTestBase {

    private static final EnumSet<ResponseFlag> DPE = EnumSet.of(ResponseFlag.DOWNSTREAM_PROTOCOL_ERROR);

    /** Frames that break the connection's rules. */
    private interface Violation {
        void send(RawH2 h2);
    }

    /**
     * On a new HTTP/2 connection, opens stream 1 with a request the test filter never answers
     * (ended or not), then sends {@code violation}: how the proxy ended the connection.
     */
    private RawH2.Ending breakConnection(boolean endStream, Violation violation) throws Exception {
        start(b -> b.codec(CodecType.HTTP2));
        try (RawH2 h2 = new RawH2("127.0.0.1", server.port)) {
            h2.settingsAck().request(1, endStream, ":method", "POST", ":scheme", "http", ":path", "/hang",
                    ":authority", "a", "x-test", "hang").flush();
            assertNotNull(TestFilter.REQUESTS.poll(5, TimeUnit.SECONDS), "the first request did not reach the filter");
            violation.send(h2);
            h2.flush();
            return h2.awaitEnd();
        }
    }

    /** {@code count} frames after the hanging stream: the proxy closes for the flood. */
    private void flood(boolean endStream, int count, java.util.function.ObjIntConsumer<RawH2> frame) throws Exception {
        RawH2.Ending end = breakConnection(endStream, h2 -> {
            for (int i = 0; i < count; i++) {
                frame.accept(h2, i);
            }
        });
        assertTrue(end.closedWith(RawH2.ENHANCE_YOUR_CALM), "not closed for the flood");
    }

    private static void assertGoAwayProtocolError(RawH2.Ending end) {
        assertNotNull(end.goAway(), "no GOAWAY");
        assertEquals(1, end.goAway().goAwayError()); // PROTOCOL_ERROR
    }

    /** The next n access log entries by their details. */
    private Map<String, StreamInfo> logged(int n) throws InterruptedException {
        Map<String, StreamInfo> byDetails = new HashMap<>();
        for (int i = 0; i < n; i++) {
            StreamInfo s = server.context.logged.poll(5, TimeUnit.SECONDS);
            assertNotNull(s, "no access log entry " + i);
            byDetails.put(s.responseCodeDetails, s);
        }
        return byDetails;
    }

    private static void assertEndedByCodecError(StreamInfo s) {
        assertNotNull(s, "not logged with the expected details");
        assertEquals(0, s.responseCode);
        assertEquals(DPE, s.flags());
    }

    /** The hanging stream alone was open: it ended with {@code details}, one rx reset. */
    private void assertTheStreamEndedWith(String details) throws InterruptedException {
        assertEndedByCodecError(logged(1).get(details));
        assertEquals(1.0, server.hcm.stats.downstreamRqRxReset.count());
    }

    @Test
    void anInvalidRequestEndsTheOtherStreamsWithTheCallbackFailure() throws Exception {
        assertGoAwayProtocolError(breakConnection(true,
                h2 -> h2.frame(RawH2.HEADERS, 0x5, 3, Http2ConnectionManagerTest.upperCaseNameRequest())));
        Map<String, StreamInfo> logged = logged(2);
        assertEndedByCodecError(logged.get("http2.invalid.header.field")); // the invalid request, its own details
        assertEndedByCodecError(logged.get("codec_error:The_user_callback_function_failed"));
        assertEquals(2.0, server.hcm.stats.downstreamRqRxReset.count());
        assertEquals(0.0, server.hcm.stats.downstreamRqTxReset.count());
        assertEquals(1.0, server.hcm.stats.downstreamCxProtocolError.count());
        assertEquals(1, TestFilter.DESTROYED.get());
    }

    /** A violation the HTTP/2 library finds itself: WINDOW_UPDATE of 0 on the connection. */
    @Test
    void aLibraryProtocolErrorEndsTheOtherStreamsWithItsError() throws Exception {
        assertGoAwayProtocolError(breakConnection(true, h2 -> h2.windowUpdate(0, 0)));
        assertTheStreamEndedWith("codec_error:Unknown_error_code");
        assertEquals(1.0, server.hcm.stats.downstreamCxProtocolError.count());
    }

    /**
     * After a connection error's GOAWAY the connection closes as Envoy's handleCodecError closes it
     * (FlushWriteAndDelay): the GOAWAY flushed, then a FIN, what the client still sends read and
     * dropped, and the socket closed when the client closes or when delayed_close_timeout (1 s)
     * ends, counted in downstream_cx_delayed_close_timeout. Was: Netty's close as soon as the
     * GOAWAY was written, so a client still sending could get a reset in its place.
     */
    @Test
    void aConnectionErrorClosesAfterTheDelayedCloseTimeout() throws Exception {
        start(b -> b.codec(CodecType.HTTP2));
        try (RawH2 h2 = new RawH2("127.0.0.1", server.port)) {
            h2.settingsAck().windowUpdate(0, 0).flush();
            RawH2.Ending end = h2.awaitEnd();
            assertGoAwayProtocolError(end);
            assertTrue(end.closed(), "no FIN after the GOAWAY");
            h2.ping(7).flush(); // read and dropped: the proxy's side is still open
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            while (server.hcm.stats.downstreamCxDelayedCloseTimeout.count() < 1 && System.nanoTime() < deadline) {
                Thread.sleep(50);
            }
            assertEquals(1.0, server.hcm.stats.downstreamCxDelayedCloseTimeout.count(),
                    "the client never closed: the delay ended the connection");
        }
    }

    /** A flood is a codec error too, with the constraint's message, and no protocol error count. */
    @Test
    void aPriorityFloodEndsTheOtherStreamsWithItsMessage() throws Exception {
        flood(true, 300, (h2, i) -> h2.priority(3 + 2 * i));
        assertTheStreamEndedWith("codec_error:Too_many_PRIORITY_frames");
        assertEquals(0.0, server.hcm.stats.downstreamCxProtocolError.count());
    }

    /** Envoy's codec gives the stream whose empty DATA frame broke the limit details of its own. */
    @Test
    void theStreamOfAnEmptyFrameFloodKeepsItsOwnDetails() throws Exception {
        flood(false, 5, (h2, i) -> h2.frame(RawH2.DATA, 0, 1, new byte[0]));
        assertTheStreamEndedWith("http2.inbound_empty_frames_flood");
    }

    /**
     * HTTP/1.1: a body that breaks its chunked framing once the response has started. Envoy's
     * codec keeps http1.codec_error on the stream and its connection manager ends it as
     * resetAllStreams does: DPE, counted as an rx reset, and the connection closes.
     */
    @Test
    void http1BodyErrorAfterTheResponseStartedIsARxResetWithTheCodecsDetails() throws Exception {
        start(b -> b);
        try (Socket s = new Socket("127.0.0.1", server.port)) {
            s.setSoTimeout(5000);
            OutputStream out = s.getOutputStream();
            out.write(("POST /echo HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = s.getInputStream();
            byte[] head = new byte[12];
            assertEquals(12, in.readNBytes(head, 0, 12));
            assertEquals("HTTP/1.1 200", new String(head, StandardCharsets.US_ASCII));
            out.write("zz\r\n".getBytes(StandardCharsets.US_ASCII)); // no chunk size
            out.flush();
            in.readAllBytes(); // until the proxy closes
        }
        StreamInfo logged = server.context.logged.poll(5, TimeUnit.SECONDS);
        assertNotNull(logged);
        assertEquals("http1.codec_error", logged.responseCodeDetails);
        assertTrue(logged.flags().contains(ResponseFlag.DOWNSTREAM_PROTOCOL_ERROR), String.valueOf(logged.flags()));
        assertEquals(1.0, server.hcm.stats.downstreamRqRxReset.count());
        assertEquals(0.0, server.hcm.stats.downstreamRqTxReset.count());
        assertEquals(1.0, server.hcm.stats.downstreamCxProtocolError.count());
    }
}
