package io.remora.http.router;

import io.remora.http.testing.LeakCheck;
import io.remora.testing.RawH2;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.net.http.HttpResponse;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static io.remora.http.router.RawH2Upstream.awaitRequest;
import static io.remora.http.router.RawH2Upstream.headers;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code cluster.<name>.http2.pending_send_bytes}, as Envoy's client codec keeps it: a request body
 * an upstream's flow-control windows hold back (a raw HTTP/2 upstream that sends no WINDOW_UPDATE
 * past the first 65,535 bytes) waits in the gauge until the upstream opens them.
 */
class Http2UpstreamPendingSendTest {
    static {
        LeakCheck.install();
    }

    private RawH2Upstream proxy;

    @AfterEach
    void stop() throws Exception {
        RawH2Upstream.closeCheckingLeaks(proxy);
        proxy = null;
    }

    /** Was: no such gauge. */
    @Test
    void requestBodyTheUpstreamWindowHoldsBackCountsInPendingSendBytes() throws Exception {
        proxy = new RawH2Upstream();
        AtomicLong pending = proxy.stats().http2Outbound.pendingSendBytes();
        CompletableFuture<HttpResponse<String>> r = proxy.post(new byte[100_000]);
        try (RawH2 up = proxy.accept()) {
            int stream = awaitRequest(up);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (pending.get() == 0 && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            assertTrue(pending.get() > 0, "nothing pending behind the upstream's closed windows");
            up.windowUpdate(0, 1 << 20).windowUpdate(stream, 1 << 20).flush();
            int received = 0;
            for (RawH2.Frame f = up.read(); f != null; f = up.read()) {
                if (f.type() == RawH2.DATA && f.streamId() == stream) {
                    received += f.payload().length;
                    if ((f.flags() & 0x1) != 0) {
                        break;
                    }
                }
            }
            assertEquals(100_000, received);
            assertEquals(0, pending.get());
            headers(up, stream, true, ":status", "200").flush();
            assertEquals(200, r.get(15, TimeUnit.SECONDS).statusCode());
        }
    }
}
