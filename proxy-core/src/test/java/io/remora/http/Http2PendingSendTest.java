package io.remora.http;

import io.remora.config.HttpConnectionManagerConfig.CodecType;
import io.remora.http.testing.LeakCheck;
import io.remora.testing.RawH2;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A response held back by a client that keeps its flow-control window shut (a raw HTTP/2 client
 * whose SETTINGS_INITIAL_WINDOW_SIZE is 0), as Envoy's codec accounts for it: the body waits in
 * {@code http2.pending_send_bytes} until the window opens or the stream goes, and a response that
 * ended but cannot be flushed is reset after the stream idle timeout, counted in
 * {@code http2.tx_flush_timeout} (codec_impl.cc encodeDataHelper, onPendingFlushTimer).
 */
@ExtendWith(LeakCheck.class)
class Http2PendingSendTest {
    private static final int BODY = 1000;

    private HcmServer server;

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
    }

    private void start(Duration streamIdle) throws Exception {
        server = new HcmServer(HcmServer.config(b -> b.codec(CodecType.AUTO).streamIdle(streamIdle)));
    }

    /** A POST of {@link #BODY} bytes on stream 1 (echoed back) from a client whose stream windows are 0. */
    private RawH2 echoIntoAClosedWindow() throws Exception {
        RawH2 h2 = new RawH2("127.0.0.1", server.port);
        h2.settings(0x4, 0).settingsAck()
                .request(1, false, ":method", "POST", ":scheme", "http", ":path", "/echo", ":authority", "a")
                .frame(RawH2.DATA, 0x1, 1, new byte[BODY]).flush();
        return h2;
    }

    private static void await(BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!condition.getAsBoolean() && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertTrue(condition.getAsBoolean(), what);
    }

    /** Was: no such gauge (documented as not kept). */
    @Test
    void bodyWaitingForTheWindowCountsInPendingSendBytes() throws Exception {
        start(Duration.ofMinutes(5));
        AtomicLong pending = server.hcm.stats.http2Outbound.pendingSendBytes();
        try (RawH2 h2 = echoIntoAClosedWindow()) {
            await(() -> pending.get() == BODY, "pending_send_bytes " + pending.get());
            h2.windowUpdate(1, BODY).flush();
            int received = 0;
            boolean ended = false;
            for (RawH2.Frame f = h2.read(); f != null; f = h2.read()) {
                if (f.type() == RawH2.DATA && f.streamId() == 1) {
                    received += f.payload().length;
                    if ((f.flags() & 0x1) != 0) {
                        ended = true;
                        break;
                    }
                }
            }
            assertTrue(ended, "the response did not end");
            assertEquals(BODY, received);
            assertEquals(0, pending.get());
        }
        try (RawH2 h2 = echoIntoAClosedWindow()) {
            await(() -> pending.get() == BODY, "pending_send_bytes " + pending.get());
        }
        // The connection goes with the body still queued: none of it is pending any more.
        await(() -> pending.get() == 0, "pending_send_bytes after the close " + pending.get());
        assertEquals(0.0, server.hcm.stats.http2TxFlushTimeout.count());
    }

    /** Was: the finished response waited for the window for as long as the client kept the connection. */
    @Test
    void finishedResponseTheWindowHoldsBackIsResetAfterTheStreamIdleTimeout() throws Exception {
        start(Duration.ofMillis(500));
        AtomicLong pending = server.hcm.stats.http2Outbound.pendingSendBytes();
        try (RawH2 h2 = echoIntoAClosedWindow()) {
            RawH2.Frame reset = null;
            for (RawH2.Frame f = h2.read(); f != null; f = h2.read()) {
                if (f.type() == RawH2.RST_STREAM && f.streamId() == 1) {
                    reset = f;
                    break;
                }
            }
            assertNotNull(reset, "stream 1 was not reset");
            assertEquals(1.0, server.hcm.stats.http2TxFlushTimeout.count());
            // The stream closes, and drops what it queued, once its RST_STREAM is written.
            await(() -> pending.get() == 0, "pending_send_bytes after the reset " + pending.get());
            assertTrue(h2.pingPong(7), "the connection did not stay");
        }
    }
}
