package io.remora.http;

import io.remora.config.HttpConnectionManagerConfig.CodecType;
import io.remora.testing.RawH2;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * h2spec's cases where a downstream HTTP/2 connection must answer as Envoy's default codec
 * (oghttp2) does rather than as Netty would: which faults reset one stream and which cost the
 * connection, what a GOAWAY names as the last stream, what is dropped without a word.
 */
class Http2ConformanceTest extends HcmServerTestBase {

    private static final int PING_DATA = 42;

    @BeforeEach
    void startHttp2() throws Exception {
        start(b -> b.codec(CodecType.HTTP2));
    }

    /** The server again, with stream_error_on_invalid_http_message. */
    private void withStreamErrorOnInvalidHttpMessage() throws Exception {
        server.close();
        start(b -> b.codec(CodecType.HTTP2).streamErrorOnInvalidHttpMessage(true));
    }

    private RawH2 connect() throws Exception {
        RawH2 h2 = new RawH2("127.0.0.1", server.port);
        h2.readTimeout(3000).settingsAck();
        return h2;
    }

    private static byte[] post(String... more) {
        List<String> fields = new ArrayList<>(List.of(":method", "POST", ":scheme", "http", ":path", "/",
                ":authority", "a"));
        fields.addAll(List.of(more));
        return RawH2.block(fields.toArray(String[]::new));
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    /** The frames up to the PING's ACK (or the end), the ACK left out; null when the connection ended first. */
    private static List<RawH2.Frame> untilPingAck(RawH2 h2) throws Exception {
        h2.ping(PING_DATA).flush();
        List<RawH2.Frame> frames = new ArrayList<>();
        for (RawH2.Frame f = h2.read(); f != null; f = h2.read()) {
            if (f.type() == RawH2.PING && (f.flags() & 0x1) != 0) {
                return frames;
            }
            if (f.type() != RawH2.SETTINGS && f.type() != RawH2.WINDOW_UPDATE) {
                frames.add(f);
            }
        }
        return null;
    }

    private static RawH2.Frame only(List<RawH2.Frame> frames, int type) {
        assertNotNull(frames, "the connection ended");
        RawH2.Frame found = null;
        for (RawH2.Frame f : frames) {
            assertTrue(f.type() != RawH2.GOAWAY, () -> "a GOAWAY: " + f.goAwayError());
            if (f.type() == type) {
                assertNull(found, "two frames of type " + type);
                found = f;
            }
        }
        return found;
    }

    private static void assertGoAway(RawH2 h2, int lastStreamId, int error) throws Exception {
        RawH2.Frame goAway = h2.awaitGoAway();
        assertNotNull(goAway, "no GOAWAY");
        assertEquals(error, goAway.goAwayError());
        assertEquals(lastStreamId, goAway.goAwayLastStreamId());
    }

    /** Reads the whole answer to a GET on stream 1: the stream is closed both ways after. */
    private static void completeGet(RawH2 h2) throws Exception {
        h2.get(1, "a", "/", true).flush();
        for (RawH2.Frame f = h2.read(); f != null; f = h2.read()) {
            if ((f.type() == RawH2.DATA || f.type() == RawH2.HEADERS) && f.streamId() == 1 && (f.flags() & 0x1) != 0) {
                return;
            }
        }
        throw new AssertionError("no end of the response");
    }

    /** h2spec 8.1.2.6: DATA past the content-length resets that stream; the others carry on. */
    @Test
    void dataPastTheContentLengthResetsOnlyItsStream() throws Exception {
        try (RawH2 h2 = connect()) {
            h2.frame(RawH2.HEADERS, 0x4, 1, post("x-test", "hang"))
                    .frame(RawH2.HEADERS, 0x4, 3, post("content-length", "1"))
                    .frame(RawH2.DATA, 0x1, 3, ascii("test"));
            RawH2.Frame rst = only(untilPingAck(h2), RawH2.RST_STREAM);
            assertNotNull(rst, "stream 3 not reset");
            assertEquals(3, rst.streamId());
            assertEquals(RawH2.PROTOCOL_ERROR, rst.rstError());
        }
        // oghttp2 reports no invalid frame for a DATA frame's content-length.
        assertEquals(0.0, server.hcm.stats.http2RxMessagingError.count());
        assertEquals(0.0, server.hcm.stats.downstreamCxProtocolError.count());
    }

    /** END_STREAM on the HEADERS of a request whose content-length promised a body: its stream alone, a messaging error. */
    @Test
    void endStreamShortOfTheContentLengthResetsOnlyItsStream() throws Exception {
        try (RawH2 h2 = connect()) {
            h2.frame(RawH2.HEADERS, 0x5, 1, post("content-length", "5"));
            RawH2.Frame rst = only(untilPingAck(h2), RawH2.RST_STREAM);
            assertNotNull(rst, "stream 1 not reset");
            assertEquals(RawH2.PROTOCOL_ERROR, rst.rstError());
        }
        assertEquals(1.0, server.hcm.stats.http2RxMessagingError.count());
        assertEquals(0.0, server.hcm.stats.downstreamCxProtocolError.count());
    }

    /** h2spec 6.9/2: a WINDOW_UPDATE of 0 on a stream is that stream's error, not an invalid request. */
    @Test
    void windowUpdateOfZeroOnAStreamResetsIt() throws Exception {
        try (RawH2 h2 = connect()) {
            h2.frame(RawH2.HEADERS, 0x4, 1, post("x-test", "hang")).windowUpdate(1, 0);
            RawH2.Frame rst = only(untilPingAck(h2), RawH2.RST_STREAM);
            assertNotNull(rst, "stream 1 not reset");
            assertEquals(RawH2.PROTOCOL_ERROR, rst.rstError());
        }
        assertEquals(0.0, server.hcm.stats.http2RxMessagingError.count());
    }

    /**
     * h2spec 5.3.1/1 and /2: a stream that depends on itself. oghttp2 ignores priority (quiche's
     * decoder checks no dependency, OnPriority does nothing), so the PRIORITY frame is dropped and
     * the HEADERS open their stream, answered; Netty reset the first's stream and failed the
     * connection for the second. Split across reads, the HEADERS' dependency is still seen.
     */
    @Test
    void aStreamThatDependsOnItselfIsServedAsOghttp2IgnoresPriority() throws Exception {
        byte[] block = RawH2.getBlock("a", "/");
        byte[] prioritized = new byte[5 + block.length];
        prioritized[3] = 1; // depends on stream 1, its own
        prioritized[4] = (byte) 255;
        System.arraycopy(block, 0, prioritized, 5, block.length);
        try (RawH2 h2 = connect()) {
            h2.frame(RawH2.PRIORITY, 0, 3, new byte[] {0, 0, 0, 3, 15}).flush();
            assertTrue(only(untilPingAck(h2), RawH2.RST_STREAM) == null, "PRIORITY on itself: a reset");
            ByteArrayOutputStream frame = new ByteArrayOutputStream();
            frame.write(new byte[] {0, 0, (byte) prioritized.length, RawH2.HEADERS, 0x25, 0, 0, 0, 1});
            frame.write(prioritized);
            byte[] bytes = frame.toByteArray();
            h2.bytes(java.util.Arrays.copyOf(bytes, 11)).flush(); // the dependency cut in two
            Thread.sleep(50);
            h2.bytes(java.util.Arrays.copyOfRange(bytes, 11, bytes.length)).flush();
            RawH2.Frame f = h2.read();
            while (f != null && !(f.type() == RawH2.HEADERS && f.streamId() == 1)) {
                assertTrue(f.type() != RawH2.GOAWAY && f.type() != RawH2.RST_STREAM, "refused: type " + f.type());
                f = h2.read();
            }
            assertNotNull(f, "the HEADERS that depend on themselves were not answered");
        }
    }

    /** h2spec 6.3/2: a PRIORITY frame of 4 octets is a framing error of the connection in oghttp2, not the stream's. */
    @Test
    void aPriorityFrameOfTheWrongSizeCostsTheConnection() throws Exception {
        try (RawH2 h2 = connect()) {
            h2.frame(RawH2.HEADERS, 0x4, 1, post("x-test", "hang")).frame(RawH2.PRIORITY, 0, 1, new byte[4]).flush();
            assertGoAway(h2, 1, RawH2.FRAME_SIZE_ERROR);
        }
    }

    /**
     * h2spec 8.1/1: a second HEADERS without END_STREAM is, to Envoy's codec, a new stream at or
     * below the last one: the connection's error, not a messaging one, even where an invalid request
     * would cost only its stream.
     */
    @Test
    void aSecondHeaderBlockWithoutEndStreamCostsTheConnection() throws Exception {
        withStreamErrorOnInvalidHttpMessage();
        try (RawH2 h2 = connect()) {
            h2.frame(RawH2.HEADERS, 0x4, 1, post("x-test", "hang")).frame(RawH2.HEADERS, 0x4, 1, RawH2.block("x-t", "t"))
                    .flush();
            assertGoAway(h2, 1, RawH2.PROTOCOL_ERROR);
        }
        assertEquals(0.0, server.hcm.stats.http2RxMessagingError.count());
        assertEquals(1.0, server.hcm.stats.downstreamCxProtocolError.count());
    }

    /** h2spec 8.1.2.1/3: a pseudo-header in trailers stays an invalid request (a reset with the option). */
    @Test
    void aPseudoHeaderInTrailersIsAnInvalidRequest() throws Exception {
        withStreamErrorOnInvalidHttpMessage();
        try (RawH2 h2 = connect()) {
            h2.frame(RawH2.HEADERS, 0x4, 1, post("x-test", "hang")).frame(RawH2.HEADERS, 0x5, 1, RawH2.block(":method", "GET"));
            RawH2.Frame rst = only(untilPingAck(h2), RawH2.RST_STREAM);
            assertNotNull(rst, "stream 1 not reset");
            assertEquals(RawH2.PROTOCOL_ERROR, rst.rstError());
        }
        assertEquals(1.0, server.hcm.stats.http2RxMessagingError.count());
    }

    /**
     * oghttp2's HeaderValidator::ValidateRequestHeaders: a request's :path starts with "/", or is
     * "*" for OPTIONS; anything else is an invalid request (GOAWAY PROTOCOL_ERROR, a reset with
     * stream_error_on_invalid_http_message), not a request the connection manager answers 404.
     */
    @Test
    void aPathThatIsNeitherOriginFormNorAsteriskForOptionsIsAnInvalidRequest() throws Exception {
        for (String[] bad : new String[][] {{"GET", "abc"}, {"GET", "*"}, {"POST", "http://a/b"}}) {
            try (RawH2 h2 = connect()) {
                h2.request(1, true, ":method", bad[0], ":scheme", "http", ":path", bad[1], ":authority", "a").flush();
                assertGoAway(h2, 1, RawH2.PROTOCOL_ERROR);
            }
        }
        assertEquals(3.0, server.hcm.stats.http2RxMessagingError.count());
        try (RawH2 h2 = connect()) {
            h2.request(1, true, ":method", "OPTIONS", ":scheme", "http", ":path", "*", ":authority", "a");
            RawH2.Frame headers = only(untilPingAck(h2), RawH2.HEADERS);
            assertNotNull(headers, "OPTIONS * not answered");
        }
        withStreamErrorOnInvalidHttpMessage();
        try (RawH2 h2 = connect()) {
            h2.request(1, true, ":method", "GET", ":scheme", "http", ":path", "abc", ":authority", "a");
            RawH2.Frame rst = only(untilPingAck(h2), RawH2.RST_STREAM);
            assertNotNull(rst, "stream 1 not reset");
            assertEquals(RawH2.PROTOCOL_ERROR, rst.rstError());
            completeGet3(h2);
        }
    }

    /** A GET on stream 3 answered whole: the connection serves on. */
    private static void completeGet3(RawH2 h2) throws Exception {
        h2.get(3, "a", "/", true).flush();
        for (RawH2.Frame f = h2.read(); f != null; f = h2.read()) {
            if ((f.type() == RawH2.DATA || f.type() == RawH2.HEADERS) && f.streamId() == 3 && (f.flags() & 0x1) != 0) {
                return;
            }
        }
        throw new AssertionError("no end of the response on stream 3");
    }

    /** h2spec 5.1/12: HEADERS on a stream that has closed is no new stream: the connection's error. */
    @Test
    void headersOnAClosedStreamCostTheConnection() throws Exception {
        try (RawH2 h2 = connect()) {
            completeGet(h2);
            h2.get(1, "a", "/", true).flush();
            assertGoAway(h2, 1, RawH2.PROTOCOL_ERROR);
        }
        assertEquals(1.0, server.hcm.stats.downstreamCxProtocolError.count());
    }

    /** h2spec 5.1.1/2: a stream id below the last one opened. */
    @Test
    void aStreamIdBelowTheLastOpenedCostsTheConnection() throws Exception {
        try (RawH2 h2 = connect()) {
            h2.frame(RawH2.HEADERS, 0x5, 5, post("x-test", "hang")).frame(RawH2.HEADERS, 0x5, 3, post()).flush();
            assertGoAway(h2, 5, RawH2.PROTOCOL_ERROR);
        }
    }

    /**
     * A stream past our acknowledged SETTINGS_MAX_CONCURRENT_STREAMS: oghttp2's OnHeaders (and
     * nghttp2, for parity) fails the connection with PROTOCOL_ERROR (kExceededMaxConcurrentStreams).
     * Was: Netty's RST_STREAM(REFUSED_STREAM), the connection kept.
     */
    @Test
    void aStreamPastTheAcknowledgedMaxConcurrentStreamsCostsTheConnection() throws Exception {
        server.close();
        start(b -> b.codec(CodecType.HTTP2).http2(io.remora.config.Http2Options.builder().maxConcurrentStreams(1).build()));
        try (RawH2 h2 = connect()) {
            h2.frame(RawH2.HEADERS, 0x5, 1, post("x-test", "hang")).frame(RawH2.HEADERS, 0x5, 3, post()).flush();
            RawH2.Frame goAway = h2.awaitGoAway();
            assertNotNull(goAway, "no GOAWAY");
            assertEquals(RawH2.PROTOCOL_ERROR, goAway.goAwayError());
        }
        assertEquals(1.0, server.hcm.stats.downstreamCxProtocolError.count());
        assertEquals(0.0, server.hcm.stats.http2Streams.streamRefusedErrors().count(), "not a refused stream");
    }

    /**
     * Before our SETTINGS are acknowledged the stream is refused (oghttp2's
     * pending_max_inbound_concurrent_streams_, RST_STREAM REFUSED_STREAM), the connection kept:
     * only the acknowledged limit costs the connection.
     */
    @Test
    void aStreamPastMaxConcurrentStreamsBeforeTheAckIsRefused() throws Exception {
        server.close();
        start(b -> b.codec(CodecType.HTTP2).http2(io.remora.config.Http2Options.builder().maxConcurrentStreams(1).build()));
        try (RawH2 h2 = new RawH2("127.0.0.1", server.port)) {
            h2.readTimeout(3000);
            h2.frame(RawH2.HEADERS, 0x5, 1, post("x-test", "hang")).frame(RawH2.HEADERS, 0x5, 3, post()).flush();
            List<RawH2.Frame> frames = untilPingAck(h2);
            assertNotNull(frames, "the connection ended");
            RawH2.Frame rst = only(frames, RawH2.RST_STREAM);
            assertNotNull(rst, "stream 3 not refused");
            assertEquals(3, rst.streamId());
            assertEquals(RawH2.REFUSED_STREAM, rst.rstError());
            assertNull(only(frames, RawH2.GOAWAY));
        }
        // Envoy's onInvalidFrame(kRefusedStream) and onFrameSend(RST_STREAM).
        assertEquals(1.0, server.hcm.stats.http2Streams.streamRefusedErrors().count());
        assertEquals(1.0, server.hcm.stats.http2Streams.txReset().count());
    }

    /**
     * Envoy's codec stats: each RST_STREAM received is {@code http2.rx_reset} (onFrameReceived),
     * each sent {@code http2.tx_reset} (onFrameSend), each header block on an open stream
     * {@code http2.trailers} (onBeginHeaders); a stream the peer resets gets no reset back.
     */
    @Test
    void resetsAndTrailersAreCounted() throws Exception {
        try (RawH2 h2 = connect()) {
            h2.frame(RawH2.HEADERS, 0x4, 1, post()).frame(RawH2.HEADERS, 0x5, 1, RawH2.block("x-trailer", "t"))
                    .frame(RawH2.HEADERS, 0x4, 3, post("x-test", "hang")).rst(3, RawH2.CANCEL).flush();
            List<RawH2.Frame> frames = untilPingAck(h2);
            assertNull(only(frames, RawH2.RST_STREAM), "a reset for a stream the peer reset");
        }
        assertEquals(1.0, server.hcm.stats.http2Streams.trailers().count());
        assertEquals(1.0, server.hcm.stats.http2Streams.rxReset().count());
        assertEquals(0.0, server.hcm.stats.http2Streams.txReset().count());
        assertEquals(0.0, server.hcm.stats.http2Streams.streamRefusedErrors().count());
        // A reset the proxy sends: an invalid request's stream, with stream_error_on_invalid_http_message.
        withStreamErrorOnInvalidHttpMessage();
        try (RawH2 h2 = connect()) {
            h2.frame(RawH2.HEADERS, 0x5, 1, post("x-bad", "a\u0000b")).flush();
            assertNotNull(only(untilPingAck(h2), RawH2.RST_STREAM), "the invalid stream was not reset");
        }
        assertEquals(1.0, server.hcm.stats.http2Streams.txReset().count());
        assertEquals(0.0, server.hcm.stats.http2Streams.rxReset().count());
    }

    /**
     * h2spec 6.5.2: SETTINGS values oghttp2's OnSetting refuses (kInvalidSetting, kFlowControlError)
     * cost the connection with the code RFC 9113 names, as Netty's reader does: ENABLE_PUSH 2 and a
     * MAX_FRAME_SIZE out of range PROTOCOL_ERROR, INITIAL_WINDOW_SIZE past 2^31-1 FLOW_CONTROL_ERROR.
     */
    @Test
    void invalidSettingsCostTheConnection() throws Exception {
        int[][] cases = {{0x2, 2, RawH2.PROTOCOL_ERROR}, {0x5, 100, RawH2.PROTOCOL_ERROR},
                {0x5, 1 << 24, RawH2.PROTOCOL_ERROR}, {0x4, 0x80000000, RawH2.FLOW_CONTROL_ERROR}};
        for (int[] c : cases) {
            try (RawH2 h2 = connect()) {
                h2.settings(c[0], c[1]).flush();
                RawH2.Frame goAway = h2.awaitGoAway();
                assertNotNull(goAway, "no GOAWAY for setting " + c[0] + "=" + c[1]);
                assertEquals(c[2], goAway.goAwayError(), "setting " + c[0] + "=" + c[1]);
            }
        }
    }

    /** h2spec 6.5/1 and 6.5/3: a SETTINGS ACK with a payload, a SETTINGS not a multiple of 6 octets. */
    @Test
    void settingsOfTheWrongSizeCostTheConnection() throws Exception {
        try (RawH2 h2 = connect()) {
            h2.frame(RawH2.SETTINGS, 0x1, 0, new byte[6]).flush();
            assertEquals(RawH2.FRAME_SIZE_ERROR, h2.awaitGoAway().goAwayError());
        }
        try (RawH2 h2 = connect()) {
            h2.frame(RawH2.SETTINGS, 0, 0, new byte[3]).flush();
            assertEquals(RawH2.FRAME_SIZE_ERROR, h2.awaitGoAway().goAwayError());
        }
    }

    /** h2spec 5.1/1 6.4/2: RST_STREAM on an idle stream is the connection's PROTOCOL_ERROR. */
    @Test
    void rstStreamOnAnIdleStreamCostsTheConnection() throws Exception {
        try (RawH2 h2 = connect()) {
            h2.rst(5, RawH2.CANCEL).flush();
            assertEquals(RawH2.PROTOCOL_ERROR, h2.awaitGoAway().goAwayError());
        }
    }

    private static byte[] goAwayPayload(int lastStreamId) {
        return new byte[] {(byte) (lastStreamId >>> 24), (byte) (lastStreamId >>> 16), (byte) (lastStreamId >>> 8),
                (byte) lastStreamId, 0, 0, 0, 0};
    }

    /**
     * A client's GOAWAY stops only streams the server would push: Envoy's server codec takes new
     * streams after it (oghttp2's OnGoAway only notes it; ConnectionManagerImpl::onGoAway does
     * nothing), and a second GOAWAY whose last stream is higher is PROTOCOL_ERROR
     * (kInvalidGoAwayLastStreamId).
     */
    @Test
    void aClientsGoAwayLeavesItsStreamsServed() throws Exception {
        try (RawH2 h2 = connect()) {
            h2.frame(RawH2.GOAWAY, 0, 0, goAwayPayload(0));
            completeGet(h2);
            h2.frame(RawH2.GOAWAY, 0, 0, goAwayPayload(1)).flush();
            assertEquals(RawH2.PROTOCOL_ERROR, h2.awaitGoAway().goAwayError());
        }
    }

    /**
     * Envoy's http2_integration_test BadMagic: its codec is made at the first bytes, and a preface
     * that is not one fails the dispatch before any frame is written: the connection closes with
     * nothing sent, not even SETTINGS. Was: SETTINGS at accept, then a GOAWAY.
     */
    @Test
    void aBadPrefaceClosesTheConnectionWithNothingWritten() throws Exception {
        try (java.net.Socket s = new java.net.Socket("127.0.0.1", server.port)) {
            s.setSoTimeout(500);
            try {
                int b = s.getInputStream().read();
                throw new AssertionError("the server wrote before the client's preface: " + b);
            } catch (java.net.SocketTimeoutException expected) {
                // nothing before the preface
            }
            s.setSoTimeout(5000);
            s.getOutputStream().write(ascii("hello"));
            s.getOutputStream().write(ascii("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"));
            assertEquals(0, s.getInputStream().readAllBytes().length, "bytes written for a bad preface");
        }
        assertEquals(1.0, server.hcm.stats.downstreamCxProtocolError.count());
        try (RawH2 h2 = connect()) {
            completeGet(h2);
        }
    }

    /** Our first SETTINGS on a new connection. */
    private java.util.Map<Integer, Long> serverSettings() throws Exception {
        try (RawH2 h2 = new RawH2("127.0.0.1", server.port)) {
            RawH2.Frame f = h2.readTimeout(3000).read();
            assertNotNull(f, "no SETTINGS");
            assertEquals(RawH2.SETTINGS, f.type());
            return RawH2.settingsOf(f);
        }
    }

    /**
     * Envoy's server SETTINGS are sendSettingsHelper's: HEADER_TABLE_SIZE, ENABLE_CONNECT_PROTOCOL
     * (0 unless allow_connect), MAX_CONCURRENT_STREAMS and INITIAL_WINDOW_SIZE; neither codec adds
     * MAX_HEADER_LIST_SIZE, so a client that enforces it does not refuse a request Envoy would take
     * (max_request_headers_kb still resets one past it). Were: MAX_HEADER_LIST_SIZE 61440, no
     * ENABLE_CONNECT_PROTOCOL without allow_connect.
     */
    @Test
    void ourSettingsAreEnvoysServerSettings() throws Exception {
        java.util.Map<Integer, Long> s = serverSettings();
        assertEquals(java.util.Map.of(0x1, 4096L, 0x3, 1024L, 0x4, 16L * 1024 * 1024, 0x8, 0L), s);
        server.close();
        start(b -> b.codec(CodecType.HTTP2).http2(io.remora.config.Http2Options.builder().allowConnect(true).build()));
        assertEquals(1L, serverSettings().get(0x8));
    }

    /** h2spec 5.1/11: DATA on a closed stream is dropped, as oghttp2 drops it, not answered with RST_STREAM. */
    @Test
    void dataOnAClosedStreamIsDropped() throws Exception {
        try (RawH2 h2 = connect()) {
            completeGet(h2);
            h2.frame(RawH2.DATA, 0x1, 1, ascii("test"));
            assertNull(only(untilPingAck(h2), RawH2.RST_STREAM), "DATA on a closed stream answered");
        }
    }

    /** A connection error's GOAWAY names the last stream opened (the refused one too), not 2^31-1. */
    @Test
    void goAwayOfAConnectionErrorNamesTheLastStreamOpened() throws Exception {
        try (RawH2 h2 = connect()) {
            h2.frame(RawH2.HEADERS, 0x5, 1, post("x-test", "hang"))
                    .frame(RawH2.HEADERS, 0x5, 3, post("X-Upper", "1")).flush();
            assertGoAway(h2, 3, RawH2.PROTOCOL_ERROR);
        }
    }

    /** h2spec 5.1.1/1: before any stream opened, the GOAWAY names stream 0. */
    @Test
    void goAwayBeforeAnyStreamNamesStreamZero() throws Exception {
        try (RawH2 h2 = connect()) {
            h2.frame(RawH2.HEADERS, 0x5, 2, post()).flush();
            assertGoAway(h2, 0, RawH2.PROTOCOL_ERROR);
        }
    }

    /**
     * A stream this proxy gives up after its response began is reset with INTERNAL_ERROR, Envoy
     * 1.37's default reset code (reset_with_error; NO_ERROR before, never CANCEL).
     */
    @Test
    void aStreamGivenUpMidResponseIsResetWithInternalError() throws Exception {
        try (RawH2 h2 = connect()) {
            h2.request(1, true, ":method", "GET", ":scheme", "http", ":path", "/", ":authority", "a",
                    "x-test", "reset");
            RawH2.Frame rst = only(untilPingAck(h2), RawH2.RST_STREAM);
            assertNotNull(rst, "the stream was reset");
            assertEquals(RawH2.INTERNAL_ERROR, rst.rstError());
        }
    }
}
