package io.remora.http;

import io.remora.config.Http2Options;
import io.remora.http.testing.LeakCheck;
import io.remora.testing.RawH2;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.io.IOException;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Downstream HTTP/2 connection_keepalive over a real socket, the client a raw frame peer: PINGs
 * every interval, the connection closed (http2.keepalive_timeout) when they go unanswered, kept
 * when they are answered, and kept while other frames keep arriving.
 */
@ExtendWith(LeakCheck.class)
class Http2KeepaliveTest {

    private HcmServer server;

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
    }

    private void start(long intervalMs, long timeoutMs) throws Exception {
        Http2Options.Keepalive k = new Http2Options.Keepalive(intervalMs, timeoutMs, 0, 0);
        Http2Options o = Http2Options.DEFAULT;
        server = new HcmServer(HcmServer.config(b -> b.http2(new Http2Options(o.maxConcurrentStreams(),
                o.initialStreamWindowSize(), o.initialConnectionWindowSize(), false, k))));
    }

    private double timeouts() {
        var c = server.context.stats.meterRegistry().find("envoy_http2_keepalive_timeout").counter();
        return c == null ? 0 : c.count();
    }

    @Test
    void peerThatAnswersPingsKeepsItsConnection() throws Exception {
        start(100, 1_000); // a whole second to answer: a test thread the busy machine delays still makes it
        try (RawH2 c = new RawH2("127.0.0.1", server.port)) {
            int pings = 0;
            long end = System.nanoTime() + 2_000_000_000L; // well past interval + timeout
            while (System.nanoTime() < end) {
                RawH2.Frame f = c.read();
                assertTrue(f != null && f.type() != RawH2.GOAWAY, "connection closed though every PING was answered");
                if (f.type() == RawH2.PING && (f.flags() & 1) == 0) {
                    pings++;
                    c.frame(RawH2.PING, 1, 0, f.payload()).flush();
                }
            }
            assertTrue(pings >= 4, "PINGs in 2 s at a 100 ms interval: " + pings);
            assertEquals(0, timeouts());
        }
    }

    @Test
    void peerThatStopsAnsweringLosesItsConnection() throws Exception {
        start(100, 200);
        try (RawH2 c = new RawH2("127.0.0.1", server.port)) {
            c.settingsAck().flush();
            long t0 = System.nanoTime();
            int pings = 0;
            RawH2.Frame f;
            while ((f = c.read()) != null) {
                if (f.type() == RawH2.PING && (f.flags() & 1) == 0) {
                    pings++;
                }
            }
            long ms = (System.nanoTime() - t0) / 1_000_000;
            assertTrue(ms < 5_000, "the connection stayed " + ms + " ms");
            assertEquals(1, pings, "one PING, unanswered, then the close");
            assertEquals(-1, c.socket().getInputStream().read(), "closed by the proxy");
        }
        long deadline = System.nanoTime() + 2_000_000_000L;
        while (timeouts() < 1 && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertEquals(1, timeouts());
        assertEquals("http2.keepalive_timeout", io.remora.stats.StatNames.envoyName(
                server.context.stats.meterRegistry().find("envoy_http2_keepalive_timeout").counter().getId()));
    }

    @Test
    void framesFromThePeerExtendTheWait() throws Exception {
        start(100, 600);
        try (RawH2 c = new RawH2("127.0.0.1", server.port)) {
            c.settingsAck().flush();
            // Never an ACK, but a frame of ours every 100 ms for 1.5 s: the connection is alive.
            Thread reader = new Thread(() -> {
                try {
                    while (c.read() != null) {
                        // drained; the proxy's PING ACKs for our PINGs are not ACKs of its PINGs
                    }
                } catch (IOException ignored) {
                    // closed
                }
            });
            reader.start();
            for (int i = 0; i < 15; i++) {
                c.ping(i).flush();
                Thread.sleep(100);
            }
            assertTrue(reader.isAlive(), "closed while frames kept arriving");
            assertEquals(0, timeouts());
            // Silence: closed one timeout after the last frame.
            reader.join(3_000);
            assertTrue(!reader.isAlive(), "not closed after the peer fell silent");
            assertEquals(1, timeouts());
        }
    }

    @Test
    void withoutKeepaliveNoPingIsSent() throws Exception {
        server = new HcmServer(HcmServer.config(b -> b));
        try (RawH2 c = new RawH2("127.0.0.1", server.port)) {
            c.socket().setSoTimeout(700);
            RawH2.Frame f;
            while ((f = c.read()) != null) {
                assertTrue(f.type() != RawH2.PING, "a PING without connection_keepalive");
            }
            assertEquals(0, timeouts());
        }
    }
}
