package io.remora.e2e;

import io.remora.http.testing.LeakCheck;
import org.junit.jupiter.api.Test;

import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The test upstream itself holds no buffer past its close: a responder that retains a request to
 * answer it later on the upstream's loop (as the hedge, retry and timeout tests do) loses that task
 * when the loop shuts down first, and must not leak the request's body with it.
 */
class TestUpstreamLeakTest {

    @Test
    void aRequestHeldForALaterAnswerIsNotLeakedWhenTheUpstreamClosesFirst() throws Exception {
        LeakCheck.install();
        LeakCheck.leaks();
        TestUpstream up = TestUpstream.start((ctx, req, n) -> {
            req.retain();
            ctx.executor().schedule(() -> {
                TestUpstream.send(ctx, req, 200, "late");
                req.release();
            }, 1, TimeUnit.HOURS);
        });
        try (Socket s = new Socket("127.0.0.1", up.port())) {
            OutputStream out = s.getOutputStream();
            out.write("POST /held HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (up.requests.get() == 0 && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            assertEquals(1, up.requests.get(), "the upstream got the request");
        } finally {
            up.close();
        }
        assertEquals(java.util.List.of(), LeakCheck.leaks());
    }
}
