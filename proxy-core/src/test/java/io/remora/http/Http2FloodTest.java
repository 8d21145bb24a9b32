package io.remora.http;

import io.remora.http.testing.LeakCheck;
import io.remora.config.HttpConnectionManagerConfig.CodecType;
import io.remora.testing.RawH2;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** HTTP/2 floods end the abusive connection with GOAWAY(ENHANCE_YOUR_CALM), as Envoy's do; others are served. */
@ExtendWith(LeakCheck.class)
class Http2FloodTest {

    private HcmServer server;

    @BeforeEach
    void start() throws Exception {
        server = new HcmServer(HcmServer.config(b -> b.codec(CodecType.AUTO)));
    }

    @AfterEach
    void stop() {
        server.close();
    }

    private void stillServes() throws Exception {
        HttpResponse<String> r = HttpClient.newBuilder().version(HttpClient.Version.HTTP_2).build()
                .send(HttpRequest.newBuilder(URI.create(server.url("/after"))).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode());
    }

    /**
     * Rapid reset: Envoy counts a request reset within a second and before its response as premature, and once they
     * are half of 500 streams (250 here) cuts the connection and counts downstream_rq_too_many_premature_resets.
     */
    @Test
    void rapidResetClosesTheConnectionAsEnvoysPrematureResetCheck() throws Exception {
        try (RawH2 h2 = new RawH2("127.0.0.1", server.port)) {
            h2.settingsAck();
            for (int i = 0; i < 1000; i++) {
                int id = 1 + 2 * i;
                unanswered(h2, id).rst(id, 8);
            }
            try {
                h2.flush();
            } catch (java.io.IOException closed) {
                // cut off while writing: what is asserted below
            }
            assertTrue(h2.readTimeout(10_000).awaitEnd().closed(), "the connection is closed after a rapid-reset flood");
        }
        assertEquals(1.0, server.hcm.stats.downstreamRqTooManyPrematureResets.count());
        stillServes();
    }

    /** A request the terminal filter never answers: its reset is premature. */
    private static RawH2 unanswered(RawH2 h2, int id) {
        return h2.request(id, false, ":method", "GET", ":scheme", "http", ":authority", "a", ":path", "/r" + id,
                "x-test", "hang");
    }

    /** Fewer than 250 premature resets keep the connection (Netty's own limit, 200 in 30 s, would have cut it). */
    @Test
    void cancelledRequestsBelowEnvoysPrematureResetLimitKeepTheConnection() throws Exception {
        try (RawH2 h2 = new RawH2("127.0.0.1", server.port)) {
            h2.settingsAck();
            for (int i = 0; i < 240; i++) {
                int id = 1 + 2 * i;
                unanswered(h2, id).rst(id, 8);
            }
            int last = 1 + 2 * 240;
            h2.get(last, "a", "/after", true).flush();
            h2.readTimeout(10_000);
            RawH2.Frame f;
            do {
                f = h2.read();
            } while (f != null && !(f.type() == RawH2.HEADERS && f.streamId() == last) && f.type() != RawH2.GOAWAY);
            assertNotNull(f, "the connection ended");
            assertEquals(RawH2.HEADERS, f.type(), "answered on the same connection, not " + f);
        }
        assertEquals(0.0, server.hcm.stats.downstreamRqTooManyPrematureResets.count());
    }

    @Test
    void pingFloodFromAPeerThatDoesNotReadIsBounded() throws Exception {
        try (RawH2 h2 = new RawH2("127.0.0.1", server.port)) {
            h2.socket().setReceiveBufferSize(4096);
            h2.settingsAck();
            // PING ACKs pile up unread: past the outbound control frame limit the connection goes.
            for (int round = 0; round < 200; round++) {
                for (int i = 0; i < 1000; i++) {
                    h2.ping(round * 1000L + i);
                }
                try {
                    h2.flush();
                } catch (java.io.IOException closed) {
                    break;
                }
            }
            RawH2.Ending end = h2.awaitEnd();
            assertTrue(end.closedWith(RawH2.ENHANCE_YOUR_CALM), end.toString());
            assertEquals(1.0, server.hcm.stats.http2OutboundControlFlood.count());
        }
        stillServes();
    }

    /**
     * Envoy's max_outbound_frames (ProtocolConstraints::checkOutboundFrameLimits): frames of any type
     * queued for a peer that does not read, past the limit, cost the connection, counted in
     * http2.outbound_flood. Here PING ACKs under a control-frame limit they never reach (was: the
     * option was accepted and not enforced, the ACKs queued until the control limit).
     */
    @Test
    void framesQueuedPastMaxOutboundFramesCostTheConnection() throws Exception {
        server.close();
        server = new HcmServer(HcmServer.config(b -> b.codec(CodecType.AUTO).http2(io.remora.config.Http2Options.builder()
                .maxOutboundFrames(300).maxOutboundControlFrames(1_000_000).build())));
        try (RawH2 h2 = new RawH2("127.0.0.1", server.port)) {
            h2.socket().setReceiveBufferSize(4096);
            h2.settingsAck();
            for (int round = 0; round < 200; round++) {
                for (int i = 0; i < 1000; i++) {
                    h2.ping(round * 1000L + i);
                }
                try {
                    h2.flush();
                } catch (java.io.IOException closed) {
                    break;
                }
            }
            RawH2.Ending end = h2.awaitEnd();
            assertTrue(end.closed(), end.toString());
        }
        assertEquals(1.0, server.hcm.stats.http2Outbound.outboundFlood().count());
        assertEquals(0.0, server.hcm.stats.http2OutboundControlFlood.count());
        stillServes();
    }

    /**
     * Envoy's http2.outbound_frames_active: frames written and not yet taken by the socket (here a
     * response's DATA to a client that opened its windows and does not read), back to 0 when the
     * connection that held them goes. Both gauges are 0 while nothing waits.
     */
    @Test
    void framesWaitingForTheSocketShowInTheGauge() throws Exception {
        java.util.concurrent.atomic.AtomicLong frames = server.hcm.stats.http2Outbound.framesActive();
        java.util.concurrent.atomic.AtomicLong controls = server.hcm.stats.http2Outbound.controlFramesActive();
        stillServes();
        assertEquals(0, frames.get());
        assertEquals(0, controls.get());
        try (RawH2 h2 = RawH2.withReceiveBuffer("127.0.0.1", server.port, 4096)) {
            h2.settings(0x4, 1 << 30).settingsAck().windowUpdate(0, 1 << 30)
                    .request(1, true, ":method", "GET", ":scheme", "http", ":path", "/f", ":authority", "a",
                            "x-test", "flood").flush();
            long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(20);
            while (frames.get() == 0 && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            assertTrue(frames.get() > 0, "no frame waited for the socket");
        }
        long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(10);
        while (frames.get() != 0 && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertEquals(0, frames.get());
        assertEquals(0, controls.get());
    }

    @Test
    void settingsFloodIsBounded() throws Exception {
        try (RawH2 h2 = new RawH2("127.0.0.1", server.port)) {
            h2.socket().setReceiveBufferSize(4096);
            for (int round = 0; round < 200; round++) {
                for (int i = 0; i < 1000; i++) {
                    h2.settings(0x3, 100 + i); // MAX_CONCURRENT_STREAMS
                }
                try {
                    h2.flush();
                } catch (java.io.IOException closed) {
                    break;
                }
            }
            RawH2.Ending end = h2.awaitEnd();
            assertTrue(end.closedWith(RawH2.ENHANCE_YOUR_CALM), end.toString());
            assertEquals(1.0, server.hcm.stats.http2OutboundControlFlood.count());
        }
        stillServes();
    }
    private static byte[] getBlock() {
        return RawH2.getBlock("a", "/");
    }

    /**
     * Envoy counts HEADERS and CONTINUATION frames in max_consecutive_inbound_frames_with_empty_payload
     * (1) as they arrive: a header block strung out over empty CONTINUATIONs is a flood at the second
     * (GOAWAY, http2.inbound_empty_frames_flood). Was: Netty's own limit of 16 small CONTINUATIONs
     * and no stat, and two served.
     */
    @Test
    void emptyContinuationFramesAreAnEmptyFrameFlood() throws Exception {
        try (RawH2 h2 = new RawH2("127.0.0.1", server.port)) {
            h2.settingsAck().frame(RawH2.HEADERS, 0x1, 1, getBlock()).frame(RawH2.CONTINUATION, 0, 1, new byte[0])
                    .frame(RawH2.CONTINUATION, 0, 1, new byte[0]).frame(RawH2.CONTINUATION, 0x4, 1, new byte[0]).flush();
            RawH2.Ending end = h2.awaitEnd();
            assertTrue(end.closedWith(RawH2.ENHANCE_YOUR_CALM), end.toString());
            assertNotNull(end.goAway(), "no GOAWAY");
        }
        assertEquals(1.0, server.hcm.stats.http2Floods.inboundEmptyFramesFlood().count());
        stillServes();
    }

    /**
     * What is no flood: one empty frame at a time, the count started again by a frame with a
     * payload or END_STREAM, header frames and DATA counted in the order they came.
     */
    @Test
    void emptyFramesBetweenFramesWithAPayloadAreServed() throws Exception {
        byte[] post = RawH2.block(":method", "POST", ":scheme", "http", ":path", "/", ":authority", "a");
        try (RawH2 h2 = new RawH2("127.0.0.1", server.port)) {
            h2.settingsAck().frame(RawH2.HEADERS, 0x0, 1, new byte[0]).frame(RawH2.CONTINUATION, 0x4, 1, post)
                    .frame(RawH2.DATA, 0, 1, new byte[0]).frame(RawH2.DATA, 0, 1, new byte[] {'x'})
                    .frame(RawH2.DATA, 0, 1, new byte[0]).frame(RawH2.HEADERS, 0x1, 1, new byte[0])
                    .frame(RawH2.CONTINUATION, 0x4, 1, RawH2.block("x-trailer", "t")).flush();
            RawH2.Frame f = h2.read();
            while (f != null && !((f.type() == RawH2.HEADERS || f.type() == RawH2.DATA) && (f.flags() & 0x1) != 0)) {
                assertTrue(f.type() != RawH2.GOAWAY && f.type() != RawH2.RST_STREAM, "refused: type " + f.type());
                f = h2.read();
            }
            assertNotNull(f, "the request was not answered to its end");
        }
        assertEquals(0.0, server.hcm.stats.http2Floods.inboundEmptyFramesFlood().count());
        // An empty DATA frame then an empty CONTINUATION: two in a row, whatever their types.
        try (RawH2 h2 = new RawH2("127.0.0.1", server.port)) {
            h2.settingsAck().frame(RawH2.HEADERS, 0x4, 1, post).frame(RawH2.DATA, 0, 1, new byte[0])
                    .frame(RawH2.HEADERS, 0x0, 1, new byte[0]).frame(RawH2.CONTINUATION, 0x4, 1, new byte[0]).flush();
            assertTrue(h2.awaitEnd().closedWith(RawH2.ENHANCE_YOUR_CALM));
        }
        assertEquals(1.0, server.hcm.stats.http2Floods.inboundEmptyFramesFlood().count());
    }
}
