package io.remora.http.router;

import io.remora.http.testing.LeakCheck;
import io.remora.testing.RawH2;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.concurrent.atomic.AtomicLong;

import static io.remora.http.router.RawH2Upstream.awaitRequest;
import static io.remora.http.testing.Conditions.await;
import static io.remora.http.router.RawH2Upstream.headers;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * {@code cluster.<name>.http2.deferred_stream_close}, as Envoy's codec keeps it (codec_impl.cc
 * onStreamClose, buffered_on_stream_close_): an upstream stream that closes with its complete
 * response still held for a backed-up client (a raw HTTP/2 client whose stream window is 0) is
 * counted until what it holds has gone on, and the client still gets all of it.
 */
class Http2UpstreamDeferredCloseTest {
    static {
        LeakCheck.install();
    }

    private static final int FRAME = 16_384;
    private static final int FRAMES = 8;

    private RawH2Upstream proxy;

    @AfterEach
    void stop() throws Exception {
        RawH2Upstream.closeCheckingLeaks(proxy);
        proxy = null;
    }

    /**
     * A client whose stream window starts at 0 makes its stream unwritable before the router
     * listens, so the router holds the upstream's response back; its WINDOW_UPDATE must let it go.
     * Was: the opening was never reported, the response stalled until the route timeout reset it.
     */
    @Test
    void responseHeldForAClientBornWithAClosedWindowGoesOnWhenItOpens() throws Exception {
        proxy = new RawH2Upstream();
        try (RawH2 down = new RawH2("127.0.0.1", proxy.port())) {
            down.settings(0x4, 0).settingsAck().get(1, "a", "/p", true).flush();
            try (RawH2 up = proxy.accept()) {
                int stream = awaitRequest(up);
                headers(up, stream, false, ":status", "200").frame(RawH2.DATA, 0x1, stream, new byte[FRAME]).flush();
                Thread.sleep(300);
                down.windowUpdate(0, 1 << 30).windowUpdate(1, 1 << 30).flush();
                assertEquals(FRAME, bodyOfStream1(down));
            }
        }
    }

    /** The DATA bytes of stream 1 up to its END_STREAM, or what came before a reset or the read timeout. */
    private static int bodyOfStream1(RawH2 down) throws Exception {
        int received = 0;
        for (RawH2.Frame f = down.read(); f != null; f = down.read()) {
            if (f.type() == RawH2.RST_STREAM && f.streamId() == 1) {
                break;
            }
            if (f.type() == RawH2.DATA && f.streamId() == 1) {
                received += f.payload().length;
                if ((f.flags() & 0x1) != 0) {
                    break;
                }
            }
        }
        return received;
    }

    /** Was: no such gauge. */
    @Test
    void completeResponseHeldForABackedUpClientCountsUntilPassedOn() throws Exception {
        proxy = new RawH2Upstream();
        AtomicLong deferred = proxy.stats().http2Outbound.deferredStreamClose();
        try (RawH2 down = new RawH2("127.0.0.1", proxy.port())) {
            down.settings(0x4, 0).settingsAck().get(1, "a", "/p", true).flush();
            try (RawH2 up = proxy.accept()) {
                int stream = awaitRequest(up);
                headers(up, stream, false, ":status", "200").frame(RawH2.DATA, 0, stream, new byte[FRAME]).flush();
                Thread.sleep(300); // the client's closed window pushes back on the upstream stream
                for (int i = 1; i < FRAMES; i++) {
                    up.frame(RawH2.DATA, i == FRAMES - 1 ? 0x1 : 0, stream, new byte[FRAME]);
                }
                up.flush();
                await(() -> deferred.get() == 1, "deferred_stream_close " + deferred.get());
                down.windowUpdate(0, 1 << 30).windowUpdate(1, 1 << 30).flush();
                assertEquals(FRAME * FRAMES, bodyOfStream1(down));
                await(() -> deferred.get() == 0, "deferred_stream_close after the client read " + deferred.get());
            }
        }
    }
}
