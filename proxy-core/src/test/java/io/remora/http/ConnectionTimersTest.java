package io.remora.http;

import io.remora.accesslog.ResponseFlag;
import io.remora.accesslog.StreamInfo;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A downstream connection's idle timeout and its streams' idle timeouts share one scheduled task
 * ({@link ConnectionContext}): each must still fire by its own deadline when the other's is far
 * off, whichever was armed first. The far deadline is seconds away, the near one a fraction of a
 * second: a task left waiting for the far one fails these by seconds, not milliseconds.
 */
class ConnectionTimersTest extends HcmServerTestBase {

    @Test
    void streamIdleTimeoutFiresBeforeAFarConnectionIdleTimeout() throws Exception {
        // The connection's idle deadline (30 s) is armed at accept; the stream's (200 ms) after it.
        start(b -> b.idle(Duration.ofSeconds(30)).streamIdle(Duration.ofMillis(200)));
        try (RawHttp c = new RawHttp(server.port)) {
            long start = System.nanoTime();
            c.send("GET / HTTP/1.1\r\nHost: a\r\nx-test: hang\r\n\r\n");
            RawHttp.Response r = c.read();
            long elapsedMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            assertEquals(504, r.status()); // a whole request: Envoy's maybeRequestTimeoutCode
            assertEquals("stream timeout", r.body());
            assertTrue(elapsedMs < 10_000, "504 after " + elapsedMs + " ms");
        }
        StreamInfo info = server.context.logged.poll(5, TimeUnit.SECONDS);
        assertNotNull(info, "no access log entry");
        assertTrue(info.hasFlag(ResponseFlag.STREAM_IDLE_TIMEOUT));
    }

    @Test
    void connectionIdleTimeoutFiresBeforeAFarStreamIdleDeadline() throws Exception {
        // The request arms a stream idle deadline 30 s out, which stays armed after the response;
        // the connection's own idle timeout (200 ms from the end of that response) closes it first.
        start(b -> b.idle(Duration.ofMillis(200)).streamIdle(Duration.ofSeconds(30)));
        try (RawHttp c = new RawHttp(server.port)) {
            c.send("GET / HTTP/1.1\r\nHost: a\r\n\r\n");
            assertEquals(200, c.read().status());
            long elapsedMs = msUntilClosed(c);
            assertTrue(elapsedMs < 10_000, "closed after " + elapsedMs + " ms");
        }
    }

    @Test
    void connectionIdleTimeoutCountsFromTheLastResponse() throws Exception {
        // Requests keep the connection busy past its idle timeout: it closes only once they stop.
        start(b -> b.idle(Duration.ofSeconds(2)).streamIdle(Duration.ofSeconds(30)));
        try (RawHttp c = new RawHttp(server.port)) {
            for (int i = 0; i < 8; i++) {
                c.send("GET / HTTP/1.1\r\nHost: a\r\n\r\n");
                assertEquals(200, c.read().status());
                Thread.sleep(300);
            }
            assertTrue(c.closedByPeer());
        }
    }

    @Test
    void idleConnectionsHoldNoScheduledTaskEach() throws Exception {
        // Both timeouts far off: every idle connection keeps a deadline. They live in the worker's
        // heap of connection deadlines (one wake-up task), not in a task each on the event loop.
        start(b -> b.idle(Duration.ofSeconds(30)).streamIdle(Duration.ofSeconds(30)));
        java.util.List<RawHttp> held = new java.util.ArrayList<>();
        try {
            for (int i = 0; i < 40; i++) {
                RawHttp c = new RawHttp(server.port);
                held.add(c);
                c.send("GET / HTTP/1.1\r\nHost: a\r\n\r\n");
                assertEquals(200, c.read().status());
            }
            io.netty.util.concurrent.EventExecutor loop = server.group.next(); // the server's one worker
            int scheduled = loop.submit(() -> scheduledTasks(loop)).get(5, TimeUnit.SECONDS);
            assertTrue(scheduled < 20, scheduled + " tasks scheduled for 40 idle connections");
        } finally {
            for (RawHttp c : held) {
                c.close();
            }
        }
    }

    /**
     * Envoy's onIdleTimeout starts the drain sequence on HTTP/1.1 too: the connection stays open
     * for drain_timeout, a request sent meanwhile is answered with connection: close, then it closes.
     */
    @Test
    void aRequestInsideTheDrainAfterTheIdleTimeoutIsAnsweredWithClose() throws Exception {
        start(b -> b.idle(Duration.ofMillis(200)).drain(Duration.ofSeconds(3)));
        try (RawHttp c = new RawHttp(server.port)) {
            c.send("GET / HTTP/1.1\r\nHost: a\r\n\r\n");
            assertEquals(200, c.read().status());
            Thread.sleep(1000); // past the idle timeout, inside drain_timeout
            assertEquals(1.0, server.hcm.stats.downstreamCxIdleTimeout.count());
            c.send("GET / HTTP/1.1\r\nHost: a\r\n\r\n");
            RawHttp.Response r = c.read();
            assertNotNull(r, "closed at the idle timeout, not drain_timeout after it");
            assertEquals(200, r.status());
            assertEquals("close", r.header("connection"));
            assertTrue(c.closedByPeer());
        }
    }

    @Test
    void anIdleConnectionClosesDrainTimeoutAfterItsIdleTimeout() throws Exception {
        start(b -> b.idle(Duration.ofMillis(200)).drain(Duration.ofMillis(1500)));
        try (RawHttp c = new RawHttp(server.port)) {
            c.send("GET / HTTP/1.1\r\nHost: a\r\n\r\n");
            assertEquals(200, c.read().status());
            long elapsedMs = msUntilClosed(c);
            assertTrue(elapsedMs >= 1500, "closed after " + elapsedMs + " ms");
        }
    }

    /** Envoy has no codec before a connection's first byte: such a connection closes at the idle timeout. */
    @Test
    void aConnectionThatNeverSentARequestClosesAtTheIdleTimeout() throws Exception {
        start(b -> b.codec(io.remora.config.HttpConnectionManagerConfig.CodecType.HTTP1).idle(Duration.ofMillis(200))
                .drain(Duration.ofSeconds(30)));
        try (RawHttp c = new RawHttp(server.port)) {
            long elapsedMs = msUntilClosed(c);
            assertTrue(elapsedMs < 5000, "closed after " + elapsedMs + " ms");
        }
    }

    /** The tasks scheduled on {@code loop}, read on it (Netty keeps the queue to itself). */
    private static int scheduledTasks(io.netty.util.concurrent.EventExecutor loop) throws ReflectiveOperationException {
        java.lang.reflect.Field f = io.netty.util.concurrent.AbstractScheduledEventExecutor.class
                .getDeclaredField("scheduledTaskQueue");
        f.setAccessible(true);
        java.util.Collection<?> q = (java.util.Collection<?>) f.get(loop);
        return q == null ? 0 : q.size();
    }

    /** How long the peer took to close the connection, from now. */
    private static long msUntilClosed(RawHttp c) throws Exception {
        long start = System.nanoTime();
        assertTrue(c.closedByPeer());
        return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
    }
}
