package io.remora.http;

import io.remora.config.HttpConnectionManagerConfig;
import io.remora.config.HttpConnectionManagerConfig.CodecType;
import io.remora.http.testing.LeakCheck;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

/**
 * What an idle keep-alive HTTP/1.1 connection keeps: no header guard and no request decoder (its
 * parser) between requests (the worker keeps them for the next head, of any connection), while a
 * head in progress holds its own.
 */
@ExtendWith(LeakCheck.class)
class Http1IdleConnectionTest {

    private HcmServer server;

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
    }

    private int freeGuards() throws Exception {
        io.netty.channel.EventLoop loop = server.group.next();
        return loop.submit(Http1HeaderGuard::freeOnThisWorker).get(5, TimeUnit.SECONDS);
    }

    private int freeDecoders() throws Exception {
        io.netty.channel.EventLoop loop = server.group.next();
        return loop.submit(Http1RequestDecoder::freeOnThisWorker).get(5, TimeUnit.SECONDS);
    }

    /**
     * One request first, on a connection of its own: the first request loads and compiles the
     * whole path, and on a busy machine the worker would otherwise read the next connections'
     * first bytes later than the counts below expect.
     */
    private void warmUp() throws Exception {
        try (RawHttp c = new RawHttp(server.port)) {
            request(c, "/direct?warm-up");
        }
    }

    private static void request(RawHttp c, String path) throws Exception {
        c.send("GET " + path + " HTTP/1.1\r\nHost: a\r\n\r\n");
        RawHttp.Response r = c.read();
        assertNotNull(r, "no response to " + path);
        assertEquals(200, r.status());
    }

    /**
     * The context ends from its codec's channelInactive, not a close listener: a connection handed
     * to the connection manager after it closed (its network filters decided late) ends at once.
     */
    @Test
    void aConnectionHandedOverAfterItClosedLeavesNothingBehind() throws Exception {
        HttpConnectionManagerConfig config = HcmServer.config(b -> b.codec(CodecType.HTTP1));
        server = new HcmServer(config);
        HttpConnectionManager late = (HttpConnectionManager) new HttpConnectionManagerFactory(
                List.of(TestFilter.PROVIDER), (c, ctx) -> TestRoutes.PROVIDER).create(config, server.context);
        io.netty.channel.Channel ch;
        try (RawHttp c = new RawHttp(server.port)) {
            request(c, "/direct");
            ch = server.accepted.poll(5, TimeUnit.SECONDS);
            assertNotNull(ch);
            ch.close().sync();
        }
        // As when its network filters decide late: closed, inactive, off the event loop, its
        // handlers gone.
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (ch.isRegistered() && System.nanoTime() < until) {
            Thread.sleep(10);
        }
        assertEquals(false, ch.isRegistered());
        io.netty.channel.Channel closed = ch;
        closed.eventLoop().submit(() -> late.onAccept(closed, new io.remora.network.ConnectionInfo("test",
                closed.localAddress(), closed.remoteAddress(), null, null, "raw_buffer", List.of()))).get(5, TimeUnit.SECONDS);
        Thread.sleep(100); // an inactive event still due would come now
        assertEquals(0, late.stats.downstreamCxActive.get(), "the late connection is still counted");
        int[] left = {0};
        closed.eventLoop().submit(() -> server.context.overload().worker(closed.eventLoop())
                .forEachConnection(t -> left[0]++)).get(5, TimeUnit.SECONDS);
        assertEquals(0, left[0], "a closed connection's context is still on its worker");
    }

    @Test
    void idleConnectionsGiveTheirHeaderGuardBackAndHeadsInProgressKeepTheirs() throws Exception {
        server = new HcmServer(HcmServer.config(b -> b.codec(CodecType.HTTP1)
                .requestHeadersTimeout(Duration.ofSeconds(30))));
        warmUp();
        long heldBefore = server.context.overload().headerBudget().held();
        List<RawHttp> clients = new ArrayList<>();
        try {
            for (int i = 0; i < 3; i++) {
                clients.add(new RawHttp(server.port));
            }
            // Three heads in progress at once: a guard each, none free.
            for (RawHttp c : clients) {
                c.send("GET /direct HTTP/1.1\r\nHost: a\r\nX-Slow: ");
            }
            Thread.sleep(200);
            assertEquals(0, freeGuards(), "a head in progress without its guard");
            for (RawHttp c : clients) {
                c.send("1\r\n\r\n");
                RawHttp.Response r = c.read();
                assertNotNull(r);
                assertEquals(200, r.status());
            }
            // All three idle: their guards are the worker's, once each (not given back twice).
            assertEquals(3, freeGuards(), "idle connections still hold guards, or one was given back twice");
            for (int round = 0; round < 5; round++) {
                for (RawHttp c : clients) {
                    request(c, "/direct?round=" + round);
                }
            }
            assertEquals(3, freeGuards(), "keep-alive requests made or lost guards");
            // The header timer of a head in progress still runs on a reused guard.
            RawHttp slow = clients.get(0);
            slow.send("GET /direct HTTP/1.1\r\nHost: a\r\nX-Slow: ");
            Thread.sleep(200);
            assertEquals(2, freeGuards());
        } finally {
            for (RawHttp c : clients) {
                c.close();
            }
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (freeGuards() != 3 && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertEquals(3, freeGuards(), "a closed connection kept its guard");
        assertEquals(heldBefore, server.context.overload().headerBudget().held(), "header bytes still counted");
    }

    @Test
    void idleConnectionsGiveTheirDecoderBackAndRequestsInProgressKeepTheirs() throws Exception {
        server = new HcmServer(HcmServer.config(b -> b.codec(CodecType.HTTP1)));
        warmUp();
        List<RawHttp> clients = new ArrayList<>();
        try {
            for (int i = 0; i < 3; i++) {
                clients.add(new RawHttp(server.port));
            }
            Thread.sleep(200);
            assertEquals(1, freeDecoders(), "a connection that sent nothing took a decoder, or the warm-up kept its");
            for (RawHttp c : clients) {
                c.send("GET /direct HTTP/1.1\r\nHost: a\r\nX-Slow: ");
            }
            Thread.sleep(200);
            assertEquals(0, freeDecoders(), "a head in progress without its decoder");
            for (RawHttp c : clients) {
                c.send("1\r\n\r\n");
                RawHttp.Response r = c.read();
                assertNotNull(r);
                assertEquals(200, r.status());
            }
            assertEquals(3, freeDecoders(), "idle connections still hold decoders, or one was given back twice");
            for (int round = 0; round < 5; round++) {
                for (RawHttp c : clients) {
                    request(c, "/direct?round=" + round);
                }
                // Two requests in one write: the second waits in the parser behind the first's response.
                RawHttp c = clients.get(round % 3);
                c.send("GET /direct?pipelined=1 HTTP/1.1\r\nHost: a\r\n\r\nGET /direct?pipelined=2 HTTP/1.1\r\nHost: a\r\n\r\n");
                for (int i = 0; i < 2; i++) {
                    RawHttp.Response r = c.read();
                    assertNotNull(r, "no response to pipelined request " + i);
                    assertEquals(200, r.status());
                }
            }
            assertEquals(3, freeDecoders(), "keep-alive requests made or lost decoders");
            // A decoder that served other connections parses a head split over reads as a new one does.
            RawHttp slow = clients.get(1);
            slow.send("GET /direct HTTP/1.1\r\nHo");
            Thread.sleep(200);
            assertEquals(2, freeDecoders());
            slow.send("st: a\r\n\r\n");
            RawHttp.Response r = slow.read();
            assertNotNull(r);
            assertEquals(200, r.status());
            assertEquals(3, freeDecoders());
        } finally {
            for (RawHttp c : clients) {
                c.close();
            }
        }
    }
}
